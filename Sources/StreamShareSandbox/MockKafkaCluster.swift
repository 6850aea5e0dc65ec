import CRdKafka
import CRdKafka.Mock
import RdKafka
import Synchronization

/// librdkafka's in-process mock cluster, for the sandbox and the tests: real Kafka protocol on
/// loopback, with topics, authorization errors, request errors, broker outages and latency.
///
/// It has no TLS and no SASL: clients connect with `PLAINTEXT` to ``bootstrapServers``.
///
/// Every call into the mock goes through one lock. The sandbox is the only code that sees librdkafka's
/// mock API (`CRdKafka.Mock`); the library that users link never does.
@_spi(Sandbox)
public final class MockKafkaCluster: Sendable {
    /// Broker-side error codes the sandbox injects.
    public enum ErrorCode: Sendable, Hashable {
        /// 29: the principal may not describe/read the topic.
        case topicAuthorizationFailed
        /// 3: the topic does not exist.
        case unknownTopicOrPartition
        /// 30: the principal may not use the group.
        case groupAuthorizationFailed
        /// 15: no coordinator.
        case coordinatorNotAvailable

        var raw: rd_kafka_resp_err_t {
            switch self {
            case .topicAuthorizationFailed: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED
            case .unknownTopicOrPartition: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
            case .groupAuthorizationFailed: RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED
            case .coordinatorNotAvailable: RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE
            }
        }
    }

    /// Kafka API keys whose requests can be made to fail.
    public enum APIKey: Int16, Sendable {
        /// Fetch.
        case fetch = 1
        /// OffsetFetch.
        case offsetFetch = 9
        /// FindCoordinator.
        case findCoordinator = 10
        /// JoinGroup.
        case joinGroup = 11
    }

    // The owning handle and the cluster it hosts; both destroyed in deinit, cluster first.
    private let ownerPointer: RdKafkaPointer
    private let clusterPointer: RdKafkaPointer
    private var owner: OpaquePointer { ownerPointer.raw }
    private var cluster: OpaquePointer { clusterPointer.raw }
    private let lock = Mutex(())

    /// `host:port,…` of the mock brokers.
    public let bootstrapServers: String
    /// Number of brokers.
    public let brokerCount: Int

