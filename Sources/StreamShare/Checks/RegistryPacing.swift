import Synchronization

/// The pause a rate-limited registry asked for, shared by every request of one verification: after
/// a 429, no request is sent before the advised time, so a burst does not meet the limit again at
/// once.
final class RegistryPacing: Sendable {
    private struct State {
        var resumeAt: ContinuousClock.Instant?
        var lastRefusal: TransportResponse?
    }

    private let state = Mutex(State())

    /// Waits until the registry's advised pause is over. When that is past `deadline`, waits not at
    /// all and returns the 429 that asked for the pause: the request would only run out of time.
    func waitForTurn(before deadline: ContinuousClock.Instant) async -> TransportResponse? {
        let (until, refusal) = state.withLock { ($0.resumeAt, $0.lastRefusal) }
        guard let until, until > ContinuousClock.now else { return nil }
        guard until < deadline else { return refusal }
        try? await Task.sleep(until: until, clock: .continuous)
        return nil
    }

    /// Pauses every request for `duration` from now (the latest advice wins).
    func pause(for duration: Duration, after refusal: TransportResponse) {
        let until = ContinuousClock.now + duration
        state.withLock { state in
            state.resumeAt = max(state.resumeAt ?? until, until)
            state.lastRefusal = refusal
        }
    }
}
