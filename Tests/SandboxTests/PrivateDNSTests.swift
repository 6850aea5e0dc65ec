import Foundation
import StreamShareSandbox
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// `network.dns` of a privately networked share: every Kafka host name must resolve, and only to
/// private addresses. The mock cluster's broker advertises 127.0.0.1; the bootstrap is reached as
/// `localhost`, so both the bootstrap name and the broker name are checked.
@Suite("Private DNS check", .timeLimit(.minutes(2)))
struct PrivateDNSTests {
    static let network = PrivateNetworkDNS(
        dnsDomain: "00000.us-east-1.aws.glb.confluent.cloud",
        zonalSubdomains: ["use1-az1": "use1-az1.00000.us-east-1.aws.glb.confluent.cloud"],
        cloud: .aws
    )

    /// Verifies the healthy sandbox share through `localhost`, with `resolve` answering DNS (nil: the system's).
    static func verify(
        _ network: PrivateNetworkDNS?,
        resolve: (@Sendable (String, Duration) async -> HostResolution)? = nil
    ) async throws -> VerificationReport {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            var share = sandbox.share()
            share.kafkaBootstrapURL = share.kafkaBootstrapURL.replacingOccurrences(of: "127.0.0.1", with: "localhost")
            var options = ShareVerifier.Options(deadline: .seconds(10), network: .init(privateDNS: network))
            if let resolve { options.network.resolveHost = resolve }
            return try await ShareVerifier(options: options).verify(share)
        }
    }

    @Test("loopback answers are private: both names pass, listed before kafka.connect, with their addresses")
    func privateAnswersPass() async throws {
        let report = try await Self.verify(Self.network)
        let names = report.checks.prefix { $0.id == "network.dns" }
        #expect(names.map(\.qualifiedID) == ["network.dns[localhost]", "network.dns[127.0.0.1]"])
        #expect(names.allSatisfy { $0.status == .pass && $0.code == "private" }, "\(names)")
        #expect(names.last?.details["addresses"] == "127.0.0.1")
        #expect(report.checks.dropFirst(2).first?.id == "kafka.connect")
    }

    @Test("without the expectation there is no DNS check")
    func noExpectationNoCheck() async throws {
        let report = try await Self.verify(nil)
        #expect(!report.checks.contains { $0.id == "network.dns" })
    }

    @Test("a public answer fails with a hint naming the private zone, the DNS domain and the zonal subdomains")
    func publicAnswerFails() async throws {
        let report = try await Self.verify(Self.network) { host, _ in
            host == "localhost" ? .addresses(["10.0.1.17", "52.94.1.7"]) : .addresses(["10.0.2.9"])
        }
        let check = try #require(report.checks.first { $0.qualifiedID == "network.dns[localhost]" })
        #expect(check.status == .fail && check.code == "public_address")
        #expect(check.message.contains("52.94.1.7") && !check.message.contains("10.0.1.17"), "\(check.message)")
        for expected in ["Route 53 private hosted zone", "'00000.us-east-1.aws.glb.confluent.cloud'", "use1-az1"] {
            #expect(check.hint?.contains(expected) == true, "\(expected): \(check.hint ?? "")")
        }
        #expect(verdicts(report)["network.dns[127.0.0.1]"] == "pass:private")
    }

    @Test("a name that does not resolve fails not_resolved; one without an answer in time fails timeout")
    func unresolvedAndTimedOut() async throws {
        let report = try await Self.verify(PrivateNetworkDNS()) { host, _ in
            host == "localhost" ? .failed("Name or service not known") : .timedOut
        }
        #expect(verdicts(report)["network.dns[localhost]"] == "fail:not_resolved")
        #expect(verdicts(report)["network.dns[127.0.0.1]"] == "fail:timeout")
        let hint = try #require(report.checks.first { $0.qualifiedID == "network.dns[localhost]" }?.hint)
        #expect(hint.contains("a private DNS zone for the network's DNS domain"), "\(hint)")
    }

    @Test(
        "private addresses: RFC 1918, shared, loopback, link-local, IPv6 unique local; not public ones",
        arguments: [
            ("10.1.2.3", true), ("172.16.0.1", true), ("172.31.255.255", true), ("172.32.0.1", false),
            ("192.168.7.7", true), ("100.64.0.1", true), ("100.128.0.1", false), ("127.0.0.1", true),
            ("169.254.1.1", true), ("8.8.8.8", false), ("52.94.1.7", false), ("::1", true), ("fd12::1", true),
            ("fe80::1", true), ("2600:1f18::1", false), ("::ffff:10.0.0.1", true), ("::ffff:8.8.8.8", false),
            ("not-an-address", false),
        ]
    )
    func privateAddresses(address: String, isPrivate: Bool) {
        #expect(HostResolver.isPrivate(address) == isPrivate)
    }

    @Test("the system resolver answers numeric hosts with themselves")
    func systemResolver() async {
        #expect(await HostResolver.resolve("127.0.0.1", timeout: .seconds(5)) == .addresses(["127.0.0.1"]))
        #expect(await HostResolver.resolve("8.8.8.8", timeout: .seconds(5)) == .addresses(["8.8.8.8"]))
    }
}
