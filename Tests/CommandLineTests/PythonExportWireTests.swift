import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// The `python` export used as a confluent-kafka application uses it, against the wire-level
/// endpoint (real TLS with a throwaway CA and a SASL/PLAIN exchange that checks the credentials).
@Suite(
    "Wire level: the python export in confluent-kafka",
    .enabled(
        if: WireEnvironment.current != nil,
        "needs the TLS + SASL/PLAIN endpoint of scripts/wire; scripts/test starts it and sets CDX_WIRE_ENV"
    ),
    .timeLimit(.minutes(2))
)
struct PythonExportWireTests {
    let wire = WireEnvironment.current!

    /// Imports the module, builds a `SchemaRegistryClient` and a `Consumer` from it, and lists the
    /// first shared topic over the wire within `argv[2]` seconds; prints the outcome as JSON.
    static let program = """
        import importlib.util, json, sys
        from confluent_kafka import Consumer, KafkaException
        from confluent_kafka.schema_registry import SchemaRegistryClient
        spec = importlib.util.spec_from_file_location("share_config", sys.argv[1])
        config = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(config)
        try:
            SchemaRegistryClient(config.schema_registry_config)
            registry = "ok"
        except ValueError as error:
            registry = str(error)
        consumer = Consumer(config.consumer_config)
        try:
            topic = consumer.list_topics(config.topics[0], timeout=float(sys.argv[2])).topics[config.topics[0]]
            outcome = {"error": str(topic.error) if topic.error else None, "partitions": len(topic.partitions)}
        except KafkaException as error:
            outcome = {"error": error.args[0].name(), "partitions": 0}
        finally:
            consumer.close()
        print(json.dumps(dict(outcome, registry=registry)))
        """

    func listTopic(revealSecrets: Bool) async throws -> [String: Any] {
        var share = wire.share(topics: ["wire-orders"])
        share.schemaRegistryURL = "https://127.0.0.1:1"
        share.schemaRegistryAPIKey = "SRKEY"
        share.schemaRegistrySecret = Secret("SRSECRET")
        let exporter = ClientConfigExporter(
            kafka: try KafkaClientConfig(share: share, options: .init(caLocation: wire.ca)),
            schemaRegistry: try share.endpoints().schemaRegistry,
            origin: .init(share: share)
        )
        let path = try Fixture.temporaryDirectory() + "/share_config.py"
        try Data(try exporter.render(.python, revealSecrets: revealSecrets).utf8).write(to: URL(fileURLWithPath: path))
        let python = try #require(which("python3"))
        // A refused key never lists the topic: 5 s are enough to see that; 15 s to list it.
        let result = try await run(python, ["-c", Self.program, path, revealSecrets ? "15" : "5"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test(
        "Consumer(consumer_config) lists the shared topic over TLS + SASL/PLAIN; SchemaRegistryClient accepts its config"
    )
    func listsSharedTopic() async throws {
        let listed = try await listTopic(revealSecrets: true)
        #expect(listed["error"] is NSNull, "\(listed)")
        #expect(listed["partitions"] as? Int == 3)
        #expect(listed["registry"] as? String == "ok")
    }

    @Test("the redacted module does not authenticate: the listing above depends on the exported secret")
    func redactedDoesNotAuthenticate() async throws {
        let listed = try await listTopic(revealSecrets: false)
        #expect(listed["partitions"] as? Int == 0, "\(listed)")
        #expect(listed["error"] is String)
    }
}
