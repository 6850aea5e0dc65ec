import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// Reading a consumer's configuration, and comparing it with the share, without a network.
@Suite("Consumer configuration")
struct ConsumerConfigurationTests {
    static let share = RedeemedShare(
        id: "dlz-consumer",
        apiKey: "SHAREKEY",
        secret: Secret("share-secret=:#!\\x"),
        kafkaBootstrapURL: "SASL_SSL://b1.example.cloud:9092,b2.example.cloud:9092",
        schemaRegistryAPIKey: "SRKEY",
        schemaRegistrySecret: Secret("sr-secret"),
        schemaRegistryURL: "https://sr.example.cloud",
        resources: [.topic("orders"), .group(prefix: "share-orders-"), .subject("orders-value")]
    )

    /// The share's own configuration in `format`, secrets revealed, as a consumer would save it.
    static func exported(_ format: ConfigFormat) throws -> String {
        let kafka = try KafkaClientConfig(prepared: PreparedShare(share))
        return try ClientConfigExporter(kafka: kafka, schemaRegistry: kafka.schemaRegistry)
            .render(format, revealSecrets: true)
    }

    /// The `consumer_config.*` results of `consumer` against the share.
    static func results(_ consumer: ConsumerConfiguration) throws -> [CheckResult] {
        let kafka = try KafkaClientConfig(prepared: PreparedShare(share))
        return ConsumerConfigChecks(
            consumer: consumer,
            share: share,
            kafka: kafka,
            registry: kafka.schemaRegistry
        ).results()
    }

    static func checks(_ text: String, family: ConsumerConfiguration.Family? = nil) throws -> [String: String] {
        let results = try results(ConsumerConfiguration(text: text, family: family))
        // Never a secret in what is shown.
        for result in results {
            for secret in ["share-secret", "sr-secret", "stale-password"] {
                #expect(!result.message.contains(secret) && !(result.hint ?? "").contains(secret))
            }
        }
        return Dictionary(results.map { ($0.qualifiedID, "\($0.status.rawValue):\($0.code)") }) { first, _ in first }
    }

