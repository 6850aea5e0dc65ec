#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// When a verification that failed is run again, and for how long.
///
/// A freshly redeemed API key can take a few minutes to become active (Confluent's quotas page), so a
/// redeem-then-verify that fails authentication at once is not yet a verdict. Other readiness gaps
/// (a broker still coming up, a provider still granting access) call for waiting on any failure.
public struct WaitPolicy: Sendable, Hashable {
    /// Which failures are worth waiting for.
    public enum Condition: Sendable, Hashable {
        /// Any failed check.
        case anyFailure
        /// Only a key not (yet) accepted: `kafka.connect` or `kafka.broker` failing `authentication`,
        /// `schema_registry.auth` failing `unauthorized`.
        case authenticationFailure
    }

    /// How long to keep trying, from the start of the first run; `.zero` runs once. No run starts
    /// after it; the last one may end up to the verification's deadline later.
    public var duration: Duration
    /// Which failures start another run.
    public var condition: Condition
    /// The first pause between runs; each later one doubles, up to ``maximumPause``.
    public var initialPause: Duration
    /// The longest pause between runs.
    public var maximumPause: Duration
    /// With ``Condition-swift.enum/anyFailure``, warnings count as failures too (as `--strict`).
    public var strict: Bool

    /// Creates a policy.
    public init(
        duration: Duration,
        condition: Condition = .anyFailure,
        initialPause: Duration = .seconds(2),
        maximumPause: Duration = .seconds(15),
        strict: Bool = false
    ) {
        self.duration = duration
        self.condition = condition
        self.initialPause = initialPause
        self.maximumPause = maximumPause
        self.strict = strict
    }

    /// One run, no waiting.
    public static let none = WaitPolicy(duration: .zero)

    /// What redeem-then-verify waits for by default: up to 3 minutes for the new key to be accepted.
    public static let newKey = WaitPolicy(duration: .seconds(180), condition: .authenticationFailure)

    /// Whether `report` calls for another run under this policy.
    public func wantsAnotherRun(after report: VerificationReport) -> Bool {
        // The consumer's own configuration does not change while we wait: a mismatch is final.
        if report.failures.contains(where: { $0.id.isConsumerConfiguration }) { return false }
        switch condition {
        case .anyFailure: return !report.passed(strict: strict)
        case .authenticationFailure: return report.failures.contains(where: Self.isAuthenticationFailure)
        }
    }

    /// A check that says the key itself was not accepted.
    public static func isAuthenticationFailure(_ check: CheckResult) -> Bool {
        guard check.status == .fail else { return false }
        switch check.id {
        case .kafkaConnect, .kafkaBroker: return check.code == .authentication
        case .schemaRegistryAuth: return check.code == .unauthorized
        default: return false
        }
    }
}

/// Told before each pause of ``ShareVerifier/verify(_:consumer:waiting:onRetry:)``.
public struct WaitProgress: Sendable {
    /// The run that failed (1 for the first).
    public var run: Int
    /// Its report.
    public var report: VerificationReport
    /// Time since the first run started.
    public var elapsed: Duration
    /// The pause before the next run.
    public var pause: Duration
    /// Whether the failures are only the key not being accepted yet.
    public var waitingForKey: Bool
}

extension VerificationReport {
    /// The checks that failed.
    public var failures: [CheckResult] { checks.filter { $0.status == .fail } }

    /// A failure was explained by the share's end on Confluent Cloud (deactivated, or its invitation
    /// expired): waiting cannot help.
    var shareEnded: Bool {
        failures.contains { check in
            check.details["share_phase"].flatMap(ConsumerShare.Phase.init(rawValue:)).map {
                $0 == .deactivated || $0 == .expired
            } ?? false
        }
    }
}

extension ShareVerifier {
    /// Verifies a share, and again after a pause (doubling, bounded) while the report calls for it
    /// under `policy`, until it passes or `policy.duration` would be exceeded. The last run decides.
    ///
    /// Every run is a whole verification over new clients, so a key that became active, or a broker
    /// that came back, is seen as a consumer starting then would see it. With a ``CDXClient`` (see
    /// ``init(options:cdx:httpClient:logger:)``) the share's private network is looked up once, before
    /// the first run, and a run whose key is refused asks for the share's status: a share the provider
    /// deactivated (or an invitation that expired) is said in the hints and ends the wait.
    /// - Parameters:
    ///   - share: The redeemed share.
    ///   - consumer: A consumer's own configuration to check and verify with, as
    ///     ``ShareVerifier/verify(_:consumer:)`` does; a mismatch in it is never waited for.
    ///   - policy: How long to wait, and for which failures.
    ///   - onRetry: Called before each pause (for a progress line).
    /// - Returns: The report of the last run. Cancelling the calling task ends the wait and returns the
    ///   latest report.
    /// - Throws: ``ConfigurationError`` as ``verify(_:)`` does.
    public func verify(
        _ share: RedeemedShare,
        consumer: ConsumerConfiguration? = nil,
        waiting policy: WaitPolicy,
        onRetry: @Sendable (WaitProgress) -> Void = { _ in }
    ) async throws(ConfigurationError) -> VerificationReport {
        try await verify(
            prepared: PreparedShare(configuring: share),
            consumer: consumer,
            waiting: policy,
            onRetry: onRetry
        )
    }

    /// Verifies a share already parsed, waiting as ``verify(_:consumer:waiting:onRetry:)`` does.
    /// - Parameters:
    ///   - prepared: The share and its endpoints.
    ///   - consumer: A consumer's own configuration to check and verify with, or nil.
    ///   - policy: How long to wait, and for which failures.
    ///   - onRetry: Called before each pause (for a progress line).
    /// - Returns: The report of the last run.
    /// - Throws: ``ConfigurationError`` as ``verify(_:)`` does.
    public func verify(
        prepared: PreparedShare,
        consumer: ConsumerConfiguration? = nil,
        waiting policy: WaitPolicy,
        onRetry: @Sendable (WaitProgress) -> Void = { _ in }
    ) async throws(ConfigurationError) -> VerificationReport {
        let verifier = await resolvingNetwork(of: prepared.share)
        // Built once: every run verifies the same configuration, over new clients.
        let preparation = try verifier.prepare(prepared, consumer: consumer)
        let started = ContinuousClock.now
        var pause = policy.initialPause
        var run = 1
        while true {
            let report = try await verifier.run(preparation)
            let elapsed = ContinuousClock.now - started
            // A share the provider ended will not start working: no more waiting for its key.
            guard policy.wantsAnotherRun(after: report), elapsed + pause < policy.duration, !Task.isCancelled,
                !report.shareEnded
            else { return report }
            onRetry(
                WaitProgress(
                    run: run,
                    report: report,
                    elapsed: elapsed,
                    pause: pause,
                    waitingForKey: report.failures.allSatisfy(WaitPolicy.isAuthenticationFailure)
                )
            )
            do {
                try await Task.sleep(for: pause)
            } catch {
                return report
            }
            pause = min(pause * 2, policy.maximumPause)
            run += 1
        }
    }
}
