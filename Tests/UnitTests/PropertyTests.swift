import Foundation
import PropertyBased
import Testing

@testable import StreamShare
@testable import TestSupport

/// Properties over generated, often hostile, input: decoding never crashes and round-trips, bootstrap
/// URLs parse to a fixed point, and every export reads back to the same values in the real parsers
/// its users use (POSIX shells and python-dotenv for `.env`).
@Suite("Properties")
struct PropertyTests {
    /// Printable ASCII and a few non-ASCII characters, quotes, backslashes, `$`, `#` and backquotes
    /// included: what a hostile share may carry.
    static let hostile = Gen.oneOf(
        Gen.character(in: " "..."~"),
        Gen.always("é"),
        Gen.always("'"),
        Gen.always("\""),
        Gen.always("\\"),
        Gen.always("$"),
        Gen.always("`")
    ).string(of: 0...24)

    @Test("a share with arbitrary field values round-trips through its file form, secrets intact")
    func shareRoundTrip() async {
        await propertyCheck(count: 200, input: Self.hostile, Self.hostile, Self.hostile) { key, secret, topic in
            guard !key.isEmpty, !secret.isEmpty, !topic.isEmpty else { return }
            let share = RedeemedShare(
                apiKey: key,
                secret: Secret(secret),
                kafkaBootstrapURL: "SASL://pkc-1.example:9092",
                resources: [.topic(topic), .group(prefix: topic + "-")]
            )
            let decoded = try? RedeemedShare(jsonData: try share.jsonData())
            #expect(decoded == share)
            #expect("\(share)".contains("secret: <redacted>"))
        }
    }

    @Test("arbitrary bytes never crash share decoding: a share or a validation error naming a field")
    func arbitraryDocuments() async {
        let documents = Gen.oneOf(Self.hostile, Gen.always(Fixture.responseJSON)).map { text in
            // Cut and splice: truncated, doubled and garbled variants of a real response.
            text.count > 10 ? String(text.prefix(text.count / 2)) + text : text
        }
        await propertyCheck(count: 300, input: documents) { text in
            do {
                _ = try RedeemedShare(jsonData: Data(text.utf8))
            } catch {
                #expect(!String(describing: error).isEmpty)
            }
        }
    }

    @Test("bootstrap URLs: what parses prints back to itself, and nothing crashes")
    func bootstrapFixedPoint() async {
        let host = Gen.oneOf(
            Gen.letterOrNumber.string(of: 1...12).map { $0 + ".example" },
            Gen.always("[::1]"),
            Gen.always("127.0.0.1"),
            Self.hostile
        )
        let scheme = Gen.oneOf(Gen.always(""), Gen.always("SASL://"), Gen.always("SASL_SSL://"), Gen.always("x://"))
        let port = Gen.oneOf(Gen.always(""), Gen.int(in: 0...70_000).map { ":\($0)" })
        await propertyCheck(count: 300, input: scheme, host, port) { scheme, host, port in
            guard let parsed = try? BootstrapServers(parsing: scheme + host + port) else { return }
            let again = try? BootstrapServers(parsing: parsed.bootstrapServers)
            #expect(again == parsed, "\(scheme + host + port)")
            #expect(parsed.endpoints.allSatisfy { (1...65_535).contains($0.port) })
        }
    }

    @Test("JSON and librdkafka exports carry any value exactly, or refuse it")
    func exportRoundTrip() async throws {
        let base = try Fixture.share()
        // Each configuration creates a librdkafka client to validate itself: a modest count keeps the
        // suite light on a 2-core machine.
        await propertyCheck(count: 40, input: Self.hostile) { value in
            guard !value.isEmpty else { return }
            var share = base
            share.resources = [.topic("orders"), .group(prefix: value)]
            guard let kafka = try? KafkaClientConfig(share: share) else { return }
            let exporter = ClientConfigExporter(kafka: kafka, schemaRegistry: nil)
            let json = try? exporter.render(.json, revealSecrets: true)
            let object = json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect((object?["kafka"] as? [String: String])?["group.id"] == value + "consumer")
            if let properties = try? exporter.render(.librdkafka, revealSecrets: true) {
                let line = properties.split(separator: "\n").first { $0.hasPrefix("group.id=") }
                #expect(line.map { String($0.dropFirst("group.id=".count)) } == value + "consumer")
            }
        }
    }