    @Test("java.util.Properties syntax: separators, escapes, continuations, comments")
    func javaSyntax() throws {
        let text = #"""
            # comment
            ! another
              a=1
            b : two words
            c three
            d\ e=f\=g\:h
            long=one, \
                 two
            unicode=caf\u00e9\tend
            empty=
            """#
        let consumer = try ConsumerConfiguration(text: text, family: .java)
        #expect(consumer["a"] == "1")
        #expect(consumer["b"] == "two words")
        #expect(consumer["c"] == "three")
        #expect(consumer["d e"] == "f=g:h")
        #expect(consumer["long"] == "one, two")
        #expect(consumer["unicode"] == "café\tend")
        #expect(consumer["empty"] == "")
    }

    @Test("JAAS options: quoted values with escapes, unquoted values, the module")
    func jaas() {
        let parsed = ConsumerConfiguration.jaasOptions(
            #"org.apache.kafka.common.security.plain.PlainLoginModule required username="K\"1" password=p\ss;"#
        )
        #expect(parsed.module == "org.apache.kafka.common.security.plain.PlainLoginModule")
        #expect(parsed.options["username"] == #"K"1"#)
        #expect(parsed.options["password"] == #"p\ss"#)
        let single = ConsumerConfiguration.jaasOptions("m.PlainLoginModule required username='K' password='S';")
        #expect(single.options["username"] == "K")
        #expect(single.options["password"] == "S")
    }

    @Test("the family: env files with other variables too, and credentials deciding a tie")
    func families() throws {
        let env = try ConsumerConfiguration(text: "TZ=UTC\nexport KAFKA_BOOTSTRAP_SERVERS='b:9092'\n")
        #expect(env.family == .env)
        #expect(env["bootstrap.servers"] == "b:9092")
        let librdkafka = try ConsumerConfiguration(
            text: "sasl.mechanism=PLAIN\nsasl.username=K\nsasl.password=S\nschema.registry.url=https://sr\n"
                + "basic.auth.user.info=a:b\n"
        )
        #expect(librdkafka.family == .librdkafka)
    }

    @Test("our own exports read back as the share, in each client's spelling, every check passing")
    func exportsPass() throws {
        for (format, family) in [(ConfigFormat.java, "java"), (.librdkafka, "librdkafka"), (.env, "env")] {
            var text = try Self.exported(format)
            text += format == .env ? "KAFKA_GROUP_ID='share-orders-billing'\n" : "\ngroup.id=share-orders-billing\n"
            let consumer = try ConsumerConfiguration(text: text)
            #expect(consumer.family.rawValue == family)
            let checks = try Self.checks(text)
            let failing = checks.filter { !$0.value.hasPrefix("pass") }
            #expect(failing.isEmpty, "\(format): \(failing)")
            #expect(
                checks["consumer_config.credentials[\(format == .java ? "sasl.jaas.config" : "sasl.username")]"]
                    == "pass:ok"
            )
            #expect(checks["consumer_config.group_id[group.id]"] == "pass:ok")
            if format != .librdkafka {  // librdkafka files carry the registry only as comments
                #expect(checks["consumer_config.schema_registry[schema.registry.url]"] == "pass:ok", "\(format)")
            }
        }
    }

    @Test("each mismatch is its own failure, naming the key, never showing a secret")
    func mismatches() throws {
        let java = try Self.exported(.java)
        func edited(_ replacements: [(String, String)], adding extra: String = "") -> String {
            replacements.reduce(java) { $0.replacingOccurrences(of: $1.0, with: $1.1) } + extra
        }
        var checks = try Self.checks(edited([], adding: "group.id=analytics\n"))
        #expect(checks["consumer_config.group_id[group.id]"] == "fail:outside_prefix")

        checks = try Self.checks(edited([("sasl.mechanism=PLAIN", "sasl.mechanism=SCRAM-SHA-512")]))
        #expect(checks["consumer_config.sasl_mechanism[sasl.mechanism]"] == "fail:differs")

        checks = try Self.checks(edited([("sasl.mechanism=PLAIN", "sasl.mechanisms=PLAIN")]))
        #expect(checks["consumer_config.sasl_mechanism[sasl.mechanisms]"] == "fail:misspelt")
        #expect(checks["consumer_config.property[sasl.mechanisms]"] == nil)  // said once, by the mechanism check

        let stale = try ConsumerConfiguration(text: java, family: .java)["sasl.jaas.config"]!
            .replacingOccurrences(of: #"password="share-secret=:#!\\x""#, with: #"password="stale-password""#)
        #expect(!stale.contains("share-secret"))
        checks = try Self.checks(
            java.split(separator: "\n").filter { !$0.hasPrefix("sasl.jaas.config") }.joined(separator: "\n")
                + "\nsasl.jaas.config=" + stale + "\n"
        )
        #expect(checks["consumer_config.credentials[sasl.jaas.config]"] == "fail:differs")

        checks = try Self.checks(edited([("security.protocol=SASL_SSL", "security.protocol=SASL_PLAINTEXT")]))
        #expect(checks["consumer_config.security_protocol[security.protocol]"] == "fail:differs")
        #expect(checks["consumer_config.tls[security.protocol]"] == "fail:no_tls")  // never "not weakened"

        checks = try Self.checks(edited([("b1.example.cloud", "b1.other.cloud")]))
        #expect(checks["consumer_config.bootstrap_servers[bootstrap.servers]"] == "fail:differs")

        for value in ["", "none", "NONE"] {
            checks = try Self.checks(edited([], adding: "ssl.endpoint.identification.algorithm=\(value)\n"))
            #expect(checks["consumer_config.tls[ssl.endpoint.identification.algorithm]"] == "fail:tls_weakened")
        }

        // librdkafka's spelling next to Java's: the client ignores it.
        checks = try Self.checks(edited([], adding: "sasl.username=SHAREKEY\n"))
        #expect(checks["consumer_config.property[sasl.username]"] == "fail:librdkafka_key")
        #expect(checks["consumer_config.credentials[sasl.jaas.config]"] == "pass:ok")

        // A registry URL without credentials.
        let withoutCredentials = java.split(separator: "\n").filter { !$0.hasPrefix("basic.auth.user.info") }
            .joined(separator: "\n")
        checks = try Self.checks(withoutCredentials)
        #expect(checks["consumer_config.schema_registry[schema.registry.url]"] == nil)
        #expect(checks["consumer_config.schema_registry[basic.auth.user.info]"] == "fail:missing_property")

        // Java keys in a librdkafka file: librdkafka would refuse to start.
        let librdkafka = try Self.exported(.librdkafka)
        checks = try Self.checks(
            librdkafka + "sasl.jaas.config=whatever\nkey.deserializer=x\nfetch.wait.max.ms=soon\n",
            family: .librdkafka
        )
        #expect(checks["consumer_config.property[sasl.jaas.config]"] == "fail:invalid_value")  // "not supported"
        #expect(checks["consumer_config.property[key.deserializer]"] == "fail:unknown_property")
        #expect(checks["consumer_config.property[fetch.wait.max.ms]"] == "fail:invalid_value")

        // Nothing set at all but a group: both clients' defaults are PLAINTEXT and GSSAPI.
        checks = try Self.checks("group.id=share-orders-x\nbootstrap.servers=b1.example.cloud:9092\n", family: .java)
        #expect(checks["consumer_config.security_protocol[security.protocol]"] == "fail:differs")
        #expect(checks["consumer_config.sasl_mechanism[sasl.mechanism]"] == "fail:missing_property")
        #expect(checks["consumer_config.credentials[sasl.jaas.config]"] == "fail:missing_property")
    }

    @Test("a key or value with a control character, or a key that loads code, refuses the file, naming the line")
    func refusedProperties() throws {
        let files: [(text: String, family: ConsumerConfiguration.Family?, line: Int, shown: String)] = [
            ("group.id=g\nbootstrap.servers\u{0}=evil:9092\n", .librdkafka, 2, "bootstrap.servers\\u{0}"),
            ("group.id=g\n\nbootstrap.servers=evil:9092\u{0}b:9092\n", .librdkafka, 3, "U+0000"),
            ("# Java\nbootstrap.servers\\u0000=evil:9092\n", .java, 2, "U+0000"),
            ("a=1\\\n  2\nb\\u001b[31m=x\n", .java, 3, "U+001B"),
            ("KAFKA_PLUGIN_LIBRARY_PATHS=/tmp/p.so\n", nil, 1, "plugin.library.paths"),
            ("bootstrap.servers=b:9092\nssl.engine.location=/tmp/e.so\n", .librdkafka, 2, "ssl.engine.location"),
        ]
        for file in files {
            do {
                _ = try ConsumerConfiguration(text: file.text, family: file.family)
                Issue.record("accepted: \(file.text.debugDescription)")
            } catch {
                #expect(error.message.contains("line \(file.line):"), "\(error.message)")
                #expect(error.message.contains(file.shown), "\(error.message)")
                #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 }, "\(error.message.debugDescription)")
            }
        }
        // A tab inside a value is not a hidden byte.
        #expect(try ConsumerConfiguration(text: "a=b\tc\n", family: .librdkafka)["a"] == "b\tc")
        // Built from properties, the key is refused by the checks instead (and never passed on).
        let consumer = ConsumerConfiguration(
            properties: [("bootstrap.servers\u{0}", "evil:9092"), ("plugin.library.paths", "/tmp/p.so")],
            family: .librdkafka
        )
        let results = try Self.results(consumer)
        let verdicts = Dictionary(results.map { ($0.qualifiedID, "\($0.status.rawValue):\($0.code)") }) { a, _ in a }
        #expect(verdicts["consumer_config.property[bootstrap.servers\\u{0}]"] == "fail:refused", "\(verdicts)")
        #expect(verdicts["consumer_config.property[plugin.library.paths]"] == "fail:refused", "\(verdicts)")
    }

    @Test("a registry URL with user-info compares as the share's, and its credentials are never shown")
    func registryUserInfo() throws {
        let java = try Self.exported(.java)
        let withUserInfo = java.replacingOccurrences(
            of: "schema.registry.url=https\\://sr.example.cloud",
            with: "schema.registry.url=https\\://SRKEY\\:url-secret-77@sr.example.cloud"
        )
        #expect(withUserInfo != java)
        let checks = try Self.checks(withUserInfo)
        #expect(checks["consumer_config.schema_registry[schema.registry.url]"] == "pass:ok", "\(checks)")
        let elsewhere = withUserInfo.replacingOccurrences(of: "sr.example.cloud", with: "sr.other.cloud")
        let results = try Self.results(ConsumerConfiguration(text: elsewhere))
        let registry = try #require(results.first { $0.id == "consumer_config.schema_registry" })
        #expect(registry.code == "differs")
        #expect(registry.message.contains("https://sr.other.cloud"), "\(registry.message)")
        #expect(!registry.message.contains("url-secret-77"), "\(registry.message)")

        // The share's own URL with user-info: stripped from the configuration, the description and exports.
        var share = Self.share
        share.schemaRegistryURL = "https://SRKEY:url-secret-77@sr.example.cloud"
        let config = try #require(try share.endpoints().schemaRegistry)
        #expect(config.url.absoluteString == "https://sr.example.cloud")
        #expect(!"\(share)".contains("url-secret-77"))
        let kafka = try KafkaClientConfig(prepared: PreparedShare(share))
        let exported = try ClientConfigExporter(kafka: kafka, schemaRegistry: config).render(
            .java,
            revealSecrets: false
        )
        #expect(!exported.contains("url-secret-77"))
        // With no key and secret fields, the URL's are the credentials.
        share.schemaRegistryAPIKey = nil
        share.schemaRegistrySecret = nil
        let fromURL = try #require(try share.endpoints().schemaRegistry)
        #expect(fromURL.apiKey == "SRKEY")
        #expect(fromURL.secret.revealed == "url-secret-77")
        #expect(fromURL.url.absoluteString == "https://sr.example.cloud")
    }

    @Test("a file with no property is refused, naming what was expected")
    func empty() {
        #expect(throws: ConfigurationError.self) { try ConsumerConfiguration(text: "# nothing\n\n") }
    }
}
