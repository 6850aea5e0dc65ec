import Synchronization

/// Collects check results as they finish, so that whatever completed before the deadline is kept.
final class CheckSink: Sendable {
    private let results = Mutex<[CheckResult]>([])
    private let requests = Mutex<[String: Int]>([:])

    func add(_ result: CheckResult) { results.withLock { $0.append(result) } }

    func add(_ batch: [CheckResult]) { results.withLock { $0 += batch } }

    var all: [CheckResult] { results.withLock { $0 } }

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
