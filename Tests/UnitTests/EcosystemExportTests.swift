import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// The Spring Boot, Python, KafkaJS, .NET and Kubernetes exports, read back by their own
/// ecosystems' tools: `java.util.Properties`, Python's import system, Node's `require`, a JSON parser
/// against Confluent.Kafka's documented names, PyYAML and `kubernetes-validate --strict`.
@Suite("Client configuration exports for Spring Boot, Python, KafkaJS, .NET and Kubernetes")
struct EcosystemExportTests {
    static let date = Date(timeIntervalSince1970: 1_796_256_000)  // 2026-12-03

    /// The host's CA bundle: a real PEM file that librdkafka accepts as `ssl.ca.location`.
    static var caBundle: String? {
        KafkaClientConfig.wellKnownCABundles.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    static func exporter(
        _ share: RedeemedShare? = nil,
        ca: String? = nil,
        overrides: [String] = [],
        namespace: String? = nil
    ) throws -> ClientConfigExporter {
        let share = try share ?? Fixture.share()
        let kafka = try KafkaClientConfig(
            share: share,
            options: .init(caLocation: ca, overrides: try overrides.map { try ConfigProperty(parsing: $0) })
        )
        return ClientConfigExporter(
            kafka: kafka,
            schemaRegistry: try share.endpoints().schemaRegistry,
            origin: .init(share: share, date: date),
            namespace: namespace
        )
    }

    /// Writes each document to a file of its own in a new directory; returns the paths.
    static func write(_ documents: [String], suffix: String) throws -> [String] {
        let directory = try Fixture.temporaryDirectory()
        return try documents.enumerated().map { index, text in
            let path = "\(directory)/export\(index)\(suffix)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// A share whose every value tries to end its string, comment or line in one of the formats.
    static func hostileShare() throws -> RedeemedShare {
        var share = try Fixture.share()
        share.id = "dlz-*/\n// \"quoted\" '${process.exit(3)}'\u{2028}x"
        share.apiKey = "KEY\"); require('fs').writeFileSync('PWNED', 'x'); (\""
        share.secret = Secret("pw'\\\"${x}`\r\n*/\u{2028}\u{2029}\u{85}é😀")
        share.schemaRegistrySecret = Secret("sr\"\"\"; import os; os.system('touch PWNED') #\n")
        share.resources = [
            .topic("orders\n# injected=1"), .topic("pay*/ments\u{2028}"),
            .group(prefix: "grp-\"\\'#!=:\t ${HOME}\u{2028}\n-"),
        ]
        return share
    }

    @Test("spring: application.properties reads back in java.util.Properties with Spring Boot's names")
    func spring() async throws {
        let ca = try #require(Self.caBundle, "no CA bundle on this host")
        let text = try Self.exporter(ca: ca).render(.spring, revealSecrets: true)
        let read = try await ExportReader.javaProperties(try Self.write([text], suffix: ".properties"))
        let properties = try #require(read.first)
        let jaas =
            #"org.apache.kafka.common.security.plain.PlainLoginModule required username="KAFKAKEY1" password=""#
            + ClientConfigExporter.jaasEscaped(Fixture.kafkaSecret) + #"";"#
        let expected = [
            "spring.kafka.bootstrap-servers": "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092",
            "spring.kafka.properties.security.protocol": "SASL_SSL",
            "spring.kafka.properties.sasl.mechanism": "PLAIN",
            "spring.kafka.properties.sasl.jaas.config": jaas,
            "spring.kafka.properties.ssl.endpoint.identification.algorithm": "https",
            "spring.kafka.properties.client.dns.lookup": "use_all_dns_ips",
            "spring.kafka.properties.ssl.truststore.type": "PEM",
            "spring.kafka.properties.ssl.truststore.location": ca,
            "spring.kafka.consumer.group-id": "share-orders-consumer",
            "spring.kafka.properties.schema.registry.url": "https://psrc-xxxxx.us-west-2.aws.confluent.cloud",
            "spring.kafka.properties.basic.auth.credentials.source": "USER_INFO",
            "spring.kafka.properties.basic.auth.user.info": "SRKEY1:\(Fixture.registrySecret)",
        ]
        #expect(properties == expected)
        #expect(text.contains("# share dlz-f3a90de; topics: orders; generated 2026-12-03."))
    }

    @Test("spring: hostile values come back exactly and add no property")
    func springHostile() async throws {
        let share = try Self.hostileShare()
        let text = try Self.exporter(share).render(.spring, revealSecrets: true)
        let properties = try #require(
            try await ExportReader.javaProperties(try Self.write([text], suffix: ".properties")).first
        )
        #expect(properties["spring.kafka.consumer.group-id"] == share.groupPrefixes[0] + "consumer")
        #expect(
            properties["spring.kafka.properties.basic.auth.user.info"] == "SRKEY1:"
                + share.schemaRegistrySecret!.revealed
        )
        #expect(
            properties["spring.kafka.properties.sasl.jaas.config"]?.contains(
                ClientConfigExporter.jaasEscaped(share.secret.revealed)
            ) == true
        )
        #expect(properties.count == 10, "\(properties.keys.sorted())")
    }

