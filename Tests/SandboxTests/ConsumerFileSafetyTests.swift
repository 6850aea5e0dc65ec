import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// A consumer's file is checked, not trusted: whatever it says, the share's secret never reaches a host
/// the checks did not see, nor goes over a weakened connection, and the file never loads code. Each
/// test has a capture broker on 127.0.0.1 record whether the secret arrives.
@Suite("The consumer's file cannot leak the share's secret", .timeLimit(.minutes(2)))
struct ConsumerFileSafetyTests {
    static let secret = "share-secret-5f8e2c"

    static func share(bootstrap: String) -> RedeemedShare {
        RedeemedShare(
            id: "dlz-safety",
            apiKey: "SHAREKEY",
            secret: Secret(secret),
            kafkaBootstrapURL: "SASL_SSL://\(bootstrap)",
            resources: [.topic("orders"), .group(prefix: "share-")]
        )
    }

    static func verify(
        _ consumer: ConsumerConfiguration,
        bootstrap: String,
        caFile: String? = nil
    ) async throws -> VerificationReport {
        try await ShareVerifier(options: .init(deadline: .seconds(5), caFile: caFile))
            .verify(share(bootstrap: bootstrap), consumer: consumer)
    }

    @Test("a key with a NUL byte (bootstrap.servers<NUL>) is refused, never passed on as bootstrap.servers")
    func hiddenByteKey() async throws {
        try await CaptureBroker.with(tls: "DNS:localhost,IP:127.0.0.1") { broker in
            // The broker's certificate is trusted (as a real one for its own name would be): only the
            // key decides where the secret goes.
            let consumer = ConsumerConfiguration(
                properties: [
                    ("bootstrap.servers\u{0}", "127.0.0.1:\(broker.port)"), ("security.protocol", "SASL_SSL"),
                    ("sasl.mechanisms", "PLAIN"), ("group.id", "share-app"),
                ],
                family: .librdkafka
            )
            let report = try await Self.verify(consumer, bootstrap: "127.0.0.1:1", caFile: broker.certificate)
            #expect(!broker.received(Self.secret), "the share's secret reached the file's host")
            let verdicts = verdicts(report)
            #expect(verdicts["consumer_config.property[bootstrap.servers\\u{0}]"] == "fail:refused", "\(verdicts)")
            #expect(verdicts["kafka.connect"]?.hasPrefix("fail:") == true, "\(verdicts)")
        }
    }

    /// Files without credentials of their own that weaken the connection, with the broker each needs
    /// to receive the secret if it were sent.
    static let weakeningFiles: [(name: String, text: String, tls: String?, trusted: Bool, check: String)] = [
        (
            "librdkafka SASL_PLAINTEXT",
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=PLAIN\ngroup.id=share-app\n",
            nil, false, "consumer_config.tls[security.protocol]=fail:no_tls"
        ),
        (
            "Java SASL_PLAINTEXT",
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\ngroup.id=share-app\n"
                + "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer\n",
            nil, false, "consumer_config.tls[security.protocol]=fail:no_tls"
        ),
        (
            "librdkafka verification off",
            "security.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\ngroup.id=share-app\n"
                + "enable.ssl.certificate.verification=false\nssl.endpoint.identification.algorithm=none\n",
            "DNS:localhost,IP:127.0.0.1", false,
            "consumer_config.tls[enable.ssl.certificate.verification]=fail:tls_weakened"
        ),
        (
            "Java host names unchecked",
            "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\ngroup.id=share-app\n"
                + "ssl.endpoint.identification.algorithm=\n"
                + "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer\n",
            "DNS:elsewhere.example", true,
            "consumer_config.tls[ssl.endpoint.identification.algorithm]=fail:tls_weakened"
        ),
    ]