    @Test("every .env line that is written reads back exactly in sh, dash, bash and python-dotenv, running nothing")
    func envRoundTripInRealParsers() async throws {
        var values: [String] = []
        await propertyCheck(count: 150, input: Self.hostile) { value in values.append(value) }
        values += ["a'; touch PWNED; #", "$(touch PWNED)", "`touch PWNED`", "x\\y", "it's", "#", " lead", "trail "]
        var lines: [String] = []
        var written: [String] = []
        for value in values {
            guard let line = try? ClientConfigExporter.envLine("V\(written.count)", value) else { continue }
            lines.append(line)
            written.append(value)
        }
        // Values that neither quoting can carry for both readers are refused (tested elsewhere); enough remain.
        #expect(written.count >= 20, "\(written.count) of \(values.count)")
        let directory = try Fixture.temporaryDirectory()
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/v.env"))
        let names = (0..<written.count).map { "V\($0)" }
        for shell in ["/bin/sh", "/bin/dash", "/bin/bash"] where FileManager.default.isExecutableFile(atPath: shell) {
            let script =
                ". ./v.env && for n in \(names.joined(separator: " ")); do eval \"printf '%s\\\\0' \\\"\\$$n\\\"\"; done"
            let result = try await run(shell, ["-c", script], directory: directory)
            #expect(result.status == 0, "\(shell): \(result.stderr)")
            let read = result.stdout.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(
                String.init
            )
            #expect(read == written, "\(shell)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/PWNED"), "\(shell) ran code")
        }
        let python = try #require(which("python3"))
        let loaded = try await run(
            python,
            [
                "-c",
                "import json,sys; from dotenv import dotenv_values; print(json.dumps(dotenv_values(sys.argv[1])))",
                directory + "/v.env",
            ]
        )
        let object = try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as? [String: String] ?? [:]
        #expect(names.map { object[$0] } == written.map { Optional($0) }, "\(loaded.stderr)")
    }

    /// ``hostile`` and what ends a string, a comment or a line in the program-source and YAML formats.
    static let hostileAnywhere = Gen.oneOf(
        Gen.character(in: " "..."~").map { String($0) },
        Gen.always("'"),
        Gen.always("\""),
        Gen.always("\\"),
        Gen.always("*/"),
        Gen.always("${"),
        Gen.always("\n"),
        Gen.always("\r"),
        Gen.always("\t"),
        Gen.always("\u{2028}"),
        Gen.always("\u{85}"),
        Gen.always("é"),
        Gen.always("😀")
    ).array(of: 0...12).map { $0.joined() }

    @Test("arbitrary share values round-trip through every format, read by each format's own reader")
    func everyFormatRoundTrip() async throws {
        var samples: [[String]] = []
        await propertyCheck(count: 30, input: Self.hostileAnywhere.array(of: 7...7)) { samples.append($0) }
        samples.append(["k\"ey", "p\u{2028}w*/${x}", "g\n#=", "t\r\n", "id */", "sr'key", "sr\\secret"])
        var exporters: [ClientConfigExporter] = []
        var expected: [[String: String]] = []
        for values in samples {
            let share = RedeemedShare(
                id: values[4],
                apiKey: values[0],
                secret: Secret(values[1]),
                kafkaBootstrapURL: "SASL://pkc-1.example:9092",
                schemaRegistryAPIKey: values[5],
                schemaRegistrySecret: Secret(values[6]),
                schemaRegistryURL: "https://psrc-1.example",
                resources: [.topic(values[3]), .group(prefix: values[2])]
            )
            guard let kafka = try? KafkaClientConfig(share: share),
                let registry = try? share.endpoints().schemaRegistry
            else { continue }
            exporters.append(
                ClientConfigExporter(kafka: kafka, schemaRegistry: registry, origin: .init(share: share))
            )
            expected.append([
                "username": values[0], "password": values[1], "group": values[2] + KafkaClientConfig.defaultGroupSuffix,
                "registry": values[5] + ":" + values[6], "topics": values[3], "share": values[4],
                "jaas": "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                    + ClientConfigExporter.jaasEscaped(values[0]) + "\" password=\""
                    + ClientConfigExporter.jaasEscaped(values[1]) + "\";",
            ])
        }
        // Most samples carry a control character that a share refuses (its key, secret, topic or prefix):
        // 14 to 25 of 31 build. At least 10 keep the check from being vacuous without making it a lottery.
        #expect(exporters.count >= 10, "\(exporters.count) of \(samples.count) shares built")
        let carried: [ConfigFormat: Set<String>] = [
            .librdkafka: ["username", "password", "group"], .java: ["jaas", "group", "registry"],
            .spring: ["jaas", "group", "registry"], .json: ["username", "password", "group", "registry"],
            .env: ["username", "password", "group", "registry"],
            .dotnet: ["username", "password", "group", "registry"],
            .python: ["username", "password", "group", "registry", "topics"],
            .kafkajs: ["username", "password", "group", "registry", "topics"],
            .k8sSecret: ["username", "password", "group", "registry", "topics", "share"],
        ]
        for format in ConfigFormat.allCases {
            let keys = try #require(carried[format], "\(format) has no round-trip expectation")
            // A format may refuse a value it cannot carry (librdkafka and env: line breaks), never corrupt it.
            let written = exporters.indices.compactMap { index in
                (try? exporters[index].render(format, revealSecrets: true)).map { (index, $0) }
            }
            if format != .librdkafka && format != .env {
                #expect(written.count == exporters.count, "\(format) refused a value")
            }
            let directory = try Fixture.temporaryDirectory()
            let paths = try written.map { index, text in
                // Python imports only a .py file.
                let path = "\(directory)/export\(index).\(format == .python ? "py" : format.rawValue)"
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
            let read = try await ExportReader.values(format, paths)
            #expect(read.count == written.count, "\(format)")
            for ((index, _), values) in zip(written, read) {
                #expect(values == expected[index].filter { keys.contains($0.key) }, "\(format): sample \(index)")
            }
        }
    }
}
