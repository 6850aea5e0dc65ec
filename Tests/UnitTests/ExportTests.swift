import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// Exports are read back by the real parsers their users use: kcat, java.util.Properties plus the
/// JAAS tokenizer Kafka uses, python-dotenv, and a JSON parser.
@Suite("Client configuration exports")
struct ExportTests {
    private func exporter() throws -> ClientConfigExporter {
        let share = try Fixture.share()
        return ClientConfigExporter(
            kafka: try KafkaClientConfig(
                share: share,
                options: .init(overrides: [try ConfigProperty(parsing: "client.id=cdx test")])
            ),
            schemaRegistry: try share.endpoints().schemaRegistry
        )
    }

    private func write(_ text: String) throws -> String {
        let path = try Fixture.temporaryDirectory() + "/export"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("librdkafka properties are accepted as is by kcat -F, with every value intact")
    func librdkafkaWithKcat() async throws {
        let kcat = try #require(which("kcat"), "kcat is not installed: scripts/test installs it with apt")
        let config = try exporter()
        let path = try write(try config.render(.librdkafka, revealSecrets: true))
        let result = try await run(kcat, ["-F", path, "-X", "dump"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("ERROR"))
        var dumped: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard let range = line.range(of: " = ") else { continue }
            dumped[String(line[..<range.lowerBound])] = String(line[range.upperBound...])
        }
        // kcat dumps bootstrap.servers under its alias and enum values in lower case.
        let aliases = ["bootstrap.servers": "metadata.broker.list"]
        for property in config.kafka.properties {
            let dumpedValue = dumped[aliases[property.key] ?? property.key]
            if property.key == "security.protocol" {
                #expect(dumpedValue == property.value.revealed.lowercased())
            } else {
                #expect(dumpedValue == property.value.revealed, "\(property.key)")
            }
        }
        #expect(try config.render(.librdkafka, revealSecrets: true).contains("# schema.registry.url=https://psrc-"))
    }

    @Test("Java properties load with java.util.Properties and the JAAS config tokenizes back to the secret")
    func javaProperties() async throws {
        let java = try #require(which("java"), "java is not installed")
        let path = try write(try exporter().render(.java, revealSecrets: true))
        let source = try Fixture.temporaryDirectory() + "/ReadProps.java"
        try Data(Self.javaReader.utf8).write(to: URL(fileURLWithPath: source))
        let result = try await run(java, [source, path])
        #expect(result.status == 0, "\(result.stderr)")
        var values: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        #expect(values["bootstrap.servers"] == "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(values["security.protocol"] == "SASL_SSL")
        #expect(values["sasl.mechanism"] == "PLAIN")
        #expect(values["client.id"] == "cdx test")
        #expect(values["client.dns.lookup"] == "use_all_dns_ips")
        #expect(values["group.id"] == "share-orders-consumer")
        #expect(values["jaas.module"] == "org.apache.kafka.common.security.plain.PlainLoginModule")
        #expect(values["jaas.username"] == "KAFKAKEY1")
        #expect(values["jaas.password"] == Fixture.kafkaSecret)
        #expect(values["schema.registry.url"] == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(values["basic.auth.credentials.source"] == "USER_INFO")
        #expect(values["basic.auth.user.info"] == "SRKEY1:\(Fixture.registrySecret)")
        #expect(values["ssl.ca.location"] == nil)
    }

    @Test("Java escaping survives odd characters")
    func javaEscaping() {
        #expect(ClientConfigExporter.javaProperty("k", " lead") == "k=\\ lead")
        #expect(ClientConfigExporter.javaProperty("k", "a\\b") == "k=a\\\\b")
        #expect(ClientConfigExporter.javaProperty("k", "é€") == "k=\\u00E9\\u20AC")
        #expect(ClientConfigExporter.jaasEscaped("a\"b\\c") == "a\\\"b\\\\c")
    }

    @Test("dotenv reads back with python-dotenv, $ and # kept literal")
    func dotenv() async throws {
        let python = try #require(which("python3"), "python3 is not installed")
        let text = try exporter().render(.env, revealSecrets: true)
        let path = try write(
            text + ClientConfigExporter.envLine("TRICKY", "a$HOME b\\c #e") + "\n"
                + ClientConfigExporter.envLine("QUOTED", "it's #1; not run") + "\n"
        )
        let result = try await run(
            python,
            [
                "-c",
                "import json,sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))",
                path,
            ]
        )
        #expect(result.status == 0, "python-dotenv missing? scripts/test installs it: \(result.stderr)")
        let values = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: String] ?? [:]
        #expect(values["KAFKA_SASL_PASSWORD"] == Fixture.kafkaSecret)
        #expect(values["KAFKA_BOOTSTRAP_SERVERS"] == "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(values["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL")
        #expect(values["SCHEMA_REGISTRY_URL"] == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(values["SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"] == "SRKEY1:\(Fixture.registrySecret)")
        #expect(values["TRICKY"] == "a$HOME b\\c #e")
        #expect(values["QUOTED"] == "it's #1; not run")
    }