    @Test(
        "a file that weakens the connection fails consumer_config.tls, and the secret is never sent",
        arguments: weakeningFiles.indices
    )
    func weakenedConnection(_ index: Int) async throws {
        let file = Self.weakeningFiles[index]
        try await CaptureBroker.with(tls: file.tls) { broker in
            let consumer = try ConsumerConfiguration(text: "bootstrap.servers=127.0.0.1:\(broker.port)\n" + file.text)
            let report = try await Self.verify(
                consumer,
                bootstrap: "127.0.0.1:\(broker.port)",
                caFile: file.trusted ? broker.certificate : nil
            )
            #expect(!broker.received(Self.secret), "\(file.name): the share's secret was sent")
            let verdicts = verdicts(report)
            let (check, verdict) = file.check.split(separator: "=").map(String.init).pair
            #expect(verdicts[check] == verdict, "\(file.name): \(verdicts)")
            #expect(verdicts["kafka.connect"] == "skip:credentials_withheld", "\(file.name): \(verdicts)")
            #expect(verdicts["kafka.topic[orders]"] == "skip:not_checked", "\(file.name): \(verdicts)")
            let connect = try #require(report.checks.first { $0.id == "kafka.connect" })
            #expect(connect.message.contains("weakens the connection"))
            #expect(!report.passed())
        }
    }

    @Test(
        "plugin.library.paths in the consumer's file never loads the plugin",
        .enabled(if: which("cc") != nil, "needs a C compiler to build the plugin")
    )
    func pluginNeverLoaded() async throws {
        let directory = try Fixture.temporaryDirectory()
        let marker = directory + "/plugin-ran"
        let source = directory + "/plugin.c"
        try """
        #include <stdio.h>
        __attribute__((constructor)) static void ran(void) {
            FILE *file = fopen("\(marker)", "w");
            if (file) { fputs("loaded\\n", file); fclose(file); }
        }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let built = try await run(
            which("cc")!,
            ["-shared", "-fPIC", "-o", directory + "/plugin.so", source]
        )
        try #require(built.status == 0, "\(built.stderr)")
        for key in ["plugin.library.paths", "ssl.engine.location"] {
            let consumer = ConsumerConfiguration(
                properties: [
                    ("bootstrap.servers", "127.0.0.1:1"), ("security.protocol", "SASL_SSL"),
                    ("sasl.mechanisms", "PLAIN"), (key, directory + "/plugin.so"),
                ],
                family: .librdkafka
            )
            let report = try await Self.verify(consumer, bootstrap: "127.0.0.1:1")
            #expect(verdicts(report)["consumer_config.property[\(key)]"] == "fail:refused", "\(verdicts(report))")
            #expect(!FileManager.default.fileExists(atPath: marker), "\(key): the plugin was loaded")
            // A file says so at once, naming the line.
            #expect(throws: ConfigurationError.self) {
                try ConsumerConfiguration(text: "bootstrap.servers=h:9092\n\(key)=\(directory)/plugin.so\n")
            }
        }
    }
}

/// A Schema Registry URL carrying credentials (`https://KEY:SECRET@host`, which Confluent's serializers
/// accept) is used without them, and they are never printed.
@Suite("A registry URL's user-info is never printed", .timeLimit(.minutes(2)))
struct RegistryUserInfoTests {
    @Test("the share's registry URL with KEY:SECRET@: the checks pass, no report format shows the secret")
    func shareURL() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            var share = sandbox.share()
            let secret = try #require(share.schemaRegistrySecret?.revealed)
            let url = try #require(share.schemaRegistryURL)
            share.schemaRegistryURL = url.replacingOccurrences(
                of: "://",
                with: "://\(share.schemaRegistryAPIKey ?? ""):\(secret)@"
            )
            #expect(share.schemaRegistryURL != url)
            let report = try await ShareVerifier(options: .init(deadline: .seconds(30)))
                .verify(share)
            #expect(verdicts(report)["schema_registry.auth"] == "pass:authenticated", "\(verdicts(report))")
            #expect(report.share.schemaRegistryURL == url)
            for format in [ReportFormat.text, .json, .junit] {
                #expect(!report.rendered(as: format).contains(secret), "\(format)")
            }
            #expect(!"\(share)".contains(secret))
        }
    }
}

extension Array {
    fileprivate var pair: (Element, Element) { (self[0], self[1]) }
}
