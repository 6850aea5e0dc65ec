import Synchronization

/// Collects check results as they finish, so that whatever completed before the deadline is kept.
/// Closed at the deadline: what a probe emits after it is dropped (the plan reports those checks as
/// out of time), so a report never depends on how quickly cancelled work winds down.
final class CheckSink: Sendable {
    private struct State {
        var results: [CheckResult] = []
        var discovered: [CheckPlan.Entry] = []
        var records: [String: RecordEncoding] = [:]
        var partitions: [PartitionState] = []
        var lag: [PartitionLag] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let requests = Mutex<[String: Int]>([:])

    func add(_ result: CheckResult) { add([result]) }

    func add(_ batch: [CheckResult]) {
        state.withLock { state in if !state.closed { state.results += batch } }
    }

    /// Checks now owed that the plan could not know in advance (a broker per broker of the metadata):
    /// reported as out of time if no result comes.
    func owe(_ entries: [CheckPlan.Entry]) {
        state.withLock { state in if !state.closed { state.discovered += entries } }
    }

    var discovered: [CheckPlan.Entry] { state.withLock { $0.discovered } }

    /// What the records read from a topic (under `--deep`) say about their encoding.
    func addRecords(_ encoding: RecordEncoding, topic: String) {
        state.withLock { state in if !state.closed { state.records[topic] = encoding } }
    }

    /// The encodings of the records read, by topic.
    var records: [String: RecordEncoding] { state.withLock { $0.records } }

    /// The partitions read for freshness and lag, and the consumers' group's lag in them.
    func addOffsets(partitions: [PartitionState], lag: [PartitionLag]) {
        state.withLock { state in
            if !state.closed {
                state.partitions += partitions
                state.lag += lag
            }
        }
    }

    var offsets: (partitions: [PartitionState], lag: [PartitionLag]) {
        state.withLock { ($0.partitions, $0.lag) }
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
