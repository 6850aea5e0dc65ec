import StreamShare

extension Scenario {
    /// A share reached over AWS PrivateLink: redeeming it needs `--aws-account`, and `shares describe`
    /// shows the endpoint service and the DNS names the consumer must set up.
    public static let privateLink = Scenario(
        name: "privatelink",
        description:
            "An AWS PrivateLink share: redeeming needs --aws-account; its network names the endpoint service and DNS.",
        topics: [Topic(name: "orders")],
        groups: [Group(prefix: "share-orders-")],
        subjects: [Subject(name: "orders-value")],
        cloud: "AWS",
        networkConnectionTypes: ["PRIVATELINK"]
    )

    /// What the CDX API says about the scenario's share: provider, resource, cloud, connection types,
    /// schemas, and the network of a PrivateLink share.
    func listing() -> CDXAPIEmulator.Listing {
        let cloud = CloudProvider(rawValue: self.cloud ?? "AWS")
        let types = (networkConnectionTypes ?? []).map(NetworkConnectionType.init(rawValue:))
        let resource = ConsumerSharedResource(
            displayName: "Sandbox: \(name)",
            description: description,
            tags: ["sandbox"],
            organizationName: "Sandbox Provider Inc.",
            organizationContact: "data-team@provider.example",
            cloud: cloud,
            networkConnectionTypes: types,
            schemas: subjects.filter { $0.shared ?? true }.map {
                ConsumerSharedResource.Schema(subject: $0.name, version: 1, schemaType: $0.schemaType ?? "AVRO")
            }
        )
        let network = types.contains(.privateLink) ? (self.network ?? Self.generatedNetwork(cloud)) : self.network
        return CDXAPIEmulator.Listing(resource: resource, network: network)
    }

    private static func generatedNetwork(_ cloud: CloudProvider) -> SharedNetwork {
        let zones: [String]
        let domain: String
        var endpoint = SharedNetwork.Endpoint()
        switch cloud {
        case .azure:
            zones = ["1", "2", "3"]
            domain = "00000.eastus2.azure.glb.confluent.cloud"
            endpoint.kind = "AzureNetwork"
            endpoint.privateLinkServiceAliases = Dictionary(
                uniqueKeysWithValues: zones.map {
                    ($0, "s-00000-privatelink-\($0).guid.eastus2.azure.privatelinkservice")
                }
            )
        case .gcp:
            zones = ["us-central1-a", "us-central1-b", "us-central1-c"]
            domain = "00000.us-central1.gcp.glb.confluent.cloud"
            endpoint.kind = "GcpNetwork"
            endpoint.privateServiceConnectServiceAttachments = Dictionary(
                uniqueKeysWithValues: zones.map {
                    ($0, "projects/cc-sandbox/regions/us-central1/serviceAttachments/s-00000-service-attachment-\($0)")
                }
            )
        default:
            zones = ["use1-az1", "use1-az2", "use1-az4"]
            domain = "00000.us-east-1.aws.glb.confluent.cloud"
            endpoint.kind = "AwsNetwork"
            endpoint.privateLinkEndpointService = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
        }
        return SharedNetwork(
            kafkaBootstrapURL: "SASL_SSL://lkc-00000-00000.\(domain):9092",
            dnsDomain: domain,
            zones: zones,
            zonalSubdomains: Dictionary(uniqueKeysWithValues: zones.map { ($0, "\($0).\(domain)") }),
            endpoint: endpoint
        )
    }
}