    /// Starts a mock cluster.
    /// - Parameter brokers: Number of brokers (ids 1…n).
    public init(brokers: Int = 1) throws {
        let conf = RdKafkaConfiguration()
        try? conf.set(RdKafkaProperty("log_level", "0"))
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let raw = conf.release()
        rd_kafka_conf_set_log_cb(raw) { _, _, _, _ in }
        guard let owner = rd_kafka_new(RD_KAFKA_PRODUCER, raw, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(raw)
            throw MockClusterError(message: errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        guard let cluster = rd_kafka_mock_cluster_new(owner, Int32(brokers)) else {
            rd_kafka_destroy(owner)
            throw MockClusterError(message: "rd_kafka_mock_cluster_new failed")
        }
        self.ownerPointer = RdKafkaPointer(owner)
        self.clusterPointer = RdKafkaPointer(cluster)
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    /// Creates a topic.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let error = lock.withLock { _ in
            rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(replicationFactor, brokerCount)))
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw MockClusterError(
                message: "cannot create topic '\(name)': \(String(cString: rd_kafka_err2str(error)))"
            )
        }
    }

    /// The partition count of topics the mock creates on demand.
    public static let autoCreatedPartitions = 4

    /// Creates many topics at once (with ``autoCreatedPartitions`` partitions each) by asking for
    /// their metadata from a client that allows auto-creation: the mock creates every topic named
    /// in a request. Far faster than ``createTopic(_:partitions:replicationFactor:)`` in bulk, whose
    /// control operations each wait for the mock's event loop to wake up.
    public func autoCreateTopics(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        let client = try makeClient(
            RD_KAFKA_PRODUCER,
            [RdKafkaProperty("allow.auto.create.topics", "true")],
            purpose: "the seeding client"
        )
        defer { rd_kafka_destroy(client) }
        let topics = names.compactMap { rd_kafka_topic_new(client, $0, nil) }
        defer { topics.forEach { rd_kafka_topic_destroy($0) } }
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let error = rd_kafka_metadata(client, 0, nil, &metadata, 30_000)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw MockClusterError(message: "auto-creating topics failed: \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// A record to produce: its key (nil: none), value (nil: a tombstone) and CreateTime.
    public struct Record: Sendable {
        /// The key; nil: none.
        public var key: [UInt8]?
        /// The value; nil: a tombstone.
        public var value: [UInt8]?
        /// Milliseconds since the Unix epoch; nil: now.
        public var timestampMs: Int64?

        /// Creates a record.
        public init(key: [UInt8]?, value: [UInt8]?, timestampMs: Int64? = nil) {
            self.key = key
            self.value = value
            self.timestampMs = timestampMs
        }
    }

    /// Produces records into one partition of a topic and waits until the cluster has them all.
    /// - Parameter records: Each record's key (nil: none) and value (nil: a tombstone).
    public func produce(topic: String, partition: Int, records: [(key: [UInt8]?, value: [UInt8]?)]) throws {
        try produce(topic: topic, partition: partition, records: records.map { Record(key: $0.key, value: $0.value) })
    }

    /// Produces records, each with its CreateTime, into one partition of a topic and waits until the
    /// cluster has them all.
    public func produce(topic: String, partition: Int, records: [Record]) throws {
        guard !records.isEmpty else { return }
        let client = try makeClient(RD_KAFKA_PRODUCER, [], purpose: "the producing client")
        defer { rd_kafka_destroy(client) }
        for record in records {
            var value = record.value ?? []
            var key = record.key ?? []
            let error = value.withUnsafeMutableBytes { valueBytes in
                key.withUnsafeMutableBytes { keyBytes in
                    cdx_produce_at(
                        client,
                        topic,
                        Int32(partition),
                        record.value == nil ? nil : valueBytes.baseAddress,
                        record.value == nil ? 0 : valueBytes.count,
                        record.key == nil ? nil : keyBytes.baseAddress,
                        record.key == nil ? 0 : keyBytes.count,
                        record.timestampMs ?? 0
                    )
                }
            }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw MockClusterError(
                    message: "cannot produce to '\(topic)': \(String(cString: rd_kafka_err2str(error)))"
                )
            }
        }
        let error = rd_kafka_flush(client, 30_000)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw MockClusterError(
                message: "producing to '\(topic)' failed: \(String(cString: rd_kafka_err2str(error)))"
            )
        }
    }

    /// Commits offsets for a consumer group, as a consumer outside any generation does (no join):
    /// what the group's committed offsets then read.
    public func commit(groupID: String, offsets: [(topic: String, partition: Int, offset: Int64)]) throws {
        guard !offsets.isEmpty else { return }
        let client = try makeClient(
            RD_KAFKA_CONSUMER,
            [RdKafkaProperty("group.id", groupID)],
            purpose: "the committing client"
        )
        defer { rd_kafka_destroy(client) }
        guard let list = rd_kafka_topic_partition_list_new(Int32(offsets.count)) else {
            throw MockClusterError(message: "cannot commit for group '\(groupID)'")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (topic, partition, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, topic, Int32(partition))?.pointee.offset = offset
        }
        let error = rd_kafka_commit(client, list, 0)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw MockClusterError(
                message: "committing for group '\(groupID)' failed: \(String(cString: rd_kafka_err2str(error)))"
            )
        }
    }

    /// A silent client bootstrapped to the cluster; the caller destroys it.
    private func makeClient(
        _ type: rd_kafka_type_t,
        _ properties: [RdKafkaProperty],
        purpose: String
    ) throws -> OpaquePointer {
        let conf = RdKafkaConfiguration()
        try? conf.apply(
            [RdKafkaProperty("bootstrap.servers", bootstrapServers), RdKafkaProperty("log_level", "0")] + properties
        )
        let raw = conf.release()
        rd_kafka_conf_set_log_cb(raw) { _, _, _, _ in }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let client = rd_kafka_new(type, raw, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(raw)
            throw MockClusterError(message: "cannot create \(purpose)")
        }
        return client
    }

    /// Makes metadata for a topic carry an error (the mock otherwise auto-creates unknown topics).
    public func setTopicError(_ name: String, _ code: ErrorCode?) {
        lock.withLock { _ in rd_kafka_mock_topic_set_error(cluster, name, code?.raw ?? RD_KAFKA_RESP_ERR_NO_ERROR) }
    }

    /// Makes the next `count` requests of a type fail with `code`.
    public func pushRequestErrors(_ apiKey: APIKey, _ code: ErrorCode, count: Int) {
        let errors = [rd_kafka_resp_err_t](repeating: code.raw, count: count)
        lock.withLock { _ in
            errors.withUnsafeBufferPointer { buffer in
                rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, buffer.count, buffer.baseAddress)
            }
        }
    }

    /// Makes `broker` the leader of one partition.
    public func setLeader(topic: String, partition: Int, broker: Int32) {
        lock.withLock { _ in _ = rd_kafka_mock_partition_set_leader(cluster, topic, Int32(partition), broker) }
    }

    /// Takes a broker down (connections refused) or brings it back.
    ///
    /// Taking a broker down holds its port meanwhile (``BrokerPortGuard``): librdkafka 2.0.2 re-binds
    /// it then, and aborts the process if another took it.
    public func setBroker(_ id: Int32, up: Bool) {
        lock.withLock { _ in
            if up {
                _ = rd_kafka_mock_broker_set_up(cluster, id)
            } else {
                // A busy machine may keep the mock from answering in time: try again (a broker already
                // down refuses at once, and needs no guard).
                var held: BrokerPortGuard? = nil
                for _ in 0..<3 where held == nil { held = brokerPort(id).flatMap { BrokerPortGuard(port: $0) } }
                _ = rd_kafka_mock_broker_set_down(cluster, id)
                withExtendedLifetime(held) {}
            }
        }
    }

    /// The port of broker `id` (1…n): the mock lists its brokers by id in ``bootstrapServers``.
    func brokerPort(_ id: Int32) -> UInt16? {
        let listeners = bootstrapServers.split(separator: ",")
        guard (1...listeners.count).contains(Int(id)), let colon = listeners[Int(id) - 1].lastIndex(of: ":") else {
            return nil
        }
        return UInt16(listeners[Int(id) - 1][listeners[Int(id) - 1].index(after: colon)...])
    }

    /// Adds round-trip latency to every broker's responses.
    public func setRoundTripTime(milliseconds: Int) {
        lock.withLock { _ in _ = rd_kafka_mock_broker_set_rtt(cluster, -1, Int32(milliseconds)) }
    }
}

/// The mock cluster could not be started or changed.
@_spi(Sandbox)
public struct MockClusterError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    public var description: String { message }
}
