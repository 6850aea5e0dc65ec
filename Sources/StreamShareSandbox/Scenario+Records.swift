import StreamShare

extension Scenario.Topic {
    /// A record the sandbox produces into the topic before anything connects.
    public struct Record: Sendable, Hashable, Codable {
        /// The value in Confluent's wire format, with the schema id of this subject.
        public var valueSubject: String?
        /// The value in the wire format with this schema id (one the registry may not have).
        public var valueSchemaID: Int?
        /// A value that is not registry-encoded (these bytes as UTF-8).
        public var value: String?
        /// The key in the wire format, with the schema id of this subject (else no key).
        public var keySubject: String?
        /// The partition (default 0).
        public var partition: Int?
        /// The record's CreateTime lies this many seconds before the sandbox starts (default: none,
        /// it is written then). A negative age puts it in the future, as a producer's fast clock does.
        public var ageSeconds: Double?
        /// Write the record this many times (default 1), with the same fields and timestamp.
        public var count: Int?

        /// Creates a record: set one of the value fields.
        public init(
            valueSubject: String? = nil,
            valueSchemaID: Int? = nil,
            value: String? = nil,
            keySubject: String? = nil,
            partition: Int? = nil,
            ageSeconds: Double? = nil,
            count: Int? = nil
        ) {
            self.valueSubject = valueSubject
            self.valueSchemaID = valueSchemaID
            self.value = value
            self.keySubject = keySubject
            self.partition = partition
            self.ageSeconds = ageSeconds
            self.count = count
        }

        private enum CodingKeys: String, CodingKey {
            case value, partition, count
            case valueSubject = "value_subject"
            case valueSchemaID = "value_schema_id"
            case keySubject = "key_subject"
            case ageSeconds = "age_seconds"
        }
    }
}

extension Scenario.Group {
    /// An offset the group committed: where its consumers are.
    public struct Commit: Sendable, Hashable, Codable {
        /// The topic.
        public var topic: String
        /// The partition (default 0).
        public var partition: Int?
        /// The offset committed (the next record the group reads).
        public var offset: Int64
        /// The group that committed (default: the prefix followed by `consumer`, the group the
        /// verification checks by default).
        public var groupID: String?

        /// Creates a commit.
        public init(topic: String, partition: Int? = nil, offset: Int64, groupID: String? = nil) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
            self.groupID = groupID
        }

        private enum CodingKeys: String, CodingKey {
            case topic, partition, offset
            case groupID = "group_id"
        }
    }
}

extension Scenario {
    /// The provider stopped writing `orders` three hours ago; `payments` is written now.
    public static let stale = Scenario(
        name: "stale",
        description: "orders was last written 3 h ago: fails --max-staleness (the demo's 1h); payments is fresh.",
        topics: [
            Topic(name: "orders", records: [Topic.Record(valueSubject: "orders-value", ageSeconds: 3 * 3600)]),
            Topic(name: "payments", records: [Topic.Record(valueSubject: "payments-value")]),
        ],
        groups: [Group(prefix: "share-orders-")],
        subjects: [Subject(name: "orders-value"), Subject(name: "payments-value", schemaType: "JSON")]
    )

    /// The consumers' group stopped two hours ago: 231 records of `orders` are unread.
    public static let lagging = Scenario(
        name: "lagging",
        description: "share-orders-consumer is 231 records (2 h) behind on orders: fails --max-lag (the demo's 100).",
        topics: [
            Topic(
                name: "orders",
                records: [
                    Topic.Record(value: "read", ageSeconds: 3 * 3600, count: 20),
                    Topic.Record(value: "unread", ageSeconds: 2 * 3600, count: 230),
                    Topic.Record(value: "new"),
                ]
            )
        ],
        groups: [Group(prefix: "share-orders-", committed: [Group.Commit(topic: "orders", offset: 20)])]
    )
}
