import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// A consumer's own configuration, checked and then used, against the wire-level endpoint (real TLS
/// and SASL/PLAIN): what passes is what that consumer will use.
@Suite(
    "Wire level: the consumer's own configuration",
    .enabled(
        if: WireEnvironment.current != nil,
        "needs the TLS + SASL/PLAIN endpoint of scripts/wire; scripts/test starts it and sets CDX_WIRE_ENV"
    ),
    .timeLimit(.minutes(2))
)
struct ConsumerConfigWireTests {
    let wire = WireEnvironment.current!

    /// A Java consumer's properties for the wire share, with `changes` applied (nil removes a key).
    func javaFile(_ changes: [String: String?] = [:]) -> String {
        var properties: [(String, String)] = [
            ("bootstrap.servers", wire.bootstrap),
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "PLAIN"),
            (
                "sasl.jaas.config",
                #"org.apache.kafka.common.security.plain.PlainLoginModule required username=""#
                    + wire.username + #"" password=""# + wire.password + #"";"#
            ),
            ("group.id", "wire-billing"),
            ("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"),
            ("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer"),
        ]
        for (key, value) in changes {
            properties.removeAll { $0.0 == key }
            if let value { properties.append((key, value)) }
        }
        return "# the consumer's own file\n"
            + properties.map { ClientConfigExporter.javaProperty($0.0, $0.1) }.joined(separator: "\n") + "\n"
    }

    func verify(_ text: String) async throws -> VerificationReport {
        let consumer = try ConsumerConfiguration(text: text)
        return try await ShareVerifier(options: .init(deadline: .seconds(15), caFile: wire.ca))
            .verify(wire.share(topics: ["wire-orders"]), consumer: consumer)
    }

    @Test("a correct Java file passes, and the group check runs with its own group.id")
    func correctJavaFile() async throws {
        let report = try await verify(javaFile())
        let verdicts = verdicts(report)
        let failing = verdicts.filter { $0.value.hasPrefix("fail") }
        #expect(failing.isEmpty, "\(failing)")
        #expect(verdicts["consumer_config.credentials[sasl.jaas.config]"] == "pass:ok")
        #expect(verdicts["consumer_config.group_id[group.id]"] == "pass:ok")
        #expect(verdicts["kafka.connect"] == "pass:connected")
        let group = try #require(report.checks.first { $0.qualifiedID == "kafka.group[wire-]" })
        #expect(group.status == .pass)
        #expect(group.details["group_id"] == "wire-billing")
        #expect(report.checks.first?.id.isConsumerConfiguration == true)  // the file's checks first
        // The key that authenticated is the file's, named; its password never is.
        let connect = try #require(report.checks.first { $0.id == .kafkaConnect })
        #expect(connect.message.contains("authenticated as \(wire.username)"), "\(connect.message)")
        #expect(!report.rendered(as: .json).contains(wire.password))
    }

    @Test("a stale password fails the comparison and the real SASL exchange, and is never shown")
    func stalePassword() async throws {
        let jaas =
            #"org.apache.kafka.common.security.plain.PlainLoginModule required username=""# + wire.username
            + #"" password="stale-password-123";"#
        let report = try await verify(javaFile(["sasl.jaas.config": jaas]))
        let verdicts = verdicts(report)
        #expect(verdicts["consumer_config.credentials[sasl.jaas.config]"] == "fail:differs")
        #expect(verdicts["kafka.connect"] == "fail:authentication")
        let json = report.rendered(as: .json)
        #expect(!json.contains("stale-password-123"))
        #expect(!json.contains(wire.password))
    }

    @Test("SCRAM-SHA-512 copied from another cluster: the mechanism check and the real exchange both fail")
    func scramMechanism() async throws {
        let report = try await verify(javaFile(["sasl.mechanism": "SCRAM-SHA-512"]))
        let verdicts = verdicts(report)
        #expect(verdicts["consumer_config.sasl_mechanism[sasl.mechanism]"] == "fail:differs")
        #expect(verdicts["kafka.connect"]?.hasPrefix("fail:") == true, "\(verdicts)")
    }

    @Test("librdkafka's sasl.mechanisms in a Java file, a group outside the prefix, TLS weakened")
    func javaNearMisses() async throws {
        let report = try await verify(
            javaFile([
                "sasl.mechanism": nil, "sasl.mechanisms": "PLAIN", "group.id": "analytics",
                "ssl.endpoint.identification.algorithm": "",
            ])
        )
        let verdicts = verdicts(report)
        #expect(verdicts["consumer_config.sasl_mechanism[sasl.mechanisms]"] == "fail:misspelt")
        #expect(verdicts["consumer_config.property[sasl.mechanisms]"] == nil)  // said once
        #expect(verdicts["consumer_config.group_id[group.id]"] == "fail:outside_prefix")
        #expect(verdicts["consumer_config.tls[ssl.endpoint.identification.algorithm]"] == "fail:tls_weakened")
        #expect(!report.passed())
    }

    @Test("bootstrap servers copied from another cluster: the comparison fails, and so does the connection")
    func otherBootstrap() async throws {
        let report = try await verify(javaFile(["bootstrap.servers": "127.0.0.1:1"]))
        let verdicts = verdicts(report)
        #expect(verdicts["consumer_config.bootstrap_servers[bootstrap.servers]"] == "fail:differs")
        #expect(verdicts["kafka.connect"] == "fail:tcp", "\(verdicts)")
        #expect(verdicts["consumer_config.credentials[sasl.jaas.config]"] == "pass:ok")
    }

    @Test("foreign servers without credentials of the file's own: the share's secret never goes there")
    func foreignServersWithoutCredentials() async throws {
        let report = try await verify(javaFile(["bootstrap.servers": "127.0.0.1:1", "sasl.jaas.config": nil]))
        let verdicts = verdicts(report)
        #expect(verdicts["consumer_config.bootstrap_servers[bootstrap.servers]"] == "fail:differs")
        #expect(verdicts["consumer_config.credentials[sasl.jaas.config]"] == "fail:missing_property")
        // Verified against the share's own servers with the share's key, not against 127.0.0.1:1.
        #expect(verdicts["kafka.connect"] == "pass:connected", "\(verdicts)")
        #expect(report.share.bootstrapServers == wire.bootstrap)
        #expect(report.share.apiKey == wire.username)
    }

    @Test("a librdkafka file without security.protocol is used as its client would: PLAINTEXT against TLS fails")
    func librdkafkaPlaintext() async throws {
        let text = """
            bootstrap.servers=\(wire.bootstrap)
            sasl.mechanisms=PLAIN
            sasl.username=\(wire.username)
            sasl.password=\(wire.password)
            group.id=wire-billing
            """
        let report = try await verify(text)
        let verdicts = verdicts(report)
        #expect(verdicts["consumer_config.security_protocol[security.protocol]"] == "fail:differs")
        #expect(verdicts["kafka.connect"]?.hasPrefix("fail:") == true, "\(verdicts)")
        #expect(report.checks.first?.details["client"] == "librdkafka")
    }

    @Test("cdx-verify verify --config: exit 0 for the correct file, 1 for a mismatch, secrets never printed")
    func commandLine() async throws {
        let directory = try Fixture.temporaryDirectory()
        let sharePath = directory + "/share.json"
        try ShareFile.write(try wire.share(topics: ["wire-orders"]).jsonData(), to: sharePath, overwrite: false)
        let good = directory + "/consumer.properties"
        try javaFile().write(toFile: good, atomically: true, encoding: .utf8)
        let bad = directory + "/stale.properties"
        try javaFile(["group.id": "analytics"]).write(toFile: bad, atomically: true, encoding: .utf8)
        let arguments = ["verify", "--share", sharePath, "--ca-file", wire.ca, "--timeout", "15s", "--format", "json"]
        let passed = try await run(CLITests.binary, arguments + ["-F", good])
        #expect(passed.status == 0, "\(passed.stderr)")
        let failed = try await run(CLITests.binary, arguments + ["--config", bad])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stdout.contains(#""consumer_config.group_id""#))
        CLITests.expectNoSecrets([passed.stdout, passed.stderr, failed.stdout, failed.stderr], [wire.password])
        // An unreadable configuration is refused before anything is contacted.
        let missing = try await run(CLITests.binary, arguments + ["--config", directory + "/nope.properties"])
        #expect(missing.status == 3, "\(missing.stderr)")
    }
}
