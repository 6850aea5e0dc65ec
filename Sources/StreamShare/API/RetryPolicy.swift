/// When and how long a redeem request is retried.
///
/// A token is single-use, so only two failures are ever retried:
/// - a request that **never reached** the server (DNS, refused, unreachable, connect timeout), with
///   exponential backoff and jitter;
/// - a **429**, after the wait the server advises (`Retry-After`, else `X-RateLimit-Reset`, both
///   relative seconds; an HTTP-date `Retry-After` is accepted too), if that wait fits the policy.
/// Everything else — 4xx, 5xx, a timeout or a broken connection after the request was sent — is
/// returned at once. Attempts and the total wait are bounded; cancellation is checked before each wait.
public struct RetryPolicy: Sendable {
    /// Total requests, the first one included.
    public var maxAttempts: Int
    /// The longest single wait a 429 may ask for; longer advice fails at once with the advised wait.
    public var maxRetryAfter: Duration
    /// The sum of all waits.
    public var maxTotalWait: Duration
    /// The first backoff after a connection failure.
    public var initialBackoff: Duration
    /// The largest backoff after a connection failure.
    public var maxBackoff: Duration
    /// Returns a fraction in `0...1` used to jitter backoffs (injectable for deterministic tests).
    public var jitter: @Sendable () -> Double

    /// Creates a policy.
    public init(
        maxAttempts: Int = 4,
        maxRetryAfter: Duration = .seconds(30),
        maxTotalWait: Duration = .seconds(60),
        initialBackoff: Duration = .milliseconds(250),
        maxBackoff: Duration = .seconds(4),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maxAttempts = maxAttempts
        self.maxRetryAfter = maxRetryAfter
        self.maxTotalWait = maxTotalWait
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
    }

    /// Never retries.
    public static var never: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// What to do after a failed attempt.
    public enum Decision: Sendable, Hashable {
        /// Wait, then try again.
        case retry(after: Duration)
        /// Give up.
        case dontRetry
    }

    /// The backoff after the `attempt`-th consecutive connection failure (1-based): half of the
    /// exponential step plus a jittered half, capped at ``maxBackoff``.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let step = min(initialBackoff * (1 << exponent), maxBackoff)
        let fraction = min(max(jitter(), 0), 1)
        return step / 2 + (step / 2) * fraction
    }

    /// Decides whether to retry.
    /// - Parameters:
    ///   - attempt: How many requests were made so far.
    ///   - waited: The sum of the waits so far.
    ///   - advisedWait: For a 429, the server's advice; `nil` for a connection failure.
    public func decision(attempt: Int, waited: Duration, advisedWait: Duration?) -> Decision {
        guard attempt < maxAttempts else { return .dontRetry }
        let wait: Duration
        if let advisedWait {
            guard advisedWait <= maxRetryAfter else { return .dontRetry }
            wait = max(advisedWait, .zero)
        } else {
            wait = backoff(afterAttempt: attempt)
        }
        guard waited + wait <= maxTotalWait else { return .dontRetry }
        return .retry(after: wait)
    }
}