    @Test("python: the module imports, defines exactly its three names, and carries every value")
    func python() async throws {
        let ca = try #require(Self.caBundle, "no CA bundle on this host")
        let share = try Self.hostileShare()
        let documents = [
            try Self.exporter(ca: ca).render(.python, revealSecrets: true),
            try Self.exporter(share).render(.python, revealSecrets: true),
        ]
        let paths = try Self.write(documents, suffix: ".py")
        let directory = (paths[0] as NSString).deletingLastPathComponent
        let modules = try await ExportReader.python(ExportReader.moduleReader, paths).map {
            $0 as? [String: Any] ?? [:]
        }
        try #require(modules.count == 2)
        for module in modules {
            #expect(module["names"] as? [String] == ["consumer_config", "schema_registry_config", "topics"])
        }
        let consumer = modules[0]["consumer_config"] as? [String: String]
        #expect(consumer?["bootstrap.servers"] == "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(consumer?["sasl.password"] == Fixture.kafkaSecret)
        #expect(consumer?["group.id"] == "share-orders-consumer")
        #expect(consumer?["ssl.ca.location"] == ca)
        #expect(
            modules[0]["schema_registry_config"] as? [String: String] == [
                "url": "https://psrc-xxxxx.us-west-2.aws.confluent.cloud",
                "basic.auth.user.info": "SRKEY1:\(Fixture.registrySecret)", "ssl.ca.location": ca,
            ]
        )
        let hostile = modules[1]["consumer_config"] as? [String: String]
        #expect(hostile?["sasl.username"] == share.apiKey)
        #expect(hostile?["sasl.password"] == share.secret.revealed)
        #expect(modules[1]["topics"] as? [String] == share.topics)
        #expect(!FileManager.default.fileExists(atPath: directory + "/PWNED"))
        #expect(documents[1].hasPrefix("# -*- coding: utf-8 -*-\n"))
    }

    @Test("kafkajs: Node loads the module; its shape is what new Kafka() and kafka.consumer() take")
    func kafkaJS() async throws {
        let ca = try #require(Self.caBundle, "no CA bundle on this host")
        let paths = try Self.write(
            [
                try Self.exporter().render(.kafkajs, revealSecrets: true),
                try Self.exporter(ca: ca, overrides: ["client.id=billing"]).render(.kafkajs, revealSecrets: false),
            ],
            suffix: ".js"
        )
        let modules = try await ExportReader.node(paths).map { $0 as? [String: Any] ?? [:] }
        try #require(modules.count == 2)
        #expect(Set(modules[0].keys) == ["kafka", "consumer", "topics", "schemaRegistry"])
        let kafka = modules[0]["kafka"] as? [String: Any] ?? [:]
        #expect(Set(kafka.keys) == ["brokers", "ssl", "sasl"])
        #expect(kafka["brokers"] as? [String] == ["pkc-xxxxx.us-west-2.aws.confluent.cloud:9092"])
        #expect(kafka["ssl"] as? Bool == true)
        #expect(
            kafka["sasl"] as? [String: String] == [
                "mechanism": "plain", "username": "KAFKAKEY1", "password": Fixture.kafkaSecret,
            ]
        )
        #expect(modules[0]["consumer"] as? [String: String] == ["groupId": "share-orders-consumer"])
        #expect(modules[0]["topics"] as? [String] == ["orders"])
        let registry = modules[0]["schemaRegistry"] as? [String: Any]
        #expect(registry?["host"] as? String == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(registry?["auth"] as? [String: String] == ["username": "SRKEY1", "password": Fixture.registrySecret])

        let withCA = modules[1]["kafka"] as? [String: Any] ?? [:]
        #expect(withCA["clientId"] as? String == "billing")
        let caContents = ((withCA["ssl"] as? [String: Any])?["ca"] as? [String])?.first
        #expect(caContents?.contains("-----BEGIN CERTIFICATE-----") == true)
        #expect((withCA["sasl"] as? [String: String])?["password"] == Secret.redactedPlaceholder)
    }

    @Test("kafkajs: quotes, backslashes, */, line breaks, ${} and U+2028 stay inside their strings")
    func kafkaJSHostile() async throws {
        let share = try Self.hostileShare()
        let text = try Self.exporter(share).render(.kafkajs, revealSecrets: true)
        let paths = try Self.write([text], suffix: ".js")
        let directory = (paths[0] as NSString).deletingLastPathComponent
        let node = try #require(which("node"))
        let result = try await run(
            node,
            ["-e", "console.log(JSON.stringify(require(process.argv[1])))", paths[0]],
            directory: directory
        )
        #expect(result.status == 0, "\(result.stderr)")
        let module = try ExportReader.jsonObject(Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(Set(module.keys) == ["kafka", "consumer", "topics", "schemaRegistry"])
        let sasl = (module["kafka"] as? [String: Any])?["sasl"] as? [String: String]
        #expect(sasl?["username"] == share.apiKey)
        #expect(sasl?["password"] == share.secret.revealed)
        #expect((module["consumer"] as? [String: String])?["groupId"] == share.groupPrefixes[0] + "consumer")
        #expect(module["topics"] as? [String] == share.topics)
        #expect(!FileManager.default.fileExists(atPath: directory + "/PWNED"), "the module ran code from the share")
    }

    /// Confluent.Kafka's `ClientConfig` / `ConsumerConfig` property names (its API reference).
    static let confluentKafkaConsumerConfigNames: Set<String> = [
        "BootstrapServers", "SecurityProtocol", "SaslMechanism", "SaslUsername", "SaslPassword", "GroupId",
        "GroupInstanceId", "SslCaLocation", "SslEndpointIdentificationAlgorithm", "ClientId", "AutoOffsetReset",
        "EnableAutoCommit", "AutoCommitIntervalMs", "SessionTimeoutMs", "HeartbeatIntervalMs",
        "MaxPollIntervalMs", "IsolationLevel", "PartitionAssignmentStrategy", "FetchMinBytes", "FetchMaxBytes",
        "MaxPartitionFetchBytes", "FetchWaitMaxMs", "SocketTimeoutMs", "ClientRack", "Debug",
        "EnableSslCertificateVerification", "StatisticsIntervalMs", "EnableAutoOffsetStore", "CheckCrcs",
        "AllowAutoCreateTopics", "GroupProtocol", "BrokerAddressFamily", "ClientDnsLookup",
        "SslCertificateLocation", "SslKeyLocation", "SslKeyPassword", "SaslOauthbearerConfig",
        "TopicMetadataRefreshIntervalMs", "MetadataMaxAgeMs", "ReconnectBackoffMs", "ReconnectBackoffMaxMs",
        "QueuedMinMessages", "QueuedMaxMessagesKbytes", "EnablePartitionEof", "ApiVersionRequest",
    ]
    /// Confluent.SchemaRegistry's `SchemaRegistryConfig` property names.
    static let schemaRegistryConfigNames: Set<String> = [
        "Url", "BasicAuthUserInfo", "BasicAuthCredentialsSource", "SslCaLocation", "RequestTimeoutMs",
        "MaxCachedSchemas", "SslKeystoreLocation", "SslKeystorePassword", "EnableSslCertificateVerification",
    ]

    @Test("dotnet: appsettings.json with Confluent.Kafka's ConsumerConfig and SchemaRegistryConfig names")
    func dotnet() async throws {
        let ca = try #require(Self.caBundle, "no CA bundle on this host")
        let text = try Self.exporter(
            ca: ca,
            overrides: ["client.id=billing", "auto.offset.reset=earliest", "isolation.level=read_committed"]
        )
        .render(.dotnet, revealSecrets: true)
        let object = try #require(try ExportReader.jsonObject(Data(text.utf8)) as? [String: [String: String]])
        #expect(Set(object.keys) == ["Kafka", "SchemaRegistry"])
        let kafka = object["Kafka"] ?? [:]
        #expect(Set(kafka.keys).subtracting(Self.confluentKafkaConsumerConfigNames).isEmpty, "\(kafka.keys.sorted())")
        #expect(
            kafka == [
                "BootstrapServers": "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092", "SecurityProtocol": "SaslSsl",
                "SaslMechanism": "Plain", "SaslUsername": "KAFKAKEY1", "SaslPassword": Fixture.kafkaSecret,
                "GroupId": "share-orders-consumer", "SslCaLocation": ca, "SslEndpointIdentificationAlgorithm": "Https",
                "ClientId": "billing", "AutoOffsetReset": "Earliest", "IsolationLevel": "ReadCommitted",
            ]
        )
        let registry = object["SchemaRegistry"] ?? [:]
        #expect(Set(registry.keys).subtracting(Self.schemaRegistryConfigNames).isEmpty)
        #expect(registry["Url"] == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(registry["BasicAuthUserInfo"] == "SRKEY1:\(Fixture.registrySecret)")
    }

    /// `kubernetes-validate --strict` over the files; the output, for the failure message.
    static func kubernetesValidate(_ paths: [String]) async throws -> ProcessResult {
        let python = try #require(which("python3"))
        return try await run(
            python,
            ["-m", "kubernetes_validate", "--kubernetes-version", "1.33.0", "--strict"] + paths
        )
    }

    @Test("k8s-secret: valid for kubernetes-validate --strict, named from the share id, values decode to the share's")
    func kubernetesSecret() async throws {
        let hostile = try Self.hostileShare()
        let documents = [
            try Self.exporter(namespace: "orders-prod").render(.k8sSecret, revealSecrets: true),
            try Self.exporter(hostile).render(.k8sSecret, revealSecrets: true),
            try Self.exporter().render(.k8sSecret, revealSecrets: false),
        ]
        let paths = try Self.write(documents, suffix: ".yaml")
        let validated = try await Self.kubernetesValidate(paths)
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        #expect(!validated.stdout.contains("WARN"), "\(validated.stdout)")
        let secrets = try await ExportReader.python(ExportReader.yamlReader, paths).map { $0 as? [String: Any] ?? [:] }
        try #require(secrets.count == 3)
        let metadata = secrets[0]["metadata"] as? [String: Any] ?? [:]
        #expect(secrets[0]["kind"] as? String == "Secret")
        #expect(secrets[0]["type"] as? String == "Opaque")
        #expect(metadata["name"] as? String == "cdx-client-dlz-f3a90de")
        #expect(metadata["namespace"] as? String == "orders-prod")
        #expect((metadata["labels"] as? [String: String])?["cdx-verify/share"] == "dlz-f3a90de")
        let data = secrets[0]["stringData"] as? [String: String] ?? [:]
        #expect(data["KAFKA_BOOTSTRAP_SERVERS"] == "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(data["KAFKA_SASL_USERNAME"] == "KAFKAKEY1")
        #expect(data["KAFKA_SASL_PASSWORD"] == Fixture.kafkaSecret)
        #expect(data["KAFKA_GROUP_ID"] == "share-orders-consumer")
        #expect(data["SCHEMA_REGISTRY_URL"] == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(data["SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"] == "SRKEY1:\(Fixture.registrySecret)")

        let hostileMetadata = secrets[1]["metadata"] as? [String: Any] ?? [:]
        let name = try #require(hostileMetadata["name"] as? String)
        #expect(ClientConfigExporter.isDNS1123Label(name) && name.hasPrefix("cdx-client-dlz"), "\(name)")
        #expect((hostileMetadata["annotations"] as? [String: String])?["cdx-verify/share-id"] == hostile.id)
        let hostileData = secrets[1]["stringData"] as? [String: String] ?? [:]
        #expect(hostileData["KAFKA_SASL_PASSWORD"] == hostile.secret.revealed)
        #expect(hostileData["KAFKA_GROUP_ID"] == hostile.groupPrefixes[0] + "consumer")
        #expect((secrets[2]["stringData"] as? [String: String])?["KAFKA_SASL_PASSWORD"] == Secret.redactedPlaceholder)
    }

    @Test("k8s-secret: a namespace that is not a DNS-1123 label is refused", arguments: ["Prod", "-a", "a_b", ""])
    func invalidNamespace(namespace: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try Self.exporter(namespace: namespace).render(.k8sSecret, revealSecrets: false)
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.key == "namespace")
    }

    @Test("the Secret's name: a DNS-1123 label derived from the share id, or cdx-client without one")
    func secretName() throws {
        func name(_ id: String?) throws -> String {
            var share = try Fixture.share()
            share.id = id
            return try Self.exporter(share).kubernetesName
        }
        #expect(try name("dlz-F3A90DE") == "cdx-client-dlz-f3a90de")
        #expect(try name(nil) == "cdx-client")
        #expect(try name("___") == "cdx-client")
        #expect(try name("x.y_z") == "cdx-client-x-y-z")
        let long = try name(String(repeating: "ab-", count: 40))
        #expect(long.count <= 63 && ClientConfigExporter.isDNS1123Label(long), "\(long)")
    }
}
