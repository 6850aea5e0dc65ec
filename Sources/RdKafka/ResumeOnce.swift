import Synchronization

/// Resumes one continuation exactly once, with the first value delivered — the result of a blocking
/// call, or the value standing for cancellation — whichever comes first. A value delivered before
/// the continuation is installed is kept and handed over at installation.
///
/// One of the two places the package escapes structured cancellation: a blocking librdkafka call
/// cannot be interrupted, so ``KafkaHandle`` answers a cancelled caller at once and lets the call
/// finish by itself on the handle's queue; a host name lookup (`getaddrinfo`) is answered by its
/// deadline the same way.
package final class ResumeOnce<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var early: Value?
        var done = false
    }

    private let state = Mutex(State())

    package init() {}

    package func install(_ continuation: CheckedContinuation<Value, Never>) {
        let early: Value? = state.withLock { state in
            if let value = state.early {
                state.early = nil
                return value
            }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    package func resume(_ value: Value) {
        let continuation: CheckedContinuation<Value, Never>? = state.withLock { state in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = value
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: value)
    }
}
