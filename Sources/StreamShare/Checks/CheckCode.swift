/// The machine-readable reason of a check's outcome, e.g. `unauthorized`: the `code` of every
/// ``CheckResult``.
///
/// The codes this version emits are declared here; match on them (`check.code == .unauthorized`)
/// rather than on text. In JSON a code is its text, and a report of a newer version may carry codes
/// this one lacks. A literal such as `"unauthorized"` reads as the same code.
public struct CheckCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The code as it appears in reports, e.g. `not_found`.
    public let rawValue: String

    /// Creates a code from its text (any text).
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Creates a code from a literal, e.g. `"timeout"`.
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }
}

// Passing outcomes.
extension CheckCode {
    /// The check proved what it checks.
    public static let ok = CheckCode(rawValue: "ok")
    /// The Kafka key was accepted (`kafka.connect`, `kafka.broker`).
    public static let authenticated = CheckCode(rawValue: "authenticated")
    /// The Schema Registry accepted the key (`schema_registry.auth`).
    public static let authorized = CheckCode(rawValue: "authorized")
    /// A broker accepted a connection (a PLAINTEXT sandbox, without authentication).
    public static let connected = CheckCode(rawValue: "connected")
    /// Connected over PLAINTEXT, allowed for the local sandbox (a warning).
    public static let connectedPlaintext = CheckCode(rawValue: "connected_plaintext")
    /// A broker answered (`kafka.broker`).
    public static let reachable = CheckCode(rawValue: "reachable")
    /// A bounded fetch read the topic (`kafka.topic.read`), or a schema was read.
    public static let readable = CheckCode(rawValue: "readable")
    /// The probe group was joined, then left (`kafka.group.join`).
    public static let joined = CheckCode(rawValue: "joined")
    /// A host name resolves to private addresses only (`network.dns`).
    public static let `private` = CheckCode(rawValue: "private")
    /// The topic's newest record is younger than the limit (`kafka.topic.freshness`).
    public static let fresh = CheckCode(rawValue: "fresh")
    /// The topic holds no record: nothing can be stale (`kafka.topic.freshness`, a pass).
    public static let noRecords = CheckCode(rawValue: "no_records")
    /// The group's lag is within the limit (`kafka.group.lag`).
    public static let withinLimit = CheckCode(rawValue: "within_limit")
    /// The group committed nothing on the shared topics (`kafka.group.lag`: unknown, not behind).
    public static let noCommit = CheckCode(rawValue: "no_commit")
    /// The records read carry no schema id of Confluent's wire format (`schema_registry.record_schema`).
    public static let notRegistryEncoded = CheckCode(rawValue: "not_registry_encoded")
}

// Why a check did not run, or ran out of time.
extension CheckCode {
    /// Not run: a check it depends on did not pass.
    public static let notChecked = CheckCode(rawValue: "not_checked")
    /// The deadline came first, or a server did not answer in time.
    public static let timeout = CheckCode(rawValue: "timeout")
    /// Connecting was not tried: the consumer's own configuration would have sent the share's key
    /// somewhere unsafe.
    public static let credentialsWithheld = CheckCode(rawValue: "credentials_withheld")
}

// Connections: the stage at which a Kafka or Schema Registry connection failed.
extension CheckCode {
    /// A host name does not resolve.
    public static let dns = CheckCode(rawValue: "dns")
    /// No TCP connection (refused, unreachable).
    public static let tcp = CheckCode(rawValue: "tcp")
    /// The TLS handshake failed (certificate, host name, protocol).
    public static let tls = CheckCode(rawValue: "tls")
    /// The key or secret was not accepted (SASL/PLAIN).
    public static let authentication = CheckCode(rawValue: "authentication")
    /// librdkafka gave up on every bootstrap broker.
    public static let allBrokersDown = CheckCode(rawValue: "all_brokers_down")
    /// The Schema Registry could not be connected to.
    public static let connect = CheckCode(rawValue: "connect")
    /// A connection broke before the answer came.
    public static let connectionLost = CheckCode(rawValue: "connection_lost")
    /// A host name resolves to a public address, but the share is privately networked (`network.dns`).
    public static let publicAddress = CheckCode(rawValue: "public_address")
    /// A host name of a privately networked share does not resolve (`network.dns`).
    public static let notResolved = CheckCode(rawValue: "not_resolved")
}

