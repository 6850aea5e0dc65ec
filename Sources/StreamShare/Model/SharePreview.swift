/// What a token shares, read without redeeming it (`POST /cdx/v1/shared-tokens:resources`).
public struct SharePreview: Sendable, Hashable, Codable {
    /// The shared resources, in the order the API listed them.
    public var resources: [ConsumerSharedResource]
    /// Fields of the response this version does not know, as received.
    public var additionalFields: [String: JSONValue]

    /// Creates a preview.
    public init(resources: [ConsumerSharedResource], additionalFields: [String: JSONValue] = [:]) {
        self.resources = resources
        self.additionalFields = additionalFields
    }

    /// The clouds whose PrivateLink resources the redeem request gives no account for, in order of first
    /// appearance: redeeming without one would give credentials the consumer cannot connect with.
    /// A cloud this version does not know is listed too (no request field can serve it).
    /// - Parameter request: The redeem request about to be sent.
    public func cloudsMissingAnAccount(in request: RedeemTokenRequest) -> [CloudProvider] {
        var missing: [CloudProvider] = []
        for resource in resources where resource.isPrivateLink {
            let cloud = resource.cloud ?? CloudProvider(rawValue: "")
            let given: String? =
                switch cloud {
                case .aws: request.awsAccount
                case .azure: request.azureSubscription
                case .gcp: request.gcpProject
                default: nil
                }
            if given?.isEmpty ?? true, !missing.contains(cloud) { missing.append(cloud) }
        }
        return missing
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case resources = "consumer_shared_resources"
    }

    private static let known = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resources = try container.decodeIfPresent([ConsumerSharedResource].self, forKey: .resources) ?? []
        additionalFields = try AdditionalFields.decode(from: decoder, known: Self.known)
    }

    public func encode(to encoder: any Encoder) throws {
        try AdditionalFields.encode(additionalFields, to: encoder, known: Self.known)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resources, forKey: .resources)
    }
}
