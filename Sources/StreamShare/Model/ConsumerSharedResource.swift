/// A resource shared with the consumer, as the CDX API describes it to the consumer
/// (`cdx.v1.ConsumerSharedResource`): who shares it, what it is, where it runs and how it is reached.
///
/// Returned before redeeming by ``CDXClient/preview(_:)`` and for a redeemed share by
/// ``CDXClient/sharedResources(shareID:)``. Fields and enum values this version does not know are kept
/// (``additionalFields``, the raw values of ``cloud`` and ``networkConnectionTypes``), never a decoding failure.
public struct ConsumerSharedResource: Sendable, Hashable, Codable {
    /// One schema of the shared resource (marked work in progress by the API).
    public struct Schema: Sendable, Hashable, Codable {
        /// The Schema Registry subject.
        public var subject: String?
        /// The subject's version.
        public var version: Int?
        /// The schema id.
        public var id: Int?
        /// `AVRO`, `JSON`, `PROTOBUF`, …
        public var schemaType: String?
        /// The schema text.
        public var schema: String?
        /// Fields this version does not know, as received.
        public var additionalFields: [String: JSONValue]

        /// Creates a schema.
        public init(
            subject: String? = nil,
            version: Int? = nil,
            id: Int? = nil,
            schemaType: String? = nil,
            schema: String? = nil,
            additionalFields: [String: JSONValue] = [:]
        ) {
            self.subject = subject
            self.version = version
            self.id = id
            self.schemaType = schemaType
            self.schema = schema
            self.additionalFields = additionalFields
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case subject, version, id, schema
            case schemaType = "schema_type"
        }

        private static let known = Set(CodingKeys.allCases.map(\.rawValue))

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            subject = try container.decodeIfPresent(String.self, forKey: .subject)
            version = try container.decodeIfPresent(Int.self, forKey: .version)
            id = try container.decodeIfPresent(Int.self, forKey: .id)
            schemaType = try container.decodeIfPresent(String.self, forKey: .schemaType)
            schema = try container.decodeIfPresent(String.self, forKey: .schema)
            additionalFields = try AdditionalFields.decode(from: decoder, known: Self.known)
        }

        public func encode(to encoder: any Encoder) throws {
            try AdditionalFields.encode(additionalFields, to: encoder, known: Self.known)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(subject, forKey: .subject)
            try container.encodeIfPresent(version, forKey: .version)
            try container.encodeIfPresent(id, forKey: .id)
            try container.encodeIfPresent(schemaType, forKey: .schemaType)
            try container.encodeIfPresent(schema, forKey: .schema)
        }
    }

    /// The resource's id (e.g. `sr-12345`).
    public var id: String?
    /// The name the provider gave the shared resource.
    public var displayName: String?
    /// The provider's description of it.
    public var description: String?
    /// The provider's tags.
    public var tags: [String]
    /// The provider's organization.
    public var organizationName: String?
    /// The provider organization's description.
    public var organizationDescription: String?
    /// The provider's contact e-mail.
    public var organizationContact: String?
    /// The provider's logo.
    public var logoURL: String?
    /// Where the resource runs.
    public var cloud: CloudProvider?
    /// How it is reached: empty on the public internet, else e.g. ``NetworkConnectionType/privateLink``.
    public var networkConnectionTypes: [NetworkConnectionType]
    /// Its schemas.
    public var schemas: [Schema]
    /// Object metadata.
    public var metadata: ObjectMetadata?
    /// Fields this version does not know, as received.
    public var additionalFields: [String: JSONValue]

    /// Creates a resource description.
    public init(
        id: String? = nil,
        displayName: String? = nil,
        description: String? = nil,
        tags: [String] = [],
        organizationName: String? = nil,
        organizationDescription: String? = nil,
        organizationContact: String? = nil,
        logoURL: String? = nil,
        cloud: CloudProvider? = nil,
        networkConnectionTypes: [NetworkConnectionType] = [],
        schemas: [Schema] = [],
        metadata: ObjectMetadata? = nil,
        additionalFields: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.displayName = displayName
        self.description = description
        self.tags = tags
        self.organizationName = organizationName
        self.organizationDescription = organizationDescription
        self.organizationContact = organizationContact
        self.logoURL = logoURL
        self.cloud = cloud
        self.networkConnectionTypes = networkConnectionTypes
        self.schemas = schemas
        self.metadata = metadata
        self.additionalFields = additionalFields
    }

    /// Whether the resource is reached over a private endpoint (PrivateLink, Private Service Connect).
    public var isPrivateLink: Bool { networkConnectionTypes.contains(.privateLink) }

    /// The Kafka topic the resource shares, as its Confluent Resource Name names it
    /// (`metadata.resource_name`, e.g. `crn://confluent.cloud/organization=…/kafka=lkc-…/topic=orders`):
    /// the value of its last `topic=` element. `nil` when the API names none.
    public var topic: String? {
        guard let name = metadata?.resourceName,
            let element = name.split(separator: "/").last(where: { $0.hasPrefix("topic=") })
        else { return nil }
        let topic = element.dropFirst("topic=".count)
        return topic.isEmpty ? nil : String(topic)
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id, description, tags, cloud, schemas, metadata
        case displayName = "display_name"
        case organizationName = "organization_name"
        case organizationDescription = "organization_description"
        case organizationContact = "organization_contact"
        case logoURL = "logo_url"
        case networkConnectionTypes = "network_connection_types"
    }

    private static let known = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        displayName = try container.decodeIfPresent(String.self, forKey: .displayName)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
        organizationName = try container.decodeIfPresent(String.self, forKey: .organizationName)
        organizationDescription = try container.decodeIfPresent(String.self, forKey: .organizationDescription)
        organizationContact = try container.decodeIfPresent(String.self, forKey: .organizationContact)
        logoURL = try container.decodeIfPresent(String.self, forKey: .logoURL)
        cloud = try container.decodeIfPresent(CloudProvider.self, forKey: .cloud)
        networkConnectionTypes =
            try container.decodeIfPresent([NetworkConnectionType].self, forKey: .networkConnectionTypes) ?? []
        schemas = try container.decodeIfPresent([Schema].self, forKey: .schemas) ?? []
        metadata = try container.decodeIfPresent(ObjectMetadata.self, forKey: .metadata)
        additionalFields = try AdditionalFields.decode(from: decoder, known: Self.known)
    }

    public func encode(to encoder: any Encoder) throws {
        try AdditionalFields.encode(additionalFields, to: encoder, known: Self.known)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(displayName, forKey: .displayName)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(tags, forKey: .tags)
        try container.encodeIfPresent(organizationName, forKey: .organizationName)
        try container.encodeIfPresent(organizationDescription, forKey: .organizationDescription)
        try container.encodeIfPresent(organizationContact, forKey: .organizationContact)
        try container.encodeIfPresent(logoURL, forKey: .logoURL)
        try container.encodeIfPresent(cloud, forKey: .cloud)
        try container.encode(networkConnectionTypes, forKey: .networkConnectionTypes)
        try container.encode(schemas, forKey: .schemas)
        try container.encodeIfPresent(metadata, forKey: .metadata)
    }
}
