import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// Reads exported configurations back with the tools of each ecosystem, many documents per process:
/// `java.util.Properties`, Python's import system, Node's `require`, PyYAML, python-dotenv, kcat.
enum ExportReader {
    /// The values every export carries, read back from a document by its own ecosystem's reader,
    /// under common names: `username`, `password`, `group`, `registry` (basic-auth user info), and
    /// where the format has them `topics` (comma-joined) and `share`.
    static func values(_ format: ConfigFormat, _ paths: [String]) async throws -> [[String: String]] {
        switch format {
        case .librdkafka:
            var result: [[String: String]] = []
            for path in paths {
                let dumped = try await kcat(path)
                result.append(
                    pick([
                        "username": dumped["sasl.username"], "password": dumped["sasl.password"],
                        "group": dumped["group.id"],
                    ])
                )
            }
            return result
        case .java, .spring:
            return try await javaProperties(paths).map { properties in
                let prefix = format == .spring ? "spring.kafka.properties." : ""
                return pick([
                    "jaas": properties[prefix + "sasl.jaas.config"],
                    "group": properties[format == .spring ? "spring.kafka.consumer.group-id" : "group.id"],
                    "registry": properties[prefix + "basic.auth.user.info"],
                ])
            }
        case .json:
            return try jsonSections(paths, kafka: "kafka", registry: "schema_registry").map { kafka, registry in
                pick([
                    "username": kafka["sasl.username"], "password": kafka["sasl.password"], "group": kafka["group.id"],
                    "registry": registry["basic.auth.user.info"],
                ])
            }
        case .env:
            return try await python(Self.dotenvReader, paths).map { object in
                let values = object as? [String: String] ?? [:]
                return pick([
                    "username": values["KAFKA_SASL_USERNAME"], "password": values["KAFKA_SASL_PASSWORD"],
                    "group": values["KAFKA_GROUP_ID"], "registry": values["SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"],
                ])
            }
        case .python:
            return try await python(Self.moduleReader, paths).map { object in
                let module = object as? [String: Any] ?? [:]
                let consumer = module["consumer_config"] as? [String: String] ?? [:]
                let registry = module["schema_registry_config"] as? [String: String] ?? [:]
                return pick([
                    "username": consumer["sasl.username"], "password": consumer["sasl.password"],
                    "group": consumer["group.id"], "registry": registry["basic.auth.user.info"],
                    "topics": (module["topics"] as? [String])?.joined(separator: ","),
                ])
            }
        case .kafkajs:
            return try await node(paths).map { object in
                let module = object as? [String: Any] ?? [:]
                let sasl = (module["kafka"] as? [String: Any])?["sasl"] as? [String: String] ?? [:]
                let auth = (module["schemaRegistry"] as? [String: Any])?["auth"] as? [String: String]
                return pick([
                    "username": sasl["username"], "password": sasl["password"],
                    "group": (module["consumer"] as? [String: String])?["groupId"],
                    "registry": auth.map { ($0["username"] ?? "") + ":" + ($0["password"] ?? "") },
                    "topics": (module["topics"] as? [String])?.joined(separator: ","),
                ])
            }
        case .dotnet:
            return try jsonSections(paths, kafka: "Kafka", registry: "SchemaRegistry").map { kafka, registry in
                pick([
                    "username": kafka["SaslUsername"], "password": kafka["SaslPassword"], "group": kafka["GroupId"],
                    "registry": registry["BasicAuthUserInfo"],
                ])
            }
        case .k8sSecret:
            return try await python(Self.yamlReader, paths).map { object in
                let secret = object as? [String: Any] ?? [:]
                let data = secret["stringData"] as? [String: String] ?? [:]
                let annotations = (secret["metadata"] as? [String: Any])?["annotations"] as? [String: String] ?? [:]
                return pick([
                    "username": data["KAFKA_SASL_USERNAME"], "password": data["KAFKA_SASL_PASSWORD"],
                    "group": data["KAFKA_GROUP_ID"], "registry": data["SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"],
                    "topics": annotations["cdx-verify/topics"], "share": annotations["cdx-verify/share-id"],
                ])
            }
        }
    }

    private static func pick(_ values: [String: String?]) -> [String: String] {
        values.compactMapValues { $0 }
    }

