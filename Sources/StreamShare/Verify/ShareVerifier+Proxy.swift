#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ShareVerifier {
    /// The stages of a Kafka connection failure that a proxy the brokers need would explain.
    private static let networkStages: Set<CheckCode> = [.dns, .tcp, .timeout, .allBrokersDown]

    /// librdkafka cannot use an HTTP proxy: when one is set for the bootstrap host (as an `https://`
    /// URL would use it), the report says so, and a Kafka connection that failed at the network
    /// stage says that the brokers must be reachable without it.
    /// - Returns: The checks, with such hints extended, and the report's notes.
    static func notingProxy(
        _ checks: [CheckResult],
        proxy: HTTPProxyConfiguration,
        bootstrap: BootstrapServers,
        registryProxied: Bool
    ) -> (checks: [CheckResult], notes: [String]?) {
        let proxied = bootstrap.endpoints.compactMap { endpoint -> HTTPProxy? in
            let host = endpoint.host.contains(":" as Character) ? "[\(endpoint.host)]" : endpoint.host
            return URL(string: "https://\(host)").flatMap { proxy.proxy(for: $0) }
        }
        guard let used = proxied.first else { return (checks, nil) }
        let from = proxy.source.isEmpty ? "" : " from \(proxy.source)"
        let note =
            "An HTTP proxy is set (\(used)\(from)), but librdkafka cannot use one: the Kafka connections to "
            + "\(bootstrap.bootstrapServers) and its brokers were made directly. Consumers need the same direct "
            + "access (or private networking)."
            + (registryProxied ? " The Schema Registry requests went through the proxy." : "")
        let checks = checks.map { check -> CheckResult in
            guard check.status == .fail, check.id == .kafkaConnect || check.id == .kafkaBroker,
                networkStages.contains(check.code)
            else { return check }
            var noted = check
            noted.hint =
                (check.hint.map { $0 + " " } ?? "")
                + "librdkafka does not use the HTTP proxy (\(used)): the brokers must be reachable without it, "
                + "for example through a firewall rule for port \(bootstrap.endpoints.first?.port ?? 9092)."
            return noted
        }
        return (checks, [note])
    }
}
