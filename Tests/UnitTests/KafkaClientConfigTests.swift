import Foundation
import RdKafka
import Testing

@testable import StreamShare
@testable import TestSupport

@Suite("Kafka client configuration")
struct KafkaClientConfigTests {
    @Test("carries SASL_SSL/PLAIN, the share's credentials, Cloud settings and a group.id under the prefix")
    func buildsCloudConfiguration() throws {
        let config = try KafkaClientConfig(share: try Fixture.share(), options: .init(groupSuffix: "billing"))
        #expect(config["bootstrap.servers"] == "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(config["security.protocol"] == "SASL_SSL")
        #expect(config["sasl.mechanisms"] == "PLAIN")
        #expect(config["sasl.username"] == "KAFKAKEY1")
        #expect(config["sasl.password"] == Fixture.kafkaSecret)
        #expect(config["ssl.endpoint.identification.algorithm"] == "https")
        // librdkafka's default (45 s since 1.7); set, it breaks group.protocol=consumer.
        #expect(config["session.timeout.ms"] == nil)
        #expect(config["group.id"] == "share-orders-billing")
        #expect(config.groupID == "share-orders-billing")
        // No host-specific CA path unless one was given: an exported file is used on other hosts.
        #expect(config["ssl.ca.location"] == nil)
        let ca = KafkaClientConfig.hostCABundle
        #expect(ca == "probe" || FileManager.default.fileExists(atPath: ca))
        #expect(config.warnings.isEmpty)
        #expect(try KafkaClientConfig(share: try Fixture.share())["group.id"] == "share-orders-consumer")
    }

    @Test("carries the share's Schema Registry, parsed with the servers: nothing parses the share again")
    func carriesTheRegistry() throws {
        let share = try Fixture.share()
        let config = try KafkaClientConfig(share: share)
        #expect(config.schemaRegistry == (try share.endpoints().schemaRegistry))
        #expect(config.schemaRegistry != nil)
        var kafkaOnly = share
        kafkaOnly.schemaRegistryURL = nil
        #expect(try KafkaClientConfig(share: kafkaOnly).schemaRegistry == nil)
    }

