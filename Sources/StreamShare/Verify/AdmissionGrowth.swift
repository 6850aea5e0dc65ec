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
        // No room even for one at a time: one at a time, over what was admitted (the reserve sees to a
        // run that then runs out).
        guard let grown = pool.admitProofs(brokers: brokers, beyond: admitted) else { return 1 }
        granted.withLock { $0 += grown.extra }
        return grown.proofs
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
