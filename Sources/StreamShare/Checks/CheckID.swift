/// The stable id of a check, e.g. `kafka.topic`: the `id` of every ``CheckResult``.
///
/// Every check this version runs is declared here, and nowhere else (the `consumer_config.*` checks
/// of a consumer's own configuration below the others). In JSON an id is its text; a literal such as
/// `"kafka.topic"` reads as the same id.
public struct CheckID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The id as it appears in reports, e.g. `kafka.topic`.
    public let rawValue: String

    /// Creates an id from its text (any text: reports of newer versions may carry ids this one lacks).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Creates an id from a literal, e.g. `"kafka.topic"`.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// A Kafka host name of a privately networked share resolves, and only to private addresses (per
    /// host: the bootstrap hosts, then every broker's).
    public static let networkDNS = CheckID(rawValue: "network.dns")
    /// A broker is reachable and the SASL/PLAIN key is accepted.
    public static let kafkaConnect = CheckID(rawValue: "kafka.connect")
    /// Every broker of the cluster is reachable with the share's credentials (per broker: `<id> host:port`).
    public static let kafkaBroker = CheckID(rawValue: "kafka.broker")
    /// An override weakens TLS, or the configuration deserves attention (warnings only).
    public static let kafkaConfig = CheckID(rawValue: "kafka.config")
    /// A shared topic exists, is authorized and has leaders (per topic).
    public static let kafkaTopic = CheckID(rawValue: "kafka.topic")
    /// A bounded fetch proves READ on a shared topic (per topic, deep).
    public static let kafkaTopicRead = CheckID(rawValue: "kafka.topic.read")
    /// The newest record of a shared topic, across all its partitions, is younger than
    /// ``ShareVerifier/Options/Kafka/maxStaleness`` (per topic; an empty topic passes `no_records`).
    public static let kafkaTopicFreshness = CheckID(rawValue: "kafka.topic.freshness")
    /// A `group.id` under a shared prefix finds its coordinator and reads committed offsets (per prefix).
    public static let kafkaGroup = CheckID(rawValue: "kafka.group")
    /// The consumers' group (`<prefix><suffix>`) is at most ``ShareVerifier/Options/Kafka/maxLag`` records
    /// behind the high watermarks of the shared topics, in total (per prefix; read-only).
    public static let kafkaGroupLag = CheckID(rawValue: "kafka.group.lag")
    /// The group can really be joined, then is left (per prefix, deep).
    public static let kafkaGroupJoin = CheckID(rawValue: "kafka.group.join")
    /// The schema ids found in the records read from a topic (Confluent's wire format) can be read,
    /// as a deserializer reads them (per topic, deep).
    public static let schemaRegistryRecordSchema = CheckID(rawValue: "schema_registry.record_schema")
    /// The Schema Registry accepts the share's key.
    public static let schemaRegistryAuth = CheckID(rawValue: "schema_registry.auth")
    /// A shared subject's latest version and its schema are readable (per subject).
    public static let schemaRegistrySubject = CheckID(rawValue: "schema_registry.subject")
    /// A schema that a shared subject's latest schema references (directly or through another) is
    /// readable (per `subject@version`).
    public static let schemaRegistryReference = CheckID(rawValue: "schema_registry.reference")
    /// The share lists a resource kind this version cannot check (warning).
    public static let shareResource = CheckID(rawValue: "share.resource")
    /// A shared topic's value subject is not shared (warning).
    public static let shareSubjectCoverage = CheckID(rawValue: "share.subject_coverage")

    public var description: String { rawValue }

    /// A check of a consumer's own configuration (`consumer_config.*`): a mismatch there is the
    /// consumer's to fix, and waiting never changes it.
    public var isConsumerConfiguration: Bool { rawValue.hasPrefix("consumer_config.") }
}

extension CheckID {
    // A consumer's own configuration (ShareVerifier.verify(_:consumer:)), compared with the share.

    /// The consumer's `bootstrap.servers` are the share's.
    public static let consumerBootstrap = CheckID(rawValue: "consumer_config.bootstrap_servers")
    /// The consumer's `security.protocol` is the share's (SASL_SSL).
    public static let consumerSecurityProtocol = CheckID(rawValue: "consumer_config.security_protocol")
    /// The consumer's SASL mechanism is PLAIN, in its client's spelling.
    public static let consumerMechanism = CheckID(rawValue: "consumer_config.sasl_mechanism")
    /// The consumer's SASL username and password are the share's key and secret (compared, never shown).
    public static let consumerCredentials = CheckID(rawValue: "consumer_config.credentials")
    /// The consumer's `group.id` is under a shared group prefix.
    public static let consumerGroup = CheckID(rawValue: "consumer_config.group_id")
    /// The consumer's configuration does not weaken TLS verification.
    public static let consumerTLS = CheckID(rawValue: "consumer_config.tls")
    /// The consumer's Schema Registry URL and credentials are the share's.
    public static let consumerSchemaRegistry = CheckID(rawValue: "consumer_config.schema_registry")
    /// A key the consumer's client does not know, or spells another way (per key).
    public static let consumerProperty = CheckID(rawValue: "consumer_config.property")
}
