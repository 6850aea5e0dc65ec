import Synchronization

/// How one verification spends a Schema Registry's requests, shared by all of them: a budget of
/// requests per second (a token bucket holding one second's worth), and the pause a rate-limited
/// registry asked for (after a 429 no request is sent before the advised time, so a burst does not
/// meet the limit again at once).
final class RegistryPacing: Sendable {
    private struct State {
        var resumeAt: ContinuousClock.Instant?
        var lastRefusal: TransportResponse?
        /// When the next request of the budget may go out.
        var nextSlot: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// Requests per second this verification allows itself (nil: no budget).
    private let requestsPerSecond: Double?

    /// - Parameter requestsPerSecond: The budget; the first second's worth go out at once.
    init(requestsPerSecond: Double? = nil) {
        self.requestsPerSecond = requestsPerSecond.flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
    }

    /// Waits for the budget's next slot (never past `deadline`).
    func waitForBudget(before deadline: ContinuousClock.Instant) async {
        guard let rate = requestsPerSecond else { return }
        let spacing = Duration.nanoseconds(Int64(1e9 / rate))
        let slot = state.withLock { state -> ContinuousClock.Instant in
            let now = ContinuousClock.now
            // At most one second's worth of unused slots carry over (the burst).
            let earliest = now - spacing * Int(rate.rounded(.down))
            let slot = max(state.nextSlot ?? earliest, earliest)
            state.nextSlot = slot + spacing
            return slot
        }
        if slot > ContinuousClock.now { try? await Task.sleep(until: min(slot, deadline), clock: .continuous) }
    }

    /// Waits until the registry's advised pause is over. When that is past `deadline`, waits not at
    /// all and returns the 429 that asked for the pause: the request would only run out of time.
    func waitForTurn(before deadline: ContinuousClock.Instant) async -> TransportResponse? {
        let (until, refusal) = state.withLock { ($0.resumeAt, $0.lastRefusal) }
        guard let until, until > ContinuousClock.now else { return nil }
        guard until < deadline else { return refusal }
        try? await Task.sleep(until: until, clock: .continuous)
        return nil
    }

    /// The latest 429 of this verification, if the registry rate limited it.
    var refusal: TransportResponse? { state.withLock { $0.lastRefusal } }

    /// Pauses every request for `duration` from now (the latest advice wins).
    func pause(for duration: Duration, after refusal: TransportResponse) {
        let until = ContinuousClock.now + duration
        state.withLock { state in
            state.resumeAt = max(state.resumeAt ?? until, until)
            state.lastRefusal = refusal
        }
    }
}
