import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// The wire-level environment `scripts/test` starts (scripts/wire): real TLS with a throwaway CA and
/// a real SASL/PLAIN exchange that checks the credentials, in front of a real broker (noida-db).
struct WireEnvironment: Sendable {
    let bootstrap: String
    let username: String
    let password: String
    let ca: String
    let otherCA: String
    /// A key accepted only a few seconds after its first attempt (a new key not active yet).
    let lateUsername: String?
    let latePassword: String?

    static let current: WireEnvironment? = {
        guard let path = ProcessInfo.processInfo.environment["CDX_WIRE_ENV"],
            let data = FileManager.default.contents(atPath: path),
            let values = try? JSONSerialization.jsonObject(with: data) as? [String: String],
            let bootstrap = values["CDX_WIRE_BOOTSTRAP"], let username = values["CDX_WIRE_USERNAME"],
            let password = values["CDX_WIRE_PASSWORD"], let ca = values["CDX_WIRE_CA"],
            let otherCA = values["CDX_WIRE_OTHER_CA"]
        else { return nil }
        return WireEnvironment(
            bootstrap: bootstrap,
            username: username,
            password: password,
            ca: ca,
            otherCA: otherCA,
            lateUsername: values["CDX_WIRE_LATE_USERNAME"],
            latePassword: values["CDX_WIRE_LATE_PASSWORD"]
        )
    }()

    func share(
        bootstrap: String? = nil,
        username: String? = nil,
        password: String? = nil,
        topics: [String] = ["wire-orders", "wire-payments"]
    ) -> RedeemedShare {
        RedeemedShare(
            id: "dlz-wire",
            apiKey: username ?? self.username,
            secret: Secret(password ?? self.password),
            kafkaBootstrapURL: "SASL://" + (bootstrap ?? self.bootstrap),
            resources: topics.map { .topic($0) } + [.group(prefix: "wire-")]
        )
    }
}

@Suite(
    "Wire level: real TLS and SASL/PLAIN",
    .enabled(
        if: WireEnvironment.current != nil,
        "needs the TLS + SASL/PLAIN endpoint of scripts/wire; scripts/test starts it and sets CDX_WIRE_ENV"
    ),
    .timeLimit(.minutes(2))
)
struct WireTests {
    let wire = WireEnvironment.current!

    func verify(_ share: RedeemedShare, ca: String? = nil) async throws -> VerificationReport {
        try await ShareVerifier(options: .init(deadline: .seconds(15), caFile: ca ?? wire.ca)).verify(share)
    }

    @Test("correct credentials: connected over SASL_SSL, topics and group authorized, a missing topic is not_found")
    func correctCredentials() async throws {
        let report = try await verify(wire.share(topics: ["wire-orders", "wire-payments", "wire-missing"]))
        let verdicts = verdicts(report)
        #expect(verdicts["kafka.connect"] == "pass:connected")
        #expect(verdicts["kafka.topic[wire-orders]"] == "pass:ok")
        #expect(verdicts["kafka.topic[wire-payments]"] == "pass:ok")
        #expect(verdicts["kafka.topic[wire-missing]"] == "fail:not_found")
        #expect(verdicts["kafka.group[wire-]"] == "pass:authorized")
        #expect(report.checks.first { $0.qualifiedID == "kafka.topic[wire-orders]" }?.details["partitions"] == "3")
        #expect(report.share.securityProtocol == "SASL_SSL")
    }

    @Test("a wrong secret fails kafka.connect at the authentication stage")
    func wrongSecret() async throws {
        let report = try await verify(wire.share(password: "not-the-secret"))
        let connect = try #require(report.checks.first { $0.id == "kafka.connect" })
        #expect(connect.status == .fail)
        #expect(connect.code == "authentication")
        #expect(connect.hint?.contains("API key or secret") == true)
        #expect(!report.rendered(as: .json).contains("not-the-secret"))
        #expect(verdicts(report)["kafka.topic[wire-orders]"] == "skip:not_checked")
    }

    @Test("an untrusted CA fails kafka.connect at the TLS stage")
    func untrustedCA() async throws {
        let report = try await verify(wire.share(), ca: wire.otherCA)
        let connect = try #require(report.checks.first { $0.id == "kafka.connect" })
        #expect(connect.code == "tls")
        #expect(connect.message.contains("not trusted"))
        #expect(connect.hint?.contains("--ca-file") == true)
    }

    @Test("a closed port fails kafka.connect at the TCP stage")
    func closedPort() async throws {
        let report = try await verify(wire.share(bootstrap: "127.0.0.1:1"))
        let connect = try #require(report.checks.first { $0.id == "kafka.connect" })
        #expect(connect.code == "tcp")
        #expect(connect.details["librdkafka"]?.contains("Connection refused") == true)
    }

    @Test(
        "an unresolvable host fails kafka.connect at the DNS stage (isolated network namespace: no query leaves the machine)",
        .enabled(
            if: which("unshare") != nil && getuid() == 0,
            "needs unshare(1) and root to create a network namespace"
        )
    )
    func unresolvableHost() async throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try ShareFile.write(
            try wire.share(bootstrap: "cdx-verify-no-such-host.invalid:9092").jsonData(),
            to: path,
            overwrite: false
        )
        let result = try await run(
            which("unshare")!,
            [
                "-n", CLITests.binary, "verify", "--share", path, "--format", "json", "--timeout", "10s", "--ca-file",
                wire.ca,
            ]
        )
        #expect(result.status == 1, "\(result.stderr)")
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
        let connect = try #require(report.checks.first { $0.id == "kafka.connect" })
        #expect(connect.code == "dns")
        #expect(connect.details["librdkafka"]?.contains("resolve") == true)
    }

    @Test("a new Kafka key refused over real SASL is authentication at once, and accepted by --wait once active")
    func newKeyBecomesActive() async throws {
        let late = try #require(wire.lateUsername)
        let share = wire.share(username: late, password: wire.latePassword, topics: ["wire-orders"])
        let first = try await verify(share)
        #expect(verdicts(first)["kafka.connect"] == "fail:authentication")
        let verifier = ShareVerifier(options: .init(deadline: .seconds(15), caFile: wire.ca))
        let policy = WaitPolicy(duration: .seconds(60), condition: .authenticationFailure, initialPause: .seconds(1))
        let waited = try await verifier.verify(share, waiting: policy)
        #expect(verdicts(waited)["kafka.connect"] == "pass:connected", "\(verdicts(waited))")
        #expect(verdicts(waited)["kafka.topic[wire-orders]"] == "pass:ok")
    }
}