    /// The Kafka and Schema Registry objects of each JSON export (empty when missing).
    private static func jsonSections(
        _ paths: [String],
        kafka: String,
        registry: String
    ) throws -> [(kafka: [String: String], registry: [String: String])] {
        try paths.map { path in
            let object = try jsonObject(FileManager.default.contents(atPath: path) ?? Data()) as? [String: Any]
            return (object?[kafka] as? [String: String] ?? [:], object?[registry] as? [String: String] ?? [:])
        }
    }

    static func jsonObject(_ data: Data) throws -> Any {
        try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }

    /// `kcat -F FILE -X dump`: the configuration as librdkafka holds it.
    static func kcat(_ path: String) async throws -> [String: String] {
        let kcat = try #require(which("kcat"), "kcat is not installed: scripts/setup installs it")
        let result = try await run(kcat, ["-F", path, "-X", "dump"])
        #expect(result.status == 0, "\(result.stderr)")
        var dumped: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            guard let range = line.range(of: " = ") else { continue }
            dumped[String(line[..<range.lowerBound])] = String(line[range.upperBound...])
        }
        return dumped
    }

    /// Every property of each file, as `java.util.Properties.load` reads it.
    static func javaProperties(_ paths: [String]) async throws -> [[String: String]] {
        let java = try #require(which("java"), "java is not installed: scripts/setup installs a JRE")
        let source = try Fixture.temporaryDirectory() + "/PropsToJson.java"
        try Data(Self.propertiesReader.utf8).write(to: URL(fileURLWithPath: source))
        let result = try await run(java, [source] + paths)
        #expect(result.status == 0, "\(result.stderr)")
        return try jsonObject(Data(result.stdout.utf8)) as? [[String: String]] ?? []
    }

    /// Runs a Python program over the files; it prints one JSON array, an element per file.
    static func python(_ program: String, _ paths: [String]) async throws -> [Any] {
        let python = try #require(which("python3"), "python3 is not installed")
        let result = try await run(python, ["-c", program] + paths)
        #expect(result.status == 0, "\(result.stderr)")
        return try jsonObject(Data(result.stdout.utf8)) as? [Any] ?? []
    }

    /// Loads each file with Node's `require` (CommonJS) and prints what it exports, as JSON.
    static func node(_ paths: [String]) async throws -> [Any] {
        let node = try #require(which("node"), "node is not installed: scripts/setup installs Debian's nodejs")
        let program = "console.log(JSON.stringify(process.argv.slice(1).map((f) => require(f))))"
        let result = try await run(node, ["-e", program] + paths)
        #expect(result.status == 0, "\(result.stderr)")
        return try jsonObject(Data(result.stdout.utf8)) as? [Any] ?? []
    }

    /// Imports each file as a module; prints its three names and every other name it defines.
    static let moduleReader = """
        import importlib.util, json, sys
        out = []
        for i, path in enumerate(sys.argv[1:]):
            spec = importlib.util.spec_from_file_location(f"export{i}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            out.append({"consumer_config": module.consumer_config,
                        "schema_registry_config": module.schema_registry_config, "topics": module.topics,
                        "names": sorted(n for n in vars(module) if not n.startswith("__"))})
        print(json.dumps(out))
        """

    static let yamlReader = """
        import json, sys, yaml
        print(json.dumps([yaml.safe_load(open(p, encoding="utf-8")) for p in sys.argv[1:]]))
        """

    static let dotenvReader = """
        import json, sys
        from dotenv import dotenv_values
        print(json.dumps([dotenv_values(p) for p in sys.argv[1:]]))
        """

    /// Prints the properties of each file as a JSON array (`java.util.Properties.load`, ISO 8859-1).
    static let propertiesReader = #"""
        import java.io.*;
        import java.util.*;

        public class PropsToJson {
            static String quoted(String s) {
                StringBuilder b = new StringBuilder("\"");
                for (char c : s.toCharArray()) {
                    if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
                return b.append('"').toString();
            }

            public static void main(String[] args) throws Exception {
                StringBuilder out = new StringBuilder("[");
                for (int i = 0; i < args.length; i++) {
                    Properties p = new Properties();
                    try (InputStream in = new FileInputStream(args[i])) { p.load(in); }
                    out.append(i == 0 ? "{" : ",{");
                    String separator = "";
                    for (String k : new TreeSet<>(p.stringPropertyNames())) {
                        out.append(separator).append(quoted(k)).append(':').append(quoted(p.getProperty(k)));
                        separator = ",";
                    }
                    out.append('}');
                }
                System.out.println(out.append(']'));
            }
        }
        """#
}
