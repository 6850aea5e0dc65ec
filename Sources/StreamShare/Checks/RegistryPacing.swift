import Synchronization

/// How one verification spends a Schema Registry's requests, shared by all of them:
/// - a budget of requests per second (a token bucket holding one second's worth);
/// - the pause a rate-limited registry asked for (after a 429 no request is sent before the advised
///   time, so a burst does not meet the limit again at once);
/// - how many requests may be in flight: halved on every 429, grown back by one after a window of
///   answers without one (additive increase, multiplicative decrease, as TCP does);
/// - how many requests were sent, by answer (the report's `schema_registry_requests`).
final class RegistryPacing: Sendable {
    private struct State {
        var resumeAt: ContinuousClock.Instant?
        var lastRefusal: TransportResponse?
        /// When the next request of the budget may go out.
        var nextSlot: ContinuousClock.Instant?
        /// Requests allowed in flight now, and in flight.
        var window: Int
        var inFlight = 0
        /// Answers without a 429 since the window last changed.
        var answeredSinceChange = 0
        /// Bumped at every cut: a 429 for a request sent before the last cut does not cut again.
        var generation = 0
        /// Requests waiting for room in the window, first come first served.
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiterID = 0
        /// Requests sent, by HTTP status (`error` when no answer came).
        var sent: [String: Int] = [:]
    }

    private let state: Mutex<State>
    /// Requests per second this verification allows itself (nil: no budget).
    private let requestsPerSecond: Double?
    /// The most requests ever in flight at once.
    let maximumWindow: Int

    /// - Parameters:
    ///   - requestsPerSecond: The budget; the first second's worth go out at once.
    ///   - concurrency: Requests in flight at most (and at first).
    init(requestsPerSecond: Double? = nil, concurrency: Int = 32) {
        // Above a million a second the budget is no budget (and Int(rate) stays representable).
        self.requestsPerSecond = requestsPerSecond.flatMap { $0 > 0 && $0.isFinite ? min($0, 1e6) : nil }
        maximumWindow = max(1, concurrency)
        state = Mutex(State(window: max(1, concurrency)))
    }

    // MARK: the window of requests in flight

    /// Waits for room in the window and takes it; every ticket must be given back by one
    /// ``finish(_:status:sent:)``. Nil when the task was cancelled while waiting (nothing taken).
    func start() async -> Int? {
        let id = state.withLock { state -> Int? in
            guard state.inFlight >= state.window || !state.waiters.isEmpty else {
                state.inFlight += 1
                return nil
            }
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        if let id {
            let admitted = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let (cancelled, admitted) = state.withLock { state in
                        // Cancelled before the waiter was queued: the handler found nothing to resume.
                        if Task.isCancelled {
                            return (true, [(id: Int, continuation: CheckedContinuation<Bool, Never>)]())
                        }
                        state.waiters.append((id, continuation))
                        return (false, Self.admitWaiters(&state))
                    }
                    if cancelled { continuation.resume(returning: false) }
                    for waiter in admitted { waiter.continuation.resume(returning: true) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index).continuation
                }
                waiter?.resume(returning: false)
            }
            guard admitted else { return nil }
        }
        return state.withLock { $0.generation }
    }

    /// Gives the request's room back and adapts the window to its answer.
    /// - Parameters:
    ///   - ticket: What ``start()`` returned.
    ///   - status: The HTTP status, or nil when no answer came.
    ///   - sent: The request went out (else it is neither counted nor does it change the window).
    func finish(_ ticket: Int, status: Int?, sent: Bool = true) {
        let admitted = state.withLock { state -> [(id: Int, continuation: CheckedContinuation<Bool, Never>)] in
            state.inFlight -= 1
            if sent { state.sent[status.map { "\($0)" } ?? "error", default: 0] += 1 }
            if !sent {
                // Not sent: nothing learned about the registry.
            } else if status == 429 {
                // One cut per window: the 429s of requests sent before the last cut were already counted.
                guard ticket == state.generation else { return Self.admitWaiters(&state) }
                state.window = max(1, state.window / 2)
                state.generation += 1
                state.answeredSinceChange = 0
            } else if status != nil {
                state.answeredSinceChange += 1
                if state.answeredSinceChange >= state.window, state.window < maximumWindow {
                    state.window += 1
                    state.answeredSinceChange = 0
                }
            }
            return Self.admitWaiters(&state)
        }
        for waiter in admitted { waiter.continuation.resume(returning: true) }
    }

    /// Takes waiters off the queue while the window has room (they count as in flight).
    private static func admitWaiters(
        _ state: inout State
    ) -> [(id: Int, continuation: CheckedContinuation<Bool, Never>)] {
        var admitted: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        while state.inFlight < state.window, !state.waiters.isEmpty {
            admitted.append(state.waiters.removeFirst())
            state.inFlight += 1
        }
        return admitted
    }

    /// Requests allowed in flight now.
    var window: Int { state.withLock { $0.window } }

    /// Requests sent so far, by HTTP status (`error`: no answer).
    var requestsByStatus: [String: Int] { state.withLock { $0.sent } }

    // MARK: the budget and the registry's pauses

    /// Waits for the budget's next slot.
    /// - Returns: False, at once and without taking a slot, when the next slot is past `deadline`.
    func waitForBudget(before deadline: ContinuousClock.Instant) async -> Bool {
        guard let rate = requestsPerSecond else { return true }
        let spacing = Duration.nanoseconds(Int64(1e9 / rate))
        let slot = state.withLock { state -> ContinuousClock.Instant? in
            let now = ContinuousClock.now
            // At most one second's worth of unused slots carry over (the burst).
            let earliest = now - spacing * Int(rate.rounded(.down))
            let slot = max(state.nextSlot ?? earliest, earliest)
            guard slot < deadline else { return nil }
            state.nextSlot = slot + spacing
            return slot
        }
        guard let slot else { return false }
        if slot > ContinuousClock.now { try? await Task.sleep(until: slot, clock: .continuous) }
        return true
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

/// What a monitor's runs learn about a Schema Registry and keep for the next run.
final class RegistryKnowledge: Sendable {
    /// When a registry answered the listing as one without it.
    private let listingAbsentAt = Mutex<ContinuousClock.Instant?>(nil)

    /// How long a registry without the listing is believed to have none (a registry upgraded, or a
    /// proxy's answer taken for the registry's, is noticed after this).
    static let memory: Duration = .seconds(600)

    init() {}

    /// False while the registry is known not to serve `GET /schemas?subjectPrefix=…`.
    var listingSupported: Bool {
        listingAbsentAt.withLock { at in at.map { ContinuousClock.now - $0 > Self.memory } ?? true }
    }

    /// The registry answered the listing as one without it.
    func listingAbsent() { listingAbsentAt.withLock { $0 = .now } }

    /// The registry served the listing.
    func listingServed() { listingAbsentAt.withLock { $0 = nil } }
}
