#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What redeeming a share token returns (`cdx.v1.RedeemTokenResponse`): the credentials and
/// endpoints of the shared cluster and Schema Registry, and the shared resources.
///
/// JSON field names are exactly those of the API (`api_key`, `kafka_bootstrap_url`, …), so a share
/// file is the redeem response as received. The API marks no field as required; this type requires
/// the ones a consumer cannot work without (`api_key`, `secret`, `kafka_bootstrap_url` and at least
/// one resource) and names the field when one is missing.
///
/// Secrets are ``Secret`` values: printing, interpolating, dumping or reflecting a share never shows
/// them.
public struct RedeemedShare: Sendable, Hashable {
    /// The object's identifier (e.g. `dlz-f3a90de`).
    public var id: String?
    /// `cdx/v1`.
    public var apiVersion: String?
    /// `RedeemTokenResponse`.
    public var kind: String?
    /// Object metadata.
    public var metadata: ObjectMetadata?
    /// The Kafka API key (SASL/PLAIN user name).
    public var apiKey: String
    /// The Kafka API secret (SASL/PLAIN password).
    public var secret: Secret
    /// The bootstrap URL as the API returns it, e.g. `SASL://pkc-xxxxx.us-west-2.aws.confluent.cloud:9092`.
    public var kafkaBootstrapURL: String
    /// The Schema Registry API key.
    public var schemaRegistryAPIKey: String?
    /// The Schema Registry API secret.
    public var schemaRegistrySecret: Secret?
    /// The Schema Registry endpoint, e.g. `https://psrc-xxxxx.us-west-2.aws.confluent.cloud`.
    public var schemaRegistryURL: String?
    /// The shared resources, in the order the API listed them (never empty).
    public var resources: [SharedResource]

    /// Creates a share.
    public init(
        id: String? = nil,
        apiVersion: String? = "cdx/v1",
        kind: String? = "RedeemTokenResponse",
        metadata: ObjectMetadata? = nil,
        apiKey: String,
        secret: Secret,
        kafkaBootstrapURL: String,
        schemaRegistryAPIKey: String? = nil,
        schemaRegistrySecret: Secret? = nil,
        schemaRegistryURL: String? = nil,
        resources: [SharedResource]
    ) {
        self.id = id
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.apiKey = apiKey
        self.secret = secret
        self.kafkaBootstrapURL = kafkaBootstrapURL
        self.schemaRegistryAPIKey = schemaRegistryAPIKey
        self.schemaRegistrySecret = schemaRegistrySecret
        self.schemaRegistryURL = schemaRegistryURL
        self.resources = resources
    }

    /// The shared topic names, in order.
    public var topics: [String] {
        resources.compactMap { if case .topic(let name) = $0 { name } else { nil } }
    }

    /// The shared consumer-group prefixes, in order.
    public var groupPrefixes: [String] {
        resources.compactMap { if case .group(let prefix) = $0 { prefix } else { nil } }
    }

    /// The shared Schema Registry subjects, in order.
    public var subjects: [String] {
        resources.compactMap { if case .subject(let name) = $0 { name } else { nil } }
    }

    /// Resources of kinds this version does not understand; reported as unsupported, never dropped.
    public var unsupportedResources: [SharedResource] {
        resources.filter { if case .unknown = $0 { true } else { false } }
    }
}

