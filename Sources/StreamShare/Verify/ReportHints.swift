#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a verification knows beyond each check's own finding that changes what to do about it: a key
/// redeemed minutes ago, an HTTP proxy that librdkafka cannot use, the share's status on Confluent
/// Cloud. A report's hints are composed from it once, after the checks.
struct ReportHints: Sendable {
    /// How long after a redeem an authentication failure may just be a key not active yet.
    static let newKeyWindow: Duration = .seconds(600)

    /// The stages of a Kafka connection failure that a proxy the brokers need would explain.
    private static let networkStages: Set<CheckCode> = [.dns, .tcp, .timeout, .allBrokersDown]

    /// When the share was redeemed (its `metadata.created_at`), if known.
    var redeemedAt: String?
    /// The time the age of the share is measured at.
    var now = Date()
    /// The HTTP proxy settings in force, and whether the Schema Registry requests went through one.
    var proxy: HTTPProxyConfiguration = .direct
    /// The share's bootstrap servers (what a proxy would have applied to).
    var bootstrap: BootstrapServers?
    /// The Schema Registry requests went through a proxy.
    var registryProxied = false
    /// The share as Confluent Cloud describes it, when it was looked up.
    var shareStatus: ConsumerShare?

    /// The checks with their hints composed, and the report's notes.
    func compose(_ checks: [CheckResult]) -> (checks: [CheckResult], notes: [String]?) {
        let proxyUsed = proxyForBootstrap()
        let newKey = newKeyNote()
        let checks = checks.map { check -> CheckResult in
            if let explained = explainedByStatus(check) { return explained }
            var composed = check
            let authentication = WaitPolicy.isAuthenticationFailure(check)
            if authentication, let newKey {
                composed.hint = newKey + (composed.hint.map { " Otherwise: \($0)" } ?? "")
            }
            if let proxyUsed, let bootstrap, check.status == .fail,
                check.id == .kafkaConnect || check.id == .kafkaBroker, Self.networkStages.contains(check.code)
            {
                composed.hint =
                    (composed.hint.map { $0 + " " } ?? "")
                    + "librdkafka does not use the HTTP proxy (\(proxyUsed)): the brokers must be reachable without "
                    + "it, for example through a firewall rule for port \(bootstrap.endpoints.first?.port ?? 9092)."
            }
            if authentication, let shareStatus, shareStatus.phase == .active {
                // Not the provider's doing: the key is new (not active yet) or not the share's. What the
                // verification said about that stays, after this.
                composed.hint =
                    "The share is ACTIVE on Confluent Cloud: the provider has not ended it, so the key or secret "
                    + "in use is not (yet) accepted — a typo, another share's key, or a key just created."
                    + (composed.hint.map { " \($0)" } ?? "")
                composed.details["share_phase"] = ConsumerShare.Phase.active.rawValue
            }
            return composed
        }
        return (checks, proxyUsed.map { [proxyNote($0)] })
    }

    /// A check whose failure the share's end explains (an authentication failure, or a denied
    /// topic, group or subject of a share the provider deactivated or whose invitation expired), with
    /// that as its whole hint; nil when the status explains nothing of it.
    func explainedByStatus(_ check: CheckResult) -> CheckResult? {
        guard let shareStatus, let phase = shareStatus.phase, phase == .deactivated || phase == .expired else {
            return nil
        }
        let denied = check.status == .fail && [CheckCode.unauthorized, .forbidden].contains(check.code)
        guard WaitPolicy.isAuthenticationFailure(check) || denied else { return nil }
        var explained = check
        if phase == .deactivated {
            let when = shareStatus.metadata?.deletedAt ?? shareStatus.metadata?.updatedAt
            explained.hint =
                "The provider deactivated this share\(when.map { " (\($0))" } ?? "") (status DEACTIVATED on "
                + "Confluent Cloud): its keys no longer work, whatever you change here. Ask the provider for a new "
                + "invitation, or look at `cdx-verify shares describe \(shareStatus.id)`."
        } else {
            explained.hint =
                "This share's invitation expired (status EXPIRED on Confluent Cloud): its keys never became "
                + "usable. Ask the provider for a new invitation."
        }
        explained.details["share_phase"] = phase.rawValue
        return explained
    }

    /// That a new key can take minutes to become active, when the share was redeemed less than
    /// ``newKeyWindow`` ago.
    private func newKeyNote() -> String? {
        guard let redeemedAt, let redeemed = Timestamps.parse(redeemedAt) else { return nil }
        let age = now.timeIntervalSince(redeemed)
        guard age >= -60, age < Double(Self.newKeyWindow.components.seconds) else { return nil }
        let minutes = max(0, Int(age / 60))
        return "This share was redeemed \(minutes == 0 ? "less than a minute" : "\(minutes) minute(s)") ago: a new "
            + "API key can take a few minutes to become active: verify again in a few minutes, or let the "
            + "verification wait for it (cdx-verify --wait, WaitPolicy)."
    }

    /// The proxy that would apply to the bootstrap host (as an `https://` URL would use it): librdkafka
    /// cannot use it, so the Kafka connections were direct.
    private func proxyForBootstrap() -> HTTPProxy? {
        guard let bootstrap else { return nil }
        return bootstrap.endpoints.lazy.compactMap { endpoint -> HTTPProxy? in
            let host = endpoint.host.contains(":" as Character) ? "[\(endpoint.host)]" : endpoint.host
            return URL(string: "https://\(host)").flatMap { proxy.proxy(for: $0) }
        }.first
    }

    private func proxyNote(_ used: HTTPProxy) -> String {
        let from = proxy.source.isEmpty ? "" : " from \(proxy.source)"
        return "An HTTP proxy is set (\(used)\(from)), but librdkafka cannot use one: the Kafka connections to "
            + "\(bootstrap?.bootstrapServers ?? "the brokers") and its brokers were made directly. Consumers need "
            + "the same direct access (or private networking)."
            + (registryProxied ? " The Schema Registry requests went through the proxy." : "")
    }
}

extension VerificationReport {
    /// The report with its failures explained by the share's status on Confluent Cloud, as a
    /// ``ShareVerifier`` given a ``CDXClient`` explains them: a share the provider deactivated, or
    /// whose invitation expired, has keys that no longer work (its denied topics, groups and subjects
    /// are explained the same way); a share still active has a key or secret in use that is not the
    /// share's.
    /// - Parameter share: The share as ``CDXClient/share(id:)`` returns it.
    public func explained(by share: ConsumerShare) -> VerificationReport {
        var report = self
        report.checks = ReportHints(shareStatus: share).compose(checks).checks
        return report
    }
}
