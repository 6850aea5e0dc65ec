/// The body of `POST /cdx/v1/shared-tokens:redeem` (`cdx.v1.RedeemTokenRequest`).
///
/// The private-networking fields are only needed for shares reached over AWS PrivateLink, Azure
/// Private Link or GCP Private Service Connect; they are omitted from the JSON when `nil`.
public struct RedeemTokenRequest: Sendable, Hashable, Codable {
    /// The encrypted share token from the invitation (redacted when printed).
    public var token: Secret
    /// Consumer's AWS account ID for PrivateLink access.
    public var awsAccount: String?
    /// Consumer's Azure subscription ID for Private Link access.
    public var azureSubscription: String?
    /// Consumer's GCP project ID for Private Service Connect access.
    public var gcpProject: String?

    /// Creates a redeem request.
    /// - Parameters:
    ///   - token: The share token.
    ///   - awsAccount: AWS account ID (PrivateLink shares only).
    ///   - azureSubscription: Azure subscription ID (Private Link shares only).
    ///   - gcpProject: GCP project ID (Private Service Connect shares only).
    public init(
        token: Secret,
        awsAccount: String? = nil,
        azureSubscription: String? = nil,
        gcpProject: String? = nil
    ) {
        self.token = token
        self.awsAccount = awsAccount
        self.azureSubscription = azureSubscription
        self.gcpProject = gcpProject
    }

    private enum CodingKeys: String, CodingKey {
        case token
        case awsAccount = "aws_account"
        case azureSubscription = "azure_subscription"
        case gcpProject = "gcp_project"
    }
}

extension RedeemTokenRequest: CustomStringConvertible {
    public var description: String {
        var parts = ["token: \(token)"]
        if let awsAccount { parts.append("aws_account: \(awsAccount)") }
        if let azureSubscription { parts.append("azure_subscription: \(azureSubscription)") }
        if let gcpProject { parts.append("gcp_project: \(gcpProject)") }
        return "RedeemTokenRequest(\(parts.joined(separator: ", ")))"
    }
}
