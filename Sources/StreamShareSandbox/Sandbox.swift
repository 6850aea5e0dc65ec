public import StreamShare

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A local, emulated Confluent Cloud on 127.0.0.1: the CDX API, a Schema Registry and a Kafka
/// cluster (librdkafka's mock cluster, in process), set up from a ``Scenario``.
///
/// ```swift
/// try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
///     let token = try sandbox.mintToken()
///     // redeem with CDXClient(credentials: sandbox.cloudCredentials, configuration: .init(baseURL: sandbox.apiURL))
/// }
/// ```
///
/// Its HTTP servers run as the services of one `ServiceGroup` for the scope of ``withSandbox(scenario:apiPort:_:)``.
public final class Sandbox: Sendable {
    /// The scenario in effect.
    public let scenario: Scenario
    /// The CDX API emulator.
    public let api: CDXAPIEmulator
    /// The Schema Registry emulator.
    public let schemaRegistry: SchemaRegistryEmulator
    /// The mock Kafka cluster.
    @_spi(Sandbox) public let cluster: MockKafkaCluster
    /// The brokers of a scenario whose brokers are all down (the mock cluster's are never taken down).
    private let downBrokers: RefusingPorts?
    private let apiServer: LocalHTTPServer
    private let registryServer: LocalHTTPServer

    /// The CDX API base URL (`--api-url`).
    public var apiURL: URL { apiServer.baseURL }
    /// The Schema Registry URL the share names.
    public var schemaRegistryURL: URL { registryServer.baseURL }
    /// The Cloud API key and secret the emulated API accepts.
    public var cloudCredentials: CloudAPICredentials { api.credentials }
    /// The Kafka bootstrap servers (ports that refuse connections when the scenario's brokers are all down).
    public var bootstrapServers: String { downBrokers?.servers ?? cluster.bootstrapServers }

    private init(
        scenario: Scenario,
        api: CDXAPIEmulator,
        schemaRegistry: SchemaRegistryEmulator,
        cluster: MockKafkaCluster,
        downBrokers: RefusingPorts?,
        apiServer: LocalHTTPServer,
        registryServer: LocalHTTPServer
    ) {
        self.scenario = scenario
        self.api = api
        self.schemaRegistry = schemaRegistry
        self.cluster = cluster
        self.downBrokers = downBrokers
        self.apiServer = apiServer
        self.registryServer = registryServer
    }

    /// Runs everything on loopback for the duration of `body`, then stops it (the HTTP servers release
    /// their ports before this returns; the mock cluster stops when the sandbox is released).
    /// - Parameters:
    ///   - scenario: What to emulate.
    ///   - apiPort: The CDX API port (0: any free port).
    ///   - body: Uses the running sandbox.
    /// - Returns: What `body` returns.
    public static func withSandbox<Result: Sendable>(
        scenario: Scenario,
        apiPort: Int = 0,
        _ body: (Sandbox) async throws -> Result
    ) async throws -> Result {
        let registry = makeRegistry(scenario)
        let cluster = try makeCluster(scenario, registry: registry)
        let downBrokers = scenario.brokersDown == true ? try RefusingPorts(count: cluster.brokerCount) : nil
        let api = CDXAPIEmulator()
        if let phase = scenario.sharePhase { api.setRedeemedPhase(ConsumerShare.Phase(rawValue: phase.uppercased())) }
        for fault in scenario.apiFaults ?? [] {
            switch fault {
            case .rateLimited(let seconds): api.enqueue(.rateLimited(seconds: seconds))
            case .serverError: api.enqueue(.serverError(afterRedeeming: false))
            }
        }
        return try await LocalHTTPServer.withServers([
            (apiPort, { @Sendable request in api.handle(request) }),
            (0, { @Sendable request in registry.handle(request) }),
        ]) { servers in
            try await body(
                Sandbox(
                    scenario: scenario,
                    api: api,
                    schemaRegistry: registry,
                    cluster: cluster,
                    downBrokers: downBrokers,
                    apiServer: servers[0],
                    registryServer: servers[1]
                )
            )
        }
    }

