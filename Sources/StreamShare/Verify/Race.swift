import Synchronization

/// Waits for the first of several operations to produce a value, for a limit to pass, or for the
/// waiting task to be cancelled — whichever comes first.
///
/// The operations run in unstructured tasks and are *not* awaited past that point: a blocking
/// librdkafka call cannot be interrupted, so the verdict must not depend on it returning. A
/// caller that wants the losers stopped cancels them itself.
enum Race {
    /// The first non-nil value of `operations`; nil when every operation returned nil, the limit
    /// passed or the caller was cancelled.
    static func first<T: Sendable>(
        of operations: [@Sendable () async -> T?],
        until limit: ContinuousClock.Instant? = nil
    ) async -> T? {
        let gate = Gate<T>(pending: operations.count)
        let timer: Task<Void, Never>? = limit.map { limit in
            Task {
                try? await Task.sleep(until: limit, clock: .continuous)
                if !Task.isCancelled { gate.finish(nil) }
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
                gate.install(continuation)
                for operation in operations {
                    Task { gate.deliver(await operation()) }
                }
            }
        } onCancel: {
            gate.finish(nil)
        }
    }

    /// Waits until `task` finishes, the limit passes or the caller is cancelled; true if it finished.
    static func wait(for task: Task<Void, Never>, until limit: ContinuousClock.Instant) async -> Bool {
        await first(of: [{ @Sendable in await task.value }], until: limit) != nil
    }

    /// Resumes one continuation exactly once, from whichever side gets there first; a finish that
    /// arrives before the continuation is installed (cancellation) is remembered and applied then.
    private final class Gate<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T?, Never>?
            var outcome: T?? = nil
            var resumed = false
            var pending: Int
        }

        private let state: Mutex<State>

        init(pending: Int) { state = Mutex(State(pending: pending)) }

        func install(_ continuation: CheckedContinuation<T?, Never>) {
            let early: T?? = state.withLock { state in
                if let outcome = state.outcome {
                    state.resumed = true
                    return .some(outcome)
                }
                if state.pending == 0 {
                    state.resumed = true
                    return .some(nil)
                }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func deliver(_ value: T?) {
            let resume: (CheckedContinuation<T?, Never>, T?)? = state.withLock { state in
                state.pending -= 1
                guard !state.resumed else { return nil }
                guard value != nil || state.pending == 0 else { return nil }
                return take(&state, value)
            }
            if let (continuation, value) = resume { continuation.resume(returning: value) }
        }

        func finish(_ value: T?) {
            let resume = state.withLock { state in state.resumed ? nil : take(&state, value) }
            if let (continuation, value) = resume { continuation.resume(returning: value) }
        }

        private func take(_ state: inout State, _ value: T?) -> (CheckedContinuation<T?, Never>, T?)? {
            guard let continuation = state.continuation else {
                if state.outcome == nil { state.outcome = .some(value) }
                return nil
            }
            state.continuation = nil
            state.resumed = true
            return (continuation, value)
        }
    }
}
