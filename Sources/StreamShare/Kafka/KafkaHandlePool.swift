import Dispatch
import Synchronization

/// The librdkafka handles of a share's verifications, one per `group.id`.
///
/// A single verification uses a pool of its own and drops it at the end. A ``ShareMonitor`` keeps
/// its pool between runs, so the authorization checks of a run are requests over established
/// connections instead of new connections and SASL handshakes. What is not correct to keep is
/// dropped: every handle after a run whose connection check failed, and a group's handle after its
/// group check did not pass (librdkafka reports a repeated coordinator error only once per
/// handle, so a kept handle would turn the next run's `unauthorized` into a `timeout`).
final class KafkaHandlePool: Sendable {
    private struct State {
        var handles: [String: KafkaHandle] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    private static func key(_ groupID: String?) -> String { groupID ?? "" }

    /// The handle for `groupID` (nil: no group), created with `properties()` on first use. A closed
    /// pool hands out handles without keeping them.
    func handle(
        groupID: String?,
        debugProtocol: Bool,
        properties: () -> [ConfigProperty]
    ) throws(KafkaHandle.CreateError) -> KafkaHandle {
        let key = Self.key(groupID)
        if let existing = state.withLock({ $0.handles[key] }) { return existing }
        let created = try KafkaHandle(properties: properties(), debugProtocol: debugProtocol)
        return state.withLock { state in
            if let raced = state.handles[key] { return raced }
            if !state.closed { state.handles[key] = created }
            return created
        }
    }

    /// Whether a handle for `groupID` is kept from an earlier run.
    func contains(groupID: String?) -> Bool {
        state.withLock { $0.handles[Self.key(groupID)] != nil }
    }

    /// Forgets what the handles reported before: each run diagnoses from its own events and counts
    /// its own requests.
    func beginRun() {
        for handle in state.withLock({ Array($0.handles.values) }) { handle.events.reset() }
    }

    /// The number of handles held.
    var count: Int { state.withLock { $0.handles.count } }

    /// Drops the handle of one group; a call still running on it keeps it alive until it returns.
    func evict(groupID: String?) {
        release(state.withLock { $0.handles.removeValue(forKey: Self.key(groupID)) }.map { [$0] } ?? [])
    }

    /// Drops every handle.
    func removeAll() {
        release(
            state.withLock { state in
                defer { state.handles.removeAll() }
                return Array(state.handles.values)
            }
        )
    }

    /// Drops every handle and keeps none from now on (the share was replaced, or the monitor shut down).
    func close() {
        state.withLock { $0.closed = true }
        removeAll()
    }

    /// The last references go on a dispatch thread: `rd_kafka_destroy` can block, and must neither
    /// hold the lock nor Swift's cooperative pool.
    private func release(_ dropped: [KafkaHandle]) {
        guard !dropped.isEmpty else { return }
        DispatchQueue.global().async { withExtendedLifetime(dropped) {} }
    }
}
