public import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the sandbox emulates: the cluster's topics and faults, the shared groups, the Schema
/// Registry's subjects and faults, and faults of the CDX API. Read from JSON (see
/// `Examples/scenarios/` and `docs/scenario.md`); ``healthy`` and ``faults`` are built in.
public struct Scenario: Sendable, Hashable, Codable {
    /// A topic of the cluster, shared unless `shared` is false.
    public struct Topic: Sendable, Hashable, Codable {
        /// What is wrong with the topic, if anything.
        public enum Fault: String, Sendable, Hashable, Codable {
            /// The share's key may not describe it (TOPIC_AUTHORIZATION_FAILED).
            case unauthorized
            /// Shared, but it does not exist (UNKNOWN_TOPIC_OR_PART).
            case missing
        }

        /// The topic name.
        public var name: String
        /// Partitions (default 4, which the mock cluster creates fastest).
        public var partitions: Int?
        /// A fault.
        public var fault: Fault?
        /// Records produced before anything connects (what `--deep` reads the schema ids of, and
        /// freshness and lag are measured on).
        public var records: [Record]?

        /// Creates a topic.
        public init(name: String, partitions: Int? = nil, fault: Fault? = nil, records: [Record]? = nil) {
            self.name = name
            self.partitions = partitions
            self.fault = fault
            self.records = records
        }
    }

    /// A shared consumer-group prefix.
    public struct Group: Sendable, Hashable, Codable {
        /// What is wrong, if anything. The mock cluster cannot tell groups apart: a fault applies
        /// to every group of the cluster.
        public enum Fault: String, Sendable, Hashable, Codable {
            /// OffsetFetch answers GROUP_AUTHORIZATION_FAILED.
            case denied
            /// FindCoordinator answers GROUP_AUTHORIZATION_FAILED.
            case deniedCoordinator = "denied_coordinator"
        }

        /// The group prefix.
        public var prefix: String
        /// A fault.
        public var fault: Fault?
        /// Offsets committed before anything connects (the consumers' progress, for `kafka.group.lag`).
        public var committed: [Commit]?

        /// Creates a group.
        public init(prefix: String, fault: Fault? = nil, committed: [Commit]? = nil) {
            self.prefix = prefix
            self.fault = fault
            self.committed = committed
        }
    }

    /// A shared Schema Registry subject.
    public struct Subject: Sendable, Hashable, Codable {
        /// What is wrong, if anything.
        public enum Fault: String, Sendable, Hashable, Codable {
            /// 403 / 40301.
            case forbidden
            /// Shared but not registered: 404 / 40401.
            case missing
            /// 500.
            case serverError = "server_error"
        }

        /// The subject.
        public var name: String
        /// `AVRO` (default), `JSON` or `PROTOBUF`.
        public var schemaType: String?
        /// A fault.
        public var fault: Fault?
        /// Subjects (version 1 of each) its schema references; list them as subjects too.
        public var references: [String]?
        /// Part of the share (default `true`); `false` registers it in the registry only, as the
        /// referenced subject a provider forgot to share.
        public var shared: Bool?

        /// Creates a subject.
        public init(
            name: String,
            schemaType: String? = nil,
            fault: Fault? = nil,
            references: [String]? = nil,
            shared: Bool? = nil
        ) {
            self.name = name
            self.schemaType = schemaType
            self.fault = fault
            self.references = references
            self.shared = shared
        }

        private enum CodingKeys: String, CodingKey {
            case name, fault, references, shared
            case schemaType = "schema_type"
        }
    }

    /// Faults of the CDX API, applied to the first redeem requests in order.
    public enum APIFault: Sendable, Hashable, Codable {
        /// 429 with `Retry-After: seconds`.
        case rateLimited(seconds: Int)
        /// 500 before redeeming.
        case serverError

