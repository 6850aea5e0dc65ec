import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// The share parsed once: what decoding, validation, the client configuration and the consumer path
/// build from it.
@Suite("Prepared share")
struct PreparedShareTests {
    @Test("decoding a prepared share keeps the endpoints validation parsed")
    func keepsEndpoints() throws {
        let data = Data(Fixture.responseJSON.utf8)
        let prepared = try PreparedShare(jsonData: data)
        #expect(prepared.share == (try RedeemedShare(jsonData: data)))
        #expect(prepared.endpoints == (try prepared.share.endpoints()))
        #expect(prepared.endpoints.bootstrap.bootstrapServers == "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(prepared.schemaRegistry?.apiKey == "SRKEY1")
        #expect(try prepared.share.validate() == prepared)

        let kafka = try KafkaClientConfig(prepared: prepared)
        #expect(kafka.bootstrap == prepared.endpoints.bootstrap)
        #expect(kafka.schemaRegistry == prepared.schemaRegistry)
        #expect(kafka == (try KafkaClientConfig(share: prepared.share)))
    }

    @Test("a share file is read as a prepared share")
    func shareFileReadsPrepared() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/share.json"
        try ShareFile.write(Data(Fixture.responseJSON.utf8), to: path, overwrite: false)
        let loaded = try ShareFile.read(path)
        #expect(loaded.share == (try Fixture.share()))
        #expect(loaded.prepared.endpoints == (try Fixture.share().endpoints()))
    }

    @Test(
        "subjects without a registry: preparing accepts the share (the verification reports it), validating refuses it"
    )
    func subjectsWithoutRegistry() throws {
        var share = try Fixture.share()
        share.schemaRegistryURL = nil
        let prepared = try PreparedShare(share)
        #expect(prepared.schemaRegistry == nil)
        #expect(try KafkaClientConfig(prepared: prepared).schemaRegistry == nil)
        let refused = #expect(throws: ShareValidationError.self) { try share.validate() }
        #expect(refused?.field == "schema_registry_url")
    }

    @Test("an unusable bootstrap URL names the field when preparing, the property when configuring")
    func unusableBootstrap() throws {
        var share = try Fixture.share()
        share.kafkaBootstrapURL = "SASL://broker.example.com:notaport"
        let unparsed = #expect(throws: ShareValidationError.self) { try PreparedShare(share) }
        #expect(unparsed?.field == "kafka_bootstrap_url")
        let unconfigured = #expect(throws: ConfigurationError.self) { try KafkaClientConfig(share: share) }
        #expect(unconfigured?.code == .invalidBootstrapURL)
        #expect(unconfigured?.key == "bootstrap.servers")
    }

    @Test("a consumer's servers, listed without a scheme, parse as the share's URL would")
    func consumerServers() throws {
        let entries = ["a.example.com:1", "[::1]:2", "b.example.com:3/", "c.example.com"]
        let parsed = try BootstrapServers(entries: entries, securityProtocol: .saslSSL)
        #expect(parsed == (try BootstrapServers(parsing: "SASL_SSL://" + entries.joined(separator: ","))))
        #expect(throws: BootstrapServers.ParseError.self) {
            try BootstrapServers(entries: ["host.example.com/path"], securityProtocol: .saslSSL)
        }
    }

    @Test("the consumer path builds its configuration from the consumer's parsed values, for the share's resources")
    func consumerPreparation() throws {
        let prepared = try PreparedShare(ConsumerConfigurationTests.share)
        let consumer = try Self.consumer(servers: "b2.example.cloud:9092")
        let preparation = try ShareVerifier().prepare(prepared, consumer: consumer)
        let kafka = preparation.configuration.kafka
        #expect(kafka["bootstrap.servers"] == "b2.example.cloud:9092")
        #expect(kafka["sasl.username"] == "OTHERKEY")
        #expect(kafka["sasl.password"] == "other-secret")
        #expect(kafka.groupID == "share-orders-billing")
        #expect(kafka.schemaRegistry?.url.absoluteString == "https://sr2.example.cloud")
        #expect(kafka.schemaRegistry?.apiKey == "SR2KEY")
        #expect(preparation.options.kafka.groupSuffix == "billing")
        // The resources and the key the report names stay the share's.
        #expect(preparation.configuration.share == prepared.share)
        #expect(preparation.consumerChecks.allSatisfy { $0.id.isConsumerConfiguration })
        #expect(preparation.consumerChecks.contains { $0.id == .consumerCredentials && $0.status == .fail })

        // A server the share's URL could not carry either is refused as the property at fault.
        let refused = #expect(throws: ConfigurationError.self) {
            try ShareVerifier().prepare(prepared, consumer: Self.consumer(servers: "b2.example.cloud:notaport"))
        }
        #expect(refused?.code == .invalidBootstrapURL)
        #expect(refused?.key == "bootstrap.servers")
    }

    @Test("a consumer's servers without credentials of its own: the share's servers and key, never the consumer's")
    func consumerServersWithoutCredentials() throws {
        let prepared = try PreparedShare(ConsumerConfigurationTests.share)
        let consumer = try ConsumerConfiguration(
            text: "bootstrap.servers=elsewhere.example.com:9092\ngroup.id=share-orders-billing\n",
            family: .librdkafka
        )
        let kafka = try ShareVerifier().prepare(prepared, consumer: consumer).configuration.kafka
        #expect(kafka.bootstrap == prepared.endpoints.bootstrap)
        #expect(kafka["sasl.username"] == "SHAREKEY")
        #expect(kafka["sasl.password"] == ConsumerConfigurationTests.share.secret.revealed)
        #expect(kafka.schemaRegistry == prepared.schemaRegistry)
    }

    private static func consumer(servers: String) throws(ConfigurationError) -> ConsumerConfiguration {
        try ConsumerConfiguration(
            text: """
                bootstrap.servers=\(servers)
                security.protocol=SASL_SSL
                sasl.mechanisms=PLAIN
                sasl.username=OTHERKEY
                sasl.password=other-secret
                group.id=share-orders-billing
                schema.registry.url=https://sr2.example.cloud
                basic.auth.user.info=SR2KEY:sr2-secret
                """,
            family: .librdkafka
        )
    }
}
