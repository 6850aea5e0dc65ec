import Dispatch
import Synchronization

/// The librdkafka handles of a share's verifications, one per `group.id`.
///
/// A single verification uses a pool of its own and drops it at the end. A ``ShareMonitor`` keeps
/// its pool between runs, so a run costs requests over established connections instead of new
/// connections and SASL handshakes; it drops the handles after a run whose connection check failed,
/// so that the next run starts from a fresh client and a fresh diagnosis.
final class KafkaHandlePool: Sendable {
    private let handles = Mutex<[String: KafkaHandle]>([:])

    /// The handle for `groupID` (nil: no group), created with `properties()` on first use.
    func handle(
        groupID: String?,
        debugProtocol: Bool,
        properties: () -> [ConfigProperty]
    ) throws(KafkaHandle.CreateError) -> KafkaHandle {
        let key = groupID ?? ""
        if let existing = handles.withLock({ $0[key] }) { return existing }
        let created = try KafkaHandle(properties: properties(), debugProtocol: debugProtocol)
        return handles.withLock { handles in
            if let raced = handles[key] { return raced }
            handles[key] = created
            return created
        }
    }

    /// Forgets what the handles reported before: each run diagnoses from its own events and counts
    /// its own requests.
    func beginRun() {
        for handle in handles.withLock({ Array($0.values) }) { handle.events.reset() }
    }

    /// The number of handles held.
    var count: Int { handles.withLock { $0.count } }

    /// Drops every handle. Each is destroyed once no call is still using it, on a dispatch thread:
    /// `rd_kafka_destroy` can block, and must neither hold the lock nor Swift's cooperative pool.
    func removeAll() {
        let dropped = handles.withLock { handles in
            defer { handles.removeAll() }
            return Array(handles.values)
        }
        guard !dropped.isEmpty else { return }
        DispatchQueue.global().async { withExtendedLifetime(dropped) {} }
    }
}
