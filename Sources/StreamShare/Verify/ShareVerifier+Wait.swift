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

/// Told before each pause of ``ShareVerifier/verify(_:consumer:shareStatus:waiting:onRetry:)``.
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

extension ShareVerifier {
    /// How long after a redeem an authentication failure may just be a key not active yet.
    static let newKeyWindow: Duration = .seconds(600)

    /// Adds to the hint of every authentication failure, when the share was redeemed less than
    /// ``newKeyWindow`` ago, that a new key can take minutes to become active.
    static func noteNewKey(_ checks: [CheckResult], redeemedAt: String?, now: Date = Date()) -> [CheckResult] {
        guard let redeemedAt, let redeemed = Timestamps.parse(redeemedAt) else { return checks }
        let age = now.timeIntervalSince(redeemed)
        guard age >= -60, age < Double(newKeyWindow.components.seconds) else { return checks }
        let minutes = max(0, Int(age / 60))
        let note =
            "This share was redeemed \(minutes == 0 ? "less than a minute" : "\(minutes) minute(s)") ago: a new API key "
            + "can take a few minutes to become active: verify again in a few minutes, or let the verification "
            + "wait for it (cdx-verify --wait, WaitPolicy)."
        return checks.map { check in
            guard WaitPolicy.isAuthenticationFailure(check) else { return check }
            var noted = check
            noted.hint = note + (check.hint.map { " Otherwise: \($0)" } ?? "")
            return noted
        }
    }
}

extension VerificationReport {
    /// The checks that failed.
    public var failures: [CheckResult] { checks.filter { $0.status == .fail } }
}

extension ShareVerifier {
    /// Verifies a share, and again after a pause (doubling, bounded) while the report calls for it
    /// under `policy`, until it passes or `policy.duration` would be exceeded. The last run decides.
    ///
    /// Every run is a whole verification over new clients, so a key that became active, or a broker
    /// that came back, is seen as a consumer starting then would see it.
    /// - Parameters:
    ///   - share: The redeemed share.
    ///   - consumer: A consumer's own configuration to check and verify with, as
    ///     ``ShareVerifier/verify(_:consumer:)`` does; a mismatch in it is never waited for.
    ///   - shareStatus: Looks the share up on Confluent Cloud (``CDXClient/share(id:)``), or nil when it
    ///     cannot be. Asked only when authentication fails: a share the provider deactivated (or an
    ///     invitation that expired) turns the hints of those failures into that, and ends the wait.
    ///   - policy: How long to wait, and for which failures.
    ///   - onRetry: Called before each pause (for a progress line).
    /// - Returns: The report of the last run. Cancelling the calling task ends the wait and returns the
    ///   latest report.
    /// - Throws: ``ConfigurationError`` as ``verify(_:)`` does.
    public func verify(
        _ share: RedeemedShare,
        consumer: ConsumerConfiguration? = nil,
        shareStatus: (@Sendable () async -> ConsumerShare?)? = nil,
        waiting policy: WaitPolicy,
        onRetry: @Sendable (WaitProgress) -> Void = { _ in }
    ) async throws(ConfigurationError) -> VerificationReport {
        let started = ContinuousClock.now
        var pause = policy.initialPause
        var run = 1
        // The share's status on Confluent Cloud, asked for once an authentication failure needs it.
        var status: ConsumerShare?? = nil
        func explain(_ report: VerificationReport) async -> (report: VerificationReport, ended: Bool) {
            guard let shareStatus, report.failures.contains(where: WaitPolicy.isAuthenticationFailure) else {
                return (report, false)
            }
            if status == nil { status = .some(await shareStatus()) }
            guard let known = status ?? nil else { return (report, false) }
            return (report.explained(by: known), known.phase == .deactivated || known.phase == .expired)
        }
        while true {
            let report =
                if let consumer { try await verify(share, consumer: consumer) } else { try await verify(share) }
            let elapsed = ContinuousClock.now - started
            guard policy.wantsAnotherRun(after: report), elapsed + pause < policy.duration, !Task.isCancelled else {
                return await explain(report).report
            }
            // A share the provider ended will not start working: no more waiting for its key.
            let (explained, ended) = await explain(report)
            if ended { return explained }
            status = nil  // asked again after the next run: a share can be ended while we wait
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

extension VerificationReport {
    /// The report with its authentication failures explained by the share's status on Confluent
    /// Cloud: a share the provider deactivated, or whose invitation expired, has keys that no longer
    /// work (its denied topics, groups and subjects are explained the same way); a share still active
    /// has a key or secret in use that is not the share's.
    /// - Parameter share: The share as ``CDXClient/share(id:)`` returns it.
    public func explained(by share: ConsumerShare) -> VerificationReport {
        let hint: String
        switch share.phase {
        case .deactivated?:
            let when = share.metadata?.deletedAt ?? share.metadata?.updatedAt
            hint =
                "The provider deactivated this share\(when.map { " (\($0))" } ?? "") (status DEACTIVATED on "
                + "Confluent Cloud): its keys no longer work, whatever you change here. Ask the provider for a new "
                + "invitation, or look at `cdx-verify shares describe \(share.id)`."
        case .expired?:
            hint =
                "This share's invitation expired (status EXPIRED on Confluent Cloud): its keys never became "
                + "usable. Ask the provider for a new invitation."
        case .active?:
            // Not the provider's doing: the key is new (not active yet) or not the share's. What the
            // verification already said about that stays, after this.
            hint =
                "The share is ACTIVE on Confluent Cloud: the provider has not ended it, so the key or secret "
                + "in use is not (yet) accepted — a typo, another share's key, or a key just created."
        default:
            return self
        }
        // An ended share also explains what its key is denied (a topic, a group, a subject).
        let ended = share.phase == .deactivated || share.phase == .expired
        var report = self
        report.checks = checks.map { check in
            let denied = check.status == .fail && [CheckCode.unauthorized, .forbidden].contains(check.code)
            guard WaitPolicy.isAuthenticationFailure(check) || (ended && denied) else { return check }
            var explained = check
            explained.hint = share.phase == .active ? hint + (check.hint.map { " \($0)" } ?? "") : hint
            explained.details["share_phase"] = share.phase?.rawValue ?? ""
            return explained
        }
        return report
    }
}
