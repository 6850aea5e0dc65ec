import Synchronization

/// A pool's run admitted before its cluster's size was known: once `kafka.connect` has counted the
/// brokers, it is admitted for what proving them takes, as many at once as there is room for (all,
/// ``FileDescriptors/pooledBrokerProofs``, or one), without waiting; ended with the run.
final class AdmissionGrowth: Sendable {
    private let pool: MonitorPool
    private let granted = Mutex(0)

    init(pool: MonitorPool) {
        self.pool = pool
    }

    /// The brokers to prove at once on a cluster of `brokers`, for a run admitted with `admitted`.
    func proofs(brokers: Int, admitted: Int) -> Int {
        for proofs in Self.proofChoices(brokers: brokers) {
            let extra = FileDescriptors.neededPerRun(brokers: brokers, brokerProofs: proofs) - admitted
            if extra <= 0 { return proofs }
            if pool.admitNow(needing: extra) {
                granted.withLock { $0 += extra }
                return proofs
            }
        }
        // No room even for one at a time: one at a time, over what was admitted (the reserve sees to
        // a run that then runs out).
        return 1
    }

    /// How many brokers a run may prove at once, the quickest first: all of them,
    /// ``FileDescriptors/pooledBrokerProofs``, one.
    static func proofChoices(brokers: Int) -> [Int] {
        Set([max(1, brokers), max(1, min(brokers, FileDescriptors.pooledBrokerProofs)), 1]).sorted(by: >)
    }

    /// Ends what was granted.
    func end() {
        let extra = granted.withLock { value in
            defer { value = 0 }
            return value
        }
        if extra > 0 { pool.endRun(needing: extra) }
    }
}
