/// The private network a PrivateLink consumer connects to (`GET /cdx/v1/consumer-shared-resources/{id}:network`):
/// the endpoint to create in the consumer's own cloud account and the DNS names it must resolve.
public struct SharedNetwork: Sendable, Hashable, Codable {
    /// The cloud-specific part (`cloud` in JSON, by its `kind`: `AwsNetwork`, `AzureNetwork`, `GcpNetwork`),
    /// populated when the network is ready.
    public struct Endpoint: Sendable, Hashable, Codable {
        /// `AwsNetwork`, `AzureNetwork`, `GcpNetwork`, or a kind this version does not know.
        public var kind: String?
        /// AWS: the VPC endpoint service to create an interface endpoint for.
        public var privateLinkEndpointService: String?
        /// Azure: the Private Link service alias per zone.
        public var privateLinkServiceAliases: [String: String]?
        /// GCP: the Private Service Connect service attachment per zone.
        public var privateServiceConnectServiceAttachments: [String: String]?
        /// Fields this version does not know, as received.
        public var additionalFields: [String: JSONValue]

        /// Creates an endpoint description.
        public init(
            kind: String? = nil,
            privateLinkEndpointService: String? = nil,
            privateLinkServiceAliases: [String: String]? = nil,
            privateServiceConnectServiceAttachments: [String: String]? = nil,
            additionalFields: [String: JSONValue] = [:]
        ) {
            self.kind = kind
            self.privateLinkEndpointService = privateLinkEndpointService
            self.privateLinkServiceAliases = privateLinkServiceAliases
            self.privateServiceConnectServiceAttachments = privateServiceConnectServiceAttachments
            self.additionalFields = additionalFields
        }

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case kind
            case privateLinkEndpointService = "private_link_endpoint_service"
            case privateLinkServiceAliases = "private_link_service_aliases"
            case privateServiceConnectServiceAttachments = "private_service_connect_service_attachments"
        }

        private static let known = Set(CodingKeys.allCases.map(\.rawValue))

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decodeIfPresent(String.self, forKey: .kind)
            privateLinkEndpointService = try container.decodeIfPresent(
                String.self,
                forKey: .privateLinkEndpointService
            )
            privateLinkServiceAliases = try container.decodeIfPresent(
                [String: String].self,
                forKey: .privateLinkServiceAliases
            )
            privateServiceConnectServiceAttachments = try container.decodeIfPresent(
                [String: String].self,
                forKey: .privateServiceConnectServiceAttachments
            )
            additionalFields = try AdditionalFields.decode(from: decoder, known: Self.known)
        }

        public func encode(to encoder: any Encoder) throws {
            try AdditionalFields.encode(additionalFields, to: encoder, known: Self.known)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(kind, forKey: .kind)
            try container.encodeIfPresent(privateLinkEndpointService, forKey: .privateLinkEndpointService)
            try container.encodeIfPresent(privateLinkServiceAliases, forKey: .privateLinkServiceAliases)
            try container.encodeIfPresent(
                privateServiceConnectServiceAttachments,
                forKey: .privateServiceConnectServiceAttachments
            )
        }
    }

    /// The network's id.
    public var id: String?
    /// The Kafka bootstrap URL over the private network.
    public var kafkaBootstrapURL: String?
    /// The DNS domain the consumer's private zone must serve, e.g. `00000.us-east-1.aws.glb.confluent.cloud`.
    public var dnsDomain: String?
    /// The zone ids.
    public var zones: [String]
    /// The sub-domain of each zone.
    public var zonalSubdomains: [String: String]
    /// The cloud-specific endpoint.
    public var endpoint: Endpoint?
    /// Fields this version does not know, as received.
    public var additionalFields: [String: JSONValue]

    /// Creates a network description.
    public init(
        id: String? = nil,
        kafkaBootstrapURL: String? = nil,
        dnsDomain: String? = nil,
        zones: [String] = [],
        zonalSubdomains: [String: String] = [:],
        endpoint: Endpoint? = nil,
        additionalFields: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.kafkaBootstrapURL = kafkaBootstrapURL
        self.dnsDomain = dnsDomain
        self.zones = zones
        self.zonalSubdomains = zonalSubdomains
        self.endpoint = endpoint
        self.additionalFields = additionalFields
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id, zones
        case kafkaBootstrapURL = "kafka_bootstrap_url"
        case dnsDomain = "dns_domain"
        case zonalSubdomains = "zonal_subdomains"
        case endpoint = "cloud"
    }

    private static let known = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        kafkaBootstrapURL = try container.decodeIfPresent(String.self, forKey: .kafkaBootstrapURL)
        dnsDomain = try container.decodeIfPresent(String.self, forKey: .dnsDomain)
        zones = try container.decodeIfPresent([String].self, forKey: .zones) ?? []
        zonalSubdomains = try container.decodeIfPresent([String: String].self, forKey: .zonalSubdomains) ?? [:]
        endpoint = try container.decodeIfPresent(Endpoint.self, forKey: .endpoint)
        additionalFields = try AdditionalFields.decode(from: decoder, known: Self.known)
    }

    public func encode(to encoder: any Encoder) throws {
        try AdditionalFields.encode(additionalFields, to: encoder, known: Self.known)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(kafkaBootstrapURL, forKey: .kafkaBootstrapURL)
        try container.encodeIfPresent(dnsDomain, forKey: .dnsDomain)
        try container.encode(zones, forKey: .zones)
        try container.encode(zonalSubdomains, forKey: .zonalSubdomains)
        try container.encodeIfPresent(endpoint, forKey: .endpoint)
    }
}