extension RedeemedShare: Codable {
    private enum CodingKeys: String, CodingKey {
        case id
        case apiVersion = "api_version"
        case kind
        case metadata
        case apiKey = "api_key"
        case secret
        case kafkaBootstrapURL = "kafka_bootstrap_url"
        case schemaRegistryAPIKey = "schema_registry_api_key"
        case schemaRegistrySecret = "schema_registry_secret"
        case schemaRegistryURL = "schema_registry_url"
        case resources
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decodeIfPresent(String.self, forKey: .id)
        self.apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        self.kind = try container.decodeIfPresent(String.self, forKey: .kind)
        if let kind, kind != "RedeemTokenResponse" {
            throw DecodingError.dataCorruptedError(
                forKey: .kind,
                in: container,
                debugDescription: "expected \"RedeemTokenResponse\", found \"\(kind)\""
            )
        }
        self.metadata = try container.decodeIfPresent(ObjectMetadata.self, forKey: .metadata)
        self.apiKey = try Self.nonEmpty(container.decode(String.self, forKey: .apiKey), .apiKey, container)
        self.secret = try container.decode(Secret.self, forKey: .secret)
        if secret.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .secret, in: container, debugDescription: "is empty")
        }
        self.kafkaBootstrapURL = try Self.nonEmpty(
            container.decode(String.self, forKey: .kafkaBootstrapURL),
            .kafkaBootstrapURL,
            container
        )
        self.schemaRegistryAPIKey = try container.decodeIfPresent(String.self, forKey: .schemaRegistryAPIKey)
        self.schemaRegistrySecret = try container.decodeIfPresent(Secret.self, forKey: .schemaRegistrySecret)
        self.schemaRegistryURL = try container.decodeIfPresent(String.self, forKey: .schemaRegistryURL)
        self.resources = try container.decode([SharedResource].self, forKey: .resources)
        if resources.isEmpty {
            throw DecodingError.dataCorruptedError(
                forKey: .resources,
                in: container,
                debugDescription: "is empty; a share lists at least one resource (minItems: 1)"
            )
        }
    }

    private static func nonEmpty(
        _ value: String,
        _ key: CodingKeys,
        _ container: KeyedDecodingContainer<CodingKeys>
    ) throws -> String {
        if value.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "is empty")
        }
        return value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(apiVersion, forKey: .apiVersion)
        try container.encodeIfPresent(kind, forKey: .kind)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(metadata, forKey: .metadata)
        try container.encode(apiKey, forKey: .apiKey)
        try container.encode(secret, forKey: .secret)
        try container.encode(kafkaBootstrapURL, forKey: .kafkaBootstrapURL)
        try container.encodeIfPresent(schemaRegistryAPIKey, forKey: .schemaRegistryAPIKey)
        try container.encodeIfPresent(schemaRegistrySecret, forKey: .schemaRegistrySecret)
        try container.encodeIfPresent(schemaRegistryURL, forKey: .schemaRegistryURL)
        try container.encode(resources, forKey: .resources)
    }
}

extension RedeemedShare {
    /// Decodes and validates a redeem response or a share file.
    ///
    /// A key that appears twice in one object (two `secret`s, say) is refused, naming it: JSON readers
    /// disagree on which copy counts.
    ///
    /// Beyond the JSON structure this checks that the bootstrap URL can be turned into
    /// `bootstrap.servers` and that a share with subjects carries a Schema Registry URL and key. To keep
    /// what was parsed, decode a ``PreparedShare`` instead.
    /// - Parameter data: The JSON document.
    /// - Throws: ``ShareValidationError`` naming the offending field.
    public init(jsonData data: Data) throws(ShareValidationError) {
        self = try PreparedShare(jsonData: data).share
    }

    /// Decodes without validating what decoding cannot check.
    init(decoding data: Data) throws(ShareValidationError) {
        if let repeated = DuplicateKeys.first(in: Array(data)) {
            throw ShareValidationError(
                field: repeated,
                reason: "appears more than once; the share is ambiguous (JSON readers keep different copies)"
            )
        }
        do {
            self = try JSONDecoder().decode(RedeemedShare.self, from: data)
        } catch let error as DecodingError {
            throw ShareValidationError(error)
        } catch {
            throw ShareValidationError(field: nil, reason: "is not valid JSON")
        }
    }

    /// Checks what decoding alone cannot: a usable bootstrap URL, usable Schema Registry settings, and
    /// a Schema Registry for shared subjects.
    /// - Returns: The share with its parsed endpoints, so that nothing parses it again.
    /// - Throws: ``ShareValidationError`` naming the offending field.
    @discardableResult
    public func validate() throws(ShareValidationError) -> PreparedShare {
        let prepared = try PreparedShare(self)
        if !subjects.isEmpty, prepared.schemaRegistry == nil {
            throw ShareValidationError(
                field: "schema_registry_url",
                reason: "is missing, but the share lists \(subjects.count) Schema Registry subject(s)"
            )
        }
        return prepared
    }

    /// The share as pretty-printed JSON with the API's field names, secrets included (for the share file).
    public func jsonData() throws -> Data {
        try PrettyJSON.encode(self)
    }
}

extension RedeemedShare: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        let kinds = Dictionary(grouping: resources, by: \.kind).map { "\($0.value.count) \($0.key)" }.sorted()
        return "RedeemedShare(id: \(id ?? "-"), api_key: \(apiKey), secret: \(secret), "
            + "kafka_bootstrap_url: \(kafkaBootstrapURL), schema_registry_url: \(schemaRegistryURL.map(SchemaRegistryConfig.printable) ?? "-"), "
            + "schema_registry_api_key: \(schemaRegistryAPIKey ?? "-"), "
            + "schema_registry_secret: \(schemaRegistrySecret.map { "\($0)" } ?? "-"), "
            + "resources: [\(kinds.joined(separator: ", "))])"
    }

    public var debugDescription: String { description }
}