        private enum CodingKeys: String, CodingKey {
            case kind, seconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .kind) {
            case "rate_limited":
                self = .rateLimited(seconds: try container.decodeIfPresent(Int.self, forKey: .seconds) ?? 1)
            case "server_error": self = .serverError
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .kind,
                    in: container,
                    debugDescription: "unknown API fault '\(other)' (rate_limited, server_error)"
                )
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .rateLimited(let seconds):
                try container.encode("rate_limited", forKey: .kind)
                try container.encode(seconds, forKey: .seconds)
            case .serverError:
                try container.encode("server_error", forKey: .kind)
            }
        }
    }

    /// The scenario's name.
    public var name: String
    /// What it shows.
    public var description: String?
    /// Mock brokers (default 1).
    public var brokers: Int?
    /// Added broker round-trip time in ms.
    public var brokerRTTMs: Int?
    /// All brokers refuse connections.
    public var brokersDown: Bool?
    /// These brokers (ids 1…``brokers``) refuse connections; the others answer. Metadata still
    /// lists them, as a real cluster lists a broker whose advertised name does not resolve or route
    /// from the consumer's network.
    public var downBrokers: [Int]?
    /// Added Schema Registry latency in ms.
    public var schemaRegistryDelayMs: Int?
    /// The Schema Registry's request limit per second (429 with `Retry-After` above it), as Confluent
    /// Cloud's registry limits reads (about 75 per second, shared by every key).
    public var schemaRegistryRateLimit: Double?
    /// `false`: the registry has no `GET /schemas` listing (404), as some registries; every subject
    /// is then read on its own.
    public var schemaRegistryListing: Bool?
    /// The share's keys are new: the Schema Registry refuses them (401) for this many seconds after
    /// their first use. (The mock cluster has no authentication; the wire tier of the tests models a
    /// new Kafka key.)
    public var keyActivationSeconds: Double?
    /// Topics.
    public var topics: [Topic]
    /// Shared group prefixes.
    public var groups: [Group]
    /// Shared subjects.
    public var subjects: [Subject]
    /// CDX API faults.
    public var apiFaults: [APIFault]?
    /// The cloud the shared resource runs in, as the API names it (default `AWS`).
    public var cloud: String?
    /// How the shared resource is reached (default: none, the public internet); `["PRIVATELINK"]` makes
    /// redeeming need the consumer's account for ``cloud`` and gives the share a ``network``.
    public var networkConnectionTypes: [String]?
    /// The private network of a PrivateLink share, in the API's shape (`…/{id}:network`); a PrivateLink
    /// share without one gets a generated network for its cloud.
    public var network: SharedNetwork?
    /// The status phase the CDX API gives a share once it is redeemed (default `ACTIVE`). `DEACTIVATED`
    /// or `EXPIRED` (the provider ended it) also revokes its keys: the Schema Registry refuses them
    /// (401). The mock cluster has no authentication: list the share's topics as `unauthorized` to see
    /// its Kafka side refused too.
    public var sharePhase: String?

    /// Creates a scenario.
    public init(
        name: String,
        description: String? = nil,
        brokers: Int? = nil,
        brokerRTTMs: Int? = nil,
        brokersDown: Bool? = nil,
        downBrokers: [Int]? = nil,
        schemaRegistryDelayMs: Int? = nil,
        keyActivationSeconds: Double? = nil,
        schemaRegistryRateLimit: Double? = nil,
        schemaRegistryListing: Bool? = nil,
        topics: [Topic],
        groups: [Group] = [],
        subjects: [Subject] = [],
        apiFaults: [APIFault]? = nil,
        cloud: String? = nil,
        networkConnectionTypes: [String]? = nil,
        network: SharedNetwork? = nil,
        sharePhase: String? = nil
    ) {
        self.name = name
        self.description = description
        self.brokers = brokers
        self.brokerRTTMs = brokerRTTMs
        self.brokersDown = brokersDown
        self.downBrokers = downBrokers
        self.schemaRegistryDelayMs = schemaRegistryDelayMs
        self.keyActivationSeconds = keyActivationSeconds
        self.schemaRegistryRateLimit = schemaRegistryRateLimit
        self.schemaRegistryListing = schemaRegistryListing
        self.topics = topics
        self.groups = groups
        self.subjects = subjects
        self.apiFaults = apiFaults
        self.cloud = cloud
        self.networkConnectionTypes = networkConnectionTypes
        self.network = network
        self.sharePhase = sharePhase
    }

    /// The share's keys were revoked with it (a deactivated or expired share).
    var keysRevoked: Bool { ["DEACTIVATED", "EXPIRED"].contains(sharePhase?.uppercased() ?? "") }

    private enum CodingKeys: String, CodingKey {
        case name, description, brokers, topics, groups, subjects
        case brokerRTTMs = "broker_rtt_ms"
        case brokersDown = "brokers_down"
        case downBrokers = "down_brokers"
        case schemaRegistryDelayMs = "schema_registry_delay_ms"
        case keyActivationSeconds = "key_activation_seconds"
        case schemaRegistryRateLimit = "schema_registry_rate_limit"
        case schemaRegistryListing = "schema_registry_listing"
        case apiFaults = "api_faults"
        case cloud, network
        case networkConnectionTypes = "network_connection_types"
        case sharePhase = "share_phase"
    }

    /// Everything passes: two topics, a group prefix, their value subjects.
    public static let healthy = Scenario(
        name: "healthy",
        description: "Every shared topic, group prefix and subject is reachable and authorized.",
        topics: [
            Topic(name: "orders", records: [Topic.Record(valueSubject: "orders-value")]),
            Topic(name: "payments", records: [Topic.Record(valueSubject: "payments-value")]),
        ],
        // The consumers have read everything written: no lag.
        groups: [Group(prefix: "share-orders-", committed: [Group.Commit(topic: "orders", offset: 1)])],
        subjects: [Subject(name: "orders-value"), Subject(name: "payments-value", schemaType: "JSON")]
    )

    /// At least one of every kind of failure: an unauthorized topic, a missing topic, a denied
    /// group, a forbidden subject, a missing subject, a topic whose subject is not shared.
    public static let faults = Scenario(
        name: "faults",
        description: "One healthy topic and subject next to every kind of failure, each with its hint.",
        topics: [
            Topic(name: "orders"),
            Topic(name: "payments", fault: .unauthorized),
            Topic(name: "audit", fault: .missing),
            Topic(name: "clicks", records: [Topic.Record(value: #"{"page":"/"}"#)]),
        ],
        groups: [Group(prefix: "share-orders-", fault: .denied)],
        subjects: [
            Subject(name: "orders-value"),
            Subject(name: "payments-value", fault: .forbidden),
            Subject(name: "audit-value", fault: .missing),
        ]
    )

    /// Bootstrap works, but one of three brokers cannot be reached: the partitions it leads would
    /// stall a consumer.
    public static let brokerDown = Scenario(
        name: "broker-down",
        description:
            "Three brokers; broker 3 cannot be reached after bootstrap, so the partitions it leads are unusable.",
        brokers: 3,
        downBrokers: [3],
        topics: [Topic(name: "orders", partitions: 6)],
        groups: [Group(prefix: "share-orders-")]
    )

    /// A share just redeemed whose new Schema Registry key becomes active 4 s after its first use:
    /// redeem-then-verify waits for it instead of reporting a wrong key.
    public static let newKey = Scenario(
        name: "new-key",
        description: "The new Schema Registry key is refused (401) for 4 s after its first use, as new keys are.",
        keyActivationSeconds: 4,
        topics: [Topic(name: "orders")],
        groups: [Group(prefix: "share-orders-")],
        subjects: [Subject(name: "orders-value")]
    )

    /// A shared subject whose schema references a subject the key may not read: consumers could not
    /// deserialize it, though the subject itself is readable.
    public static let deniedReference = Scenario(
        name: "denied-reference",
        description: "orders-value references common-address, which is not shared: no deserializer can build it.",
        topics: [Topic(name: "orders")],
        groups: [Group(prefix: "share-orders-")],
        subjects: [
            Subject(name: "orders-value", references: ["common-currency", "common-address"]),
            Subject(name: "common-currency", shared: false),
            Subject(name: "common-address", fault: .forbidden, shared: false),
        ]
    )

    /// The provider deactivated the share right after it was redeemed: its keys are refused, and the
    /// CDX API says `DEACTIVATED`. With Cloud API credentials, `verify` explains the refused keys by it.
    public static let deactivated = Scenario(
        name: "deactivated",
        description: "The provider deactivated the share after it was redeemed: its keys are refused.",
        topics: [Topic(name: "orders", fault: .unauthorized)],
        groups: [Group(prefix: "share-orders-", fault: .denied)],
        subjects: [Subject(name: "orders-value")],
        sharePhase: "DEACTIVATED"
    )

    /// The built-in scenarios by name.
    public static let builtIn: [String: Scenario] = [
        "healthy": .healthy, "faults": .faults, "broker-down": .brokerDown, "new-key": .newKey,
        "denied-reference": .deniedReference, "privatelink": .privateLink, "deactivated": .deactivated,
        "stale": .stale, "lagging": .lagging,
    ]

    /// A built-in scenario by name, or a scenario read from a JSON file.
    /// - Parameter nameOrPath: `healthy`, `faults`, or a path.
    /// - Throws: ``SandboxError`` naming the file and what is wrong.
    public static func load(_ nameOrPath: String) throws -> Scenario {
        if let builtIn = builtIn[nameOrPath] { return builtIn }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw SandboxError(
                "scenario '\(nameOrPath)' is neither built in (\(builtIn.keys.sorted().joined(separator: ", "))) nor a readable file"
            )
        }
        do {
            return try JSONDecoder().decode(Scenario.self, from: data)
        } catch let error as DecodingError {
            throw SandboxError("scenario file '\(nameOrPath)': \(ShareValidationErrorDescription.describe(error))")
        } catch {
            throw SandboxError("scenario file '\(nameOrPath)' is not valid JSON")
        }
    }
}