    private static func makeCluster(
        _ scenario: Scenario,
        registry: SchemaRegistryEmulator
    ) throws -> MockKafkaCluster {
        let cluster = try MockKafkaCluster(brokers: max(1, scenario.brokers ?? 1))
        // Bulk topics are auto-created in one request; only other partition counts need the slow
        // per-topic control operation.
        let defaultPartitions = MockKafkaCluster.autoCreatedPartitions
        let existing = scenario.topics.filter { $0.fault != .missing }
        try cluster.autoCreateTopics(
            existing.filter { ($0.partitions ?? defaultPartitions) == defaultPartitions }.map(\.name)
        )
        for topic in existing where (topic.partitions ?? defaultPartitions) != defaultPartitions {
            try cluster.createTopic(topic.name, partitions: topic.partitions ?? defaultPartitions)
        }
        let startedMs = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        for topic in existing {
            var byPartition: [Int: [MockKafkaCluster.Record]] = [:]
            for record in topic.records ?? [] {
                let (key, value) = recordBytes(record, registry: registry)
                let timestamp = record.ageSeconds.map { startedMs - Int64(($0 * 1000).rounded()) }
                byPartition[record.partition ?? 0, default: []] += Array(
                    repeating: MockKafkaCluster.Record(key: key, value: value, timestampMs: timestamp),
                    count: max(record.count ?? 1, 0)
                )
            }
            for (partition, records) in byPartition.sorted(by: { $0.key < $1.key }) {
                try cluster.produce(topic: topic.name, partition: partition, records: records)
            }
        }
        for group in scenario.groups {
            var byGroup: [String: [(topic: String, partition: Int, offset: Int64)]] = [:]
            for commit in group.committed ?? [] {
                byGroup[commit.groupID ?? group.prefix + KafkaClientConfig.defaultGroupSuffix, default: []].append(
                    (commit.topic, commit.partition ?? 0, commit.offset)
                )
            }
            for (groupID, offsets) in byGroup { try cluster.commit(groupID: groupID, offsets: offsets) }
        }
        for topic in scenario.topics {
            switch topic.fault {
            case .missing: cluster.setTopicError(topic.name, .unknownTopicOrPartition)
            case .unauthorized: cluster.setTopicError(topic.name, .topicAuthorizationFailed)
            case nil: break
            }
        }
        for group in scenario.groups {
            switch group.fault {
            case .denied: cluster.pushRequestErrors(.offsetFetch, .groupAuthorizationFailed, count: 10_000)
            case .deniedCoordinator:
                cluster.pushRequestErrors(.findCoordinator, .groupAuthorizationFailed, count: 10_000)
            case nil: break
            }
        }
        if let rtt = scenario.brokerRTTMs, rtt > 0 { cluster.setRoundTripTime(milliseconds: rtt) }
        if !(scenario.downBrokers ?? []).isEmpty {
            // The mock places leaders at random: with a broker down, which partitions it leads must not
            // be left to chance. Partition p is led by broker p mod n + 1.
            for topic in existing {
                for partition in 0..<(topic.partitions ?? defaultPartitions) {
                    cluster.setLeader(
                        topic: topic.name,
                        partition: partition,
                        broker: Int32(partition % cluster.brokerCount + 1)
                    )
                }
            }
        }
        for id in scenario.downBrokers ?? [] where (1...cluster.brokerCount).contains(id) {
            cluster.setBroker(Int32(id), up: false)
        }
        return cluster
    }

    private static func makeRegistry(_ scenario: Scenario) -> SchemaRegistryEmulator {
        let registry = SchemaRegistryEmulator(
            apiKey: "SRKEY" + randomToken(bytes: 6).uppercased(),
            secret: Secret(randomToken(bytes: 32))
        )
        for subject in scenario.subjects {
            let fault: SchemaRegistryEmulator.Subject.Fault?
            switch subject.fault {
            case .missing: continue
            case .forbidden: fault = .forbidden
            case .serverError: fault = .serverError
            case nil: fault = nil
            }
            registry.register(
                .init(
                    name: subject.name,
                    schemaType: subject.schemaType ?? "AVRO",
                    fault: fault,
                    references: subject.references ?? []
                )
            )
        }
        if let delay = scenario.schemaRegistryDelayMs, delay > 0 { registry.setDelay(.milliseconds(delay)) }
        if let rate = scenario.schemaRegistryRateLimit, rate > 0 { registry.setRateLimit(requestsPerSecond: rate) }
        if scenario.schemaRegistryListing == false { registry.setListing(enabled: false) }
        if let seconds = scenario.keyActivationSeconds, seconds > 0 {
            registry.setKeyActivation(after: .milliseconds(Int64(seconds * 1000)))
        }
        if scenario.keysRevoked { registry.revokeKey() }
        return registry
    }

    /// The share the scenario describes, as the CDX API returns it.
    public func share() -> RedeemedShare {
        var resources: [SharedResource] = scenario.topics.map { .topic($0.name) }
        resources += scenario.groups.map { .group(prefix: $0.prefix) }
        resources += scenario.subjects.filter { $0.shared ?? true }.map { .subject($0.name) }
        return RedeemedShare(
            id: "dlz-sandbox-" + randomToken(bytes: 4).lowercased(),
            metadata: ObjectMetadata(
                selfURL: apiURL.absoluteString + "/cdx/v1/redeem-token-responses/rtr-sandbox",
                createdAt: Date().formatted(.iso8601)
            ),
            apiKey: "SANDBOXKEY" + randomToken(bytes: 4).uppercased(),
            secret: Secret(randomToken(bytes: 32)),
            kafkaBootstrapURL: bootstrapServers.split(separator: ",").map { "PLAINTEXT://\($0)" }.joined(
                separator: ","
            ),
            schemaRegistryAPIKey: schemaRegistry.apiKey,
            schemaRegistrySecret: schemaRegistry.secret,
            schemaRegistryURL: schemaRegistryURL.absoluteString,
            resources: resources
        )
    }

    /// Mints a fresh single-use token for the scenario's share.
    public func mintToken() throws -> Secret {
        try api.mintToken(for: share(), listing: scenario.listing())
    }
}

/// A scenario's record as bytes: a registry-encoded value carries the subject's schema id, then a
/// two-byte Avro string ("a").
private func recordBytes(
    _ record: Scenario.Topic.Record,
    registry: SchemaRegistryEmulator
) -> (key: [UInt8]?, value: [UInt8]?) {
    let payload: [UInt8] = [2, 0x61]
    let key = record.keySubject.map { wireFormat(registry.schemaID(of: $0) ?? 0, payload) }
    if let subject = record.valueSubject { return (key, wireFormat(registry.schemaID(of: subject) ?? 0, payload)) }
    if let id = record.valueSchemaID { return (key, wireFormat(id, payload)) }
    return (key, record.value.map { Array($0.utf8) })
}

/// Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), then the payload.
private func wireFormat(_ schemaID: Int, _ payload: [UInt8]) -> [UInt8] {
    [0] + withUnsafeBytes(of: UInt32(truncatingIfNeeded: schemaID).bigEndian, Array.init) + payload
}