// Access and resources.
extension CheckCode {
    /// The key may not read the resource (topic, group, subject), or the registry refused the key.
    public static let unauthorized = CheckCode(rawValue: "unauthorized")
    /// The registry accepted the key, but it may not read this (HTTP 403).
    public static let forbidden = CheckCode(rawValue: "forbidden")
    /// The topic does not exist.
    public static let notFound = CheckCode(rawValue: "not_found")
    /// The topic is not in the cluster's metadata for this key.
    public static let notVisible = CheckCode(rawValue: "not_visible")
    /// A partition has no leader (a warning).
    public static let leaderless = CheckCode(rawValue: "leaderless")
    /// A partition's leader cannot be reached.
    public static let leaderUnreachable = CheckCode(rawValue: "leader_unreachable")
    /// The group's coordinator is not available.
    public static let coordinatorUnavailable = CheckCode(rawValue: "coordinator_unavailable")
    /// The topic's newest record is older than the limit (`kafka.topic.freshness`).
    public static let stale = CheckCode(rawValue: "stale")
    /// No latest record carries a timestamp (`kafka.topic.freshness`, a warning).
    public static let noTimestamps = CheckCode(rawValue: "no_timestamps")
    /// The group is more records behind than the limit (`kafka.group.lag`).
    public static let lag = CheckCode(rawValue: "lag")
    /// Another Kafka error, named in `details`.
    public static let error = CheckCode(rawValue: "error")
    /// librdkafka could not create a client (an override or the CA file it refuses).
    public static let clientError = CheckCode(rawValue: "client_error")
}

// The Schema Registry.
extension CheckCode {
    /// The subject does not exist (40401).
    public static let subjectNotFound = CheckCode(rawValue: "subject_not_found")
    /// The subject has no readable latest version (40402).
    public static let versionNotFound = CheckCode(rawValue: "version_not_found")
    /// The schema cannot be read (40403).
    public static let schemaNotFound = CheckCode(rawValue: "schema_not_found")
    /// A schema that a shared subject's schema references cannot be read.
    public static let referenceUnreadable = CheckCode(rawValue: "reference_unreadable")
    /// The registry kept answering HTTP 429 until the deadline.
    public static let rateLimited = CheckCode(rawValue: "rate_limited")
    /// The verification's own request budget ran out before the check (a warning).
    public static let rateBudget = CheckCode(rawValue: "rate_budget")
    /// The registry answered HTTP 5xx.
    public static let serverError = CheckCode(rawValue: "server_error")
    /// The answer is not what a Schema Registry sends.
    public static let invalidResponse = CheckCode(rawValue: "invalid_response")
    /// The registry answered an HTTP status no other code covers: `http_<status>`, e.g. `http_409`.
    public static func http(_ status: Int) -> CheckCode { CheckCode(rawValue: "http_\(status)") }
    /// The URL does not lead to a Schema Registry.
    public static let notARegistry = CheckCode(rawValue: "not_a_registry")
    /// The answer exceeded the size limit.
    public static let responseTooLarge = CheckCode(rawValue: "response_too_large")
    /// The registry URL cannot be used.
    public static let invalidURL = CheckCode(rawValue: "invalid_url")
}

// The share and the configuration.
extension CheckCode {
    /// The share lists a resource kind this version cannot check (`share.resource`, a warning).
    public static let unsupportedKind = CheckCode(rawValue: "unsupported_kind")
    /// A shared topic's value subject is not shared (`share.subject_coverage`, a warning).
    public static let valueSubjectNotShared = CheckCode(rawValue: "value_subject_not_shared")
    /// The share lists subjects but no Schema Registry (`schema_registry.auth`).
    public static let notConfigured = CheckCode(rawValue: "not_configured")
    /// An override or the configuration deserves attention (`kafka.config`, a warning).
    public static let configWarning = CheckCode(rawValue: "config_warning")
}

// A consumer's own configuration (`consumer_config.*`).
extension CheckCode {
    /// A property the share needs is missing.
    public static let missingProperty = CheckCode(rawValue: "missing_property")
    /// A value differs from the share's.
    public static let differs = CheckCode(rawValue: "differs")
    /// The `group.id` is outside every shared prefix.
    public static let outsidePrefix = CheckCode(rawValue: "outside_prefix")
    /// The configuration names a Schema Registry the share does not have.
    public static let notShared = CheckCode(rawValue: "not_shared")
    /// A key is spelt the way another client spells it.
    public static let misspelt = CheckCode(rawValue: "misspelt")
    /// A librdkafka key in a Java client's configuration, which ignores it.
    public static let librdkafkaKey = CheckCode(rawValue: "librdkafka_key")
    /// A key the consumer's client does not know.
    public static let unknownProperty = CheckCode(rawValue: "unknown_property")
    /// A value the consumer's client would refuse.
    public static let invalidValue = CheckCode(rawValue: "invalid_value")
    /// SASL_PLAINTEXT: the password would cross the network in clear text.
    public static let noTLS = CheckCode(rawValue: "no_tls")
    /// Certificate or host-name verification is turned off.
    public static let tlsWeakened = CheckCode(rawValue: "tls_weakened")
    /// A property this tool refuses to use with the share's key (a plugin, a command, …).
    public static let refused = CheckCode(rawValue: "refused")
}
