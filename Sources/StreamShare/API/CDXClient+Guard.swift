/// A token that was not redeemed because the share reaches a resource over private networking
/// (PrivateLink, Private Link, Private Service Connect) and the redeem request gives no account for
/// its cloud: the credentials could not be used to connect. The token is **not** spent.
public struct PrivateNetworkingAccountMissing: Error, Sendable, Hashable, CustomStringConvertible {
    /// The clouds without an account in the request, in order of first appearance (a cloud this
    /// version does not know has an empty raw value).
    public let clouds: [CloudProvider]
    /// The display names (else ids) of the resources reached over private networking on those clouds.
    public let resources: [String]

    /// Creates the error.
    public init(clouds: [CloudProvider], resources: [String]) {
        self.clouds = clouds
        self.resources = resources
    }

    /// "'orders-cluster' is shared over PrivateLink on aws, and no account for it was given …".
    public var description: String {
        let names = clouds.map { $0.rawValue.isEmpty ? "an unnamed cloud" : $0.rawValue }
        return "'\(resources.joined(separator: "', '"))' is shared over PrivateLink on "
            + "\(names.joined(separator: " and ")), and no account for it was given: the credentials would "
            + "not connect. The token was not redeemed."
    }
}

extension CDXClient {
    /// What the check before a redeem found.
    public enum PreviewOutcome: Sendable, Hashable {
        /// The token was previewed, and the request gives an account for every private-networking cloud.
        case checked(SharePreview)
        /// The API has no preview (HTTP 404, 405 or 501): the redeem may go on without the check.
        case unavailable(status: Int)
    }

    /// Reads what a token shares without spending it, and refuses a request that would redeem
    /// credentials nobody could use: a resource reached over private networking whose cloud has no
    /// account in the request.
    ///
    /// ``redeem(_:savingTo:overwrite:checkingPrivateNetworking:)`` calls it first unless told not to.
    /// - Parameter request: The redeem request about to be sent.
    /// - Returns: The preview, or that the API has none (the caller may say so and go on).
    /// - Throws: ``PrivateNetworkingAccountMissing`` (the token is not spent), or ``CDXAPIError`` when
    ///   the preview fails otherwise (401, 403, the network: a redeem would fail the same way).
    public func checkBeforeRedeeming(_ request: RedeemTokenRequest) async throws -> PreviewOutcome {
        let preview: SharePreview
        do {
            preview = try await self.preview(request.token)
        } catch {
            // An API without the operation: the redeem may go on unchecked. Any other failure is one a
            // redeem would meet too.
            guard let status = error.status, [404, 405, 501].contains(status) else { throw error }
            return .unavailable(status: status)
        }
        let missing = preview.cloudsMissingAnAccount(in: request)
        guard !missing.isEmpty else { return .checked(preview) }
        let resources = preview.resources.filter {
            $0.isPrivateLink && missing.contains($0.cloud ?? CloudProvider(rawValue: ""))
        }
        throw PrivateNetworkingAccountMissing(
            clouds: missing,
            resources: resources.map { $0.displayName ?? $0.id ?? "-" }
        )
    }
}
