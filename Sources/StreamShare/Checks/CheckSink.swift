import Synchronization

/// Collects check results as they finish, so that whatever completed before the deadline is kept.
/// Closed at the deadline: what a probe emits after it is dropped (the plan reports those checks as
/// out of time), so a report never depends on how quickly cancelled work winds down.
final class CheckSink: Sendable {
    private struct State {
        var results: [CheckResult] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let requests = Mutex<[String: Int]>([:])

    func add(_ result: CheckResult) { add([result]) }

    func add(_ batch: [CheckResult]) {
        state.withLock { state in if !state.closed { state.results += batch } }
    }

    /// Keeps no result from now on.
    func close() { state.withLock { $0.closed = true } }

    var all: [CheckResult] { state.withLock { $0.results } }

    func addRequests(_ counts: [String: Int]) {
        requests.withLock { total in for (name, count) in counts { total[name, default: 0] += count } }
    }

    var requestCounts: [String: Int] { requests.withLock { $0 } }
}

/// Measures a check's duration.
struct Stopwatch {
    private let start = ContinuousClock.now
    var elapsedMs: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}