    @Test(
        "a hostile share cannot run code when the env export is sourced (sh, dash, bash) and dotenv reads the same",
        arguments: ["a'; touch PWNED; #", "$(touch PWNED)", "`touch PWNED`", "x\\y; touch PWNED", "it's ok"]
    )
    func envIsShellSafe(prefix: String) async throws {
        var share = try Fixture.share()
        share.resources = share.resources.map { if case .group = $0 { .group(prefix: prefix) } else { $0 } }
        let kafka = try KafkaClientConfig(share: share)
        let text = try ClientConfigExporter(kafka: kafka, schemaRegistry: nil).render(.env, revealSecrets: true)
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/hostile.env"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let expected = prefix + KafkaClientConfig.defaultGroupSuffix
        for shell in ["/bin/sh", "/bin/dash", "/bin/bash"] where FileManager.default.isExecutableFile(atPath: shell) {
            let sourced = try await run(
                shell,
                ["-c", ". ./hostile.env && printf '%s' \"$KAFKA_GROUP_ID\""],
                directory: directory
            )
            #expect(sourced.status == 0, "\(shell): \(sourced.stderr)")
            #expect(sourced.stdout == expected, "\(shell)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/PWNED"), "\(shell) ran code from the share")
        }
        let python = try #require(which("python3"))
        let loaded = try await run(
            python,
            [
                "-c",
                "import sys; from dotenv import dotenv_values; print(dotenv_values(sys.argv[1])['KAFKA_GROUP_ID'], end='')",
                path,
            ]
        )
        #expect(loaded.stdout == expected, "\(loaded.stderr)")
    }

    @Test("a value neither quoting can carry for both shells and dotenv is refused, naming the property")
    func envRefusesUnrepresentable() throws {
        var share = try Fixture.share()
        share.resources = share.resources.map { if case .group = $0 { .group(prefix: "it's $HOME-") } else { $0 } }
        let exporter = ClientConfigExporter(kafka: try KafkaClientConfig(share: share), schemaRegistry: nil)
        let error = #expect(throws: ConfigurationError.self) { try exporter.render(.env, revealSecrets: false) }
        #expect(error?.code == .notRepresentable)
        #expect(error?.key == "group.id")
        #expect(try exporter.render(.json, revealSecrets: false).contains("it's $HOME-"))
    }

    @Test("JSON has the kafka and schema_registry objects with librdkafka names")
    func json() async throws {
        let text = try exporter().render(.json, revealSecrets: true)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: [String: String]]
        #expect(object["kafka"]?["sasl.password"] == Fixture.kafkaSecret)
        #expect(object["kafka"]?["sasl.mechanisms"] == "PLAIN")
        #expect(object["schema_registry"]?["basic.auth.user.info"] == "SRKEY1:\(Fixture.registrySecret)")
    }

    @Test("every format hides secrets unless asked", arguments: ConfigFormat.allCases)
    func redactsByDefault(format: ConfigFormat) throws {
        let text = try exporter().render(format, revealSecrets: false)
        for secret in Fixture.allSecrets { #expect(!text.contains(secret)) }
        #expect(!text.contains("SRKEY1:SRSEC"))
        #expect(text.contains(Secret.redactedPlaceholder))
    }

    @Test("a value librdkafka files cannot hold is an error, not a corrupt file")
    func notRepresentable() async throws {
        var share = try Fixture.share()
        share.secret = Secret("line\nbreak")
        let exporter = ClientConfigExporter(kafka: try KafkaClientConfig(share: share), schemaRegistry: nil)
        let error = #expect(throws: ConfigurationError.self) { try exporter.render(.librdkafka, revealSecrets: true) }
        #expect(error?.code == .notRepresentable)
        #expect(error?.key == "sasl.password")
        #expect(!(error?.description.contains("line\nbreak") ?? true))
    }

    @Test("a registry value with a line break cannot break out of its comment into a librdkafka property")
    func registryLineBreak() async throws {
        var share = try Fixture.share()
        share.schemaRegistrySecret = Secret("x\nbootstrap.servers=elsewhere.example:9092")
        let exporter = ClientConfigExporter(
            kafka: try KafkaClientConfig(share: share),
            schemaRegistry: try share.endpoints().schemaRegistry
        )
        let error = #expect(throws: ConfigurationError.self) { try exporter.render(.librdkafka, revealSecrets: true) }
        #expect(error?.code == .notRepresentable)
        #expect(error?.key == "basic.auth.user.info")
        #expect(!(error?.description.contains("elsewhere") ?? true))
    }

    /// Loads a properties file like a Java client and tokenizes sasl.jaas.config the way Kafka's
    /// JaasConfig does (StreamTokenizer with '"' quotes); prints key<TAB>value lines.
    static let javaReader = #"""
        import java.io.*;
        import java.util.*;

        public class ReadProps {
            public static void main(String[] args) throws Exception {
                Properties p = new Properties();
                try (InputStream in = new FileInputStream(args[0])) { p.load(in); }
                for (String k : new TreeSet<>(p.stringPropertyNames())) System.out.println(k + "\t" + p.getProperty(k));
                StreamTokenizer t = new StreamTokenizer(new StringReader(p.getProperty("sasl.jaas.config")));
                t.slashSlashComments(true); t.slashStarComments(true);
                t.wordChars('-', '-'); t.wordChars('_', '_'); t.wordChars('$', '$');
                t.nextToken(); System.out.println("jaas.module\t" + t.sval);
                t.nextToken(); // control flag
                while (t.nextToken() != StreamTokenizer.TT_EOF && t.ttype != ';') {
                    String key = t.sval;
                    t.nextToken(); // '='
                    t.nextToken();
                    System.out.println("jaas." + key + "\t" + t.sval);
                }
            }
        }
        """#
}
