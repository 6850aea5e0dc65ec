import Synchronization

/// The librdkafka handles of a share's verifications, one per `group.id`.
///
/// A single verification uses a pool of its own and drops it at the end. A ``ShareMonitor`` keeps
/// its pool between runs, so the authorization checks of a run are requests over established
/// connections instead of new connections and SASL handshakes. What is not correct to keep is
/// dropped: every handle after a run whose connection check failed, and a group's handle after its
/// group check did not pass (librdkafka reports a repeated coordinator error only once per
/// handle, so a kept handle would turn the next run's `unauthorized` into a `timeout`).
package final class KafkaHandlePool: Sendable {
    private struct State {
        var handles: [String: KafkaHandle] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Makes a handle; `pooled` tells whether the pool will keep it. Replaceable so that tests can
    /// make librdkafka's refusal to create a client happen where they need it.
    package typealias Factory =
        @Sendable (
            _ properties: [RdKafkaProperty], _ debugProtocol: Bool, _ pooled: Bool
        ) throws(KafkaHandle.CreateError) -> KafkaHandle

    private let factory: Factory

    /// Creates an empty pool.
    package init(
        factory: @escaping Factory = { properties, debugProtocol, _ throws(KafkaHandle.CreateError) in
            try KafkaHandle(properties: properties, debugProtocol: debugProtocol)
        }
    ) {
        self.factory = factory
    }

    /// A handle the pool does not keep (a deep join closes its consumer; a connect proof needs a new
    /// session).
    package func unpooledHandle(
        properties: [RdKafkaProperty],
        debugProtocol: Bool
    ) throws(KafkaHandle.CreateError) -> KafkaHandle {
        try factory(properties, debugProtocol, false)
    }

    private static func key(_ groupID: String?) -> String { groupID ?? "" }

    /// The handle for `groupID` (nil: no group), created with `properties()` on first use. A closed
    /// pool hands out handles without keeping them.
    package func handle(
        groupID: String?,
        debugProtocol: Bool,
        properties: () -> [RdKafkaProperty]
    ) throws(KafkaHandle.CreateError) -> KafkaHandle {
        let key = Self.key(groupID)
        // A handle a cancelled run left a call on is replaced; it is destroyed once that call returns.
        if let existing = state.withLock({ $0.handles[key] }), !existing.isBusy { return existing }
        let created = try factory(properties(), debugProtocol, true)
        return state.withLock { state in
            if let raced = state.handles[key], !raced.isBusy { return raced }
            if !state.closed { state.handles[key] = created }
            return created
        }
    }

    /// Whether a handle for `groupID` is kept from an earlier run.
    package func contains(groupID: String?) -> Bool {
        state.withLock { $0.handles[Self.key(groupID)] != nil }
    }

    /// Forgets what the handles reported before: each run diagnoses from its own events and counts
    /// its own requests.
    package func beginRun() {
        for handle in state.withLock({ Array($0.handles.values) }) { handle.events.reset() }
    }

    /// The number of handles held.
    package var count: Int { state.withLock { $0.handles.count } }

    /// Drops the handle of one group; a call still running on it keeps it alive until it returns.
    package func evict(groupID: String?) {
        // The handle destroys itself on its own queue once the last call on it has returned.
        _ = state.withLock { $0.handles.removeValue(forKey: Self.key(groupID)) }
    }

    /// Drops every handle.
    package func removeAll() {
        state.withLock { $0.handles.removeAll() }
    }

    /// Drops every handle and keeps none from now on (the share was replaced, or the monitor shut down).
    package func close() {
        state.withLock { $0.closed = true }
        removeAll()
    }
}