    @Test("rejects an unknown property by name, through librdkafka")
    func rejectsUnknownKey() throws {
        let options = KafkaClientConfig.Options(overrides: [try ConfigProperty(parsing: "no.such.property=1")])
        let error = #expect(throws: ConfigurationError.self) {
            try KafkaClientConfig(share: try Fixture.share(), options: options)
        }
        #expect(error?.code == .unknownProperty)
        #expect(error?.key == "no.such.property")
        #expect(error?.message.contains("No such configuration property") == true)
    }

    @Test("rejects overrides librdkafka accepts one by one but refuses together when it creates a client")
    func rejectsIncompatibleOverrides() throws {
        let options = KafkaClientConfig.Options(overrides: [try ConfigProperty(parsing: "max.poll.interval.ms=1000")])
        let error = #expect(throws: ConfigurationError.self) {
            try KafkaClientConfig(share: try Fixture.share(), options: options)
        }
        #expect(error?.code == .incompatibleProperties)
        #expect(error?.message.contains("max.poll.interval.ms") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(Fixture.kafkaSecret) == false)
    }

    @Test("rejects a bad value by name, through librdkafka")
    func rejectsBadValue() throws {
        for override in ["session.timeout.ms=soon", "auto.offset.reset=sideways", "security.protocol=carrier-pigeon"] {
            let options = KafkaClientConfig.Options(overrides: [try ConfigProperty(parsing: override)])
            let error = #expect(throws: ConfigurationError.self) {
                try KafkaClientConfig(share: try Fixture.share(), options: options)
            }
            #expect(error?.code == .invalidValue)
            #expect(error?.key == String(override.split(separator: "=")[0]))
        }
    }

    @Test("scrubs a secret value from librdkafka's error text")
    func scrubsLibrdkafkaMessage() {
        let conf = RdKafkaConfiguration()
        #expect {
            // librdkafka echoes a rejected enum value: "Invalid value "SECRETVALUE" for ... "security.protocol"".
            try conf.set(RdKafkaProperty("security.protocol", "SECRETVALUE", isSecret: true))
        } throws: { error in
            guard case RdKafkaConfiguration.SetError.invalidValue(_, let message) = error else { return false }
            return !message.contains("SECRETVALUE") && message.contains(Secret.redactedPlaceholder)
        }
    }

    @Test(
        "every spelling librdkafka reads as false turns verification off, and is flagged",
        arguments: ["false", "f", "0", "FALSE", "F"]
    )
    func weakeningSpellings(value: String) throws {
        let options = KafkaClientConfig.Options(overrides: [
            ConfigProperty("enable.ssl.certificate.verification", .plain(value)),
            ConfigProperty("ssl.endpoint.identification.algorithm", .plain("none")),
        ])
        let codes = try KafkaClientConfig(share: try Fixture.share(), options: options).warnings.map(\.code)
        #expect(codes.contains(.certificateVerificationDisabled), "\(value)")
        #expect(codes.contains(.hostnameVerificationDisabled))
    }

    @Test("a boolean spelling librdkafka does not read is refused, never silently accepted", arguments: ["off", "no"])
    func unreadBooleanSpellings(value: String) throws {
        let options = KafkaClientConfig.Options(overrides: [
            ConfigProperty("enable.ssl.certificate.verification", .plain(value))
        ])
        // librdkafka 2.0.2 refuses these; a librdkafka that reads them as false must get the warning.
        do {
            let codes = try KafkaClientConfig(share: try Fixture.share(), options: options).warnings.map(\.code)
            #expect(codes.contains(.certificateVerificationDisabled))
        } catch {
            #expect((error as? ConfigurationError)?.code == .invalidValue)
        }
    }

    @Test("applies overrides last and warns when they weaken security or leave the group prefix")
    func overrides() throws {
        let options = KafkaClientConfig.Options(overrides: [
            try ConfigProperty(parsing: "enable.ssl.certificate.verification=false"),
            try ConfigProperty(parsing: "group.id=other-app"),
            try ConfigProperty(parsing: "client.id=a=b"),
        ])
        let config = try KafkaClientConfig(share: try Fixture.share(), options: options)
        #expect(config["group.id"] == "other-app")
        #expect(config["client.id"] == "a=b")
        #expect(config.properties.filter { $0.key == "group.id" }.count == 1)
        #expect(config.warnings.contains { $0.message.contains("certificate is not checked") })
        #expect(config.warnings.contains { $0.message.contains("does not start with a shared group prefix") })
        #expect(
            (#expect(throws: ConfigurationError.self) { try ConfigProperty(parsing: "=x") })?.code == .invalidOverride
        )
        #expect(
            (#expect(throws: ConfigurationError.self) { try ConfigProperty(parsing: "novalue") })?.code
                == .invalidOverride
        )
    }

    @Test("uses a given CA file; rejects one that does not exist, and one librdkafka cannot load")
    func caFile() async throws {
        let directory = try Fixture.temporaryDirectory()
        let ca = directory + "/ca.pem"
        let made = try await run(
            try #require(which("openssl")),
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
                "-keyout", directory + "/ca.key", "-out", ca,
            ]
        )
        #expect(made.status == 0, "\(made.stderr)")
        #expect(
            try KafkaClientConfig(share: try Fixture.share(), options: .init(caLocation: ca))["ssl.ca.location"] == ca
        )
        let garbage = directory + "/garbage.pem"
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: garbage))
        let unloadable = #expect(throws: ConfigurationError.self) {
            try KafkaClientConfig(share: try Fixture.share(), options: .init(caLocation: garbage))
        }
        #expect(unloadable?.code == .incompatibleProperties)
        #expect(unloadable?.message.contains("ssl.ca.location") == true)
        let error = #expect(throws: ConfigurationError.self) {
            try KafkaClientConfig(share: try Fixture.share(), options: .init(caLocation: directory + "/missing.pem"))
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.key == "ssl.ca.location")
    }

    @Test("accepts PLAINTEXT only on loopback or when allowed, and flags it")
    func plaintext() throws {
        var share = try Fixture.share()
        share.kafkaBootstrapURL = "PLAINTEXT://broker.example.com:39092"
        let error = #expect(throws: ConfigurationError.self) { try KafkaClientConfig(share: share) }
        #expect(error?.code == .invalidBootstrapURL)
        let config = try KafkaClientConfig(share: share, options: .init(allowPlaintext: true))
        share.kafkaBootstrapURL = "PLAINTEXT://127.0.0.1:39092"
        #expect(try KafkaClientConfig(share: share).warnings.contains { $0.message.contains("PLAINTEXT") })
        #expect(config["security.protocol"] == "PLAINTEXT")
        #expect(config["sasl.password"] == nil)
        #expect(config.warnings.contains { $0.message.contains("PLAINTEXT") })
    }

    @Test("chooses among several group prefixes")
    func groupPrefixes() throws {
        var share = try Fixture.share()
        share.resources.append(.group(prefix: "team-b-"))
        let first = try KafkaClientConfig(share: share)
        #expect(first.groupID == "share-orders-consumer")
        #expect(first.warnings.contains { $0.message.contains("2 group prefixes") })
        #expect(
            try KafkaClientConfig(share: share, options: .init(groupSuffix: "x", groupPrefix: "team-b-")).groupID
                == "team-b-x"
        )
        #expect(throws: ConfigurationError.self) {
            try KafkaClientConfig(share: share, options: .init(groupPrefix: "nope-"))
        }
    }

    @Test("Schema Registry configuration carries URL and basic auth")
    func schemaRegistry() throws {
        let registry = try #require(try Fixture.share().endpoints().schemaRegistry)
        #expect(registry.url.absoluteString == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(registry.basicAuthUserInfo.revealed == "SRKEY1:\(Fixture.registrySecret)")
        #expect(
            registry.authorizationHeader.revealed == "Basic "
                + Data("SRKEY1:\(Fixture.registrySecret)".utf8).base64EncodedString()
        )
        var noRegistry = try Fixture.share()
        noRegistry.schemaRegistryURL = nil
        #expect(try noRegistry.endpoints().schemaRegistry == nil)
    }
}
