/// The `metadata` object of a Confluent Cloud resource (`ObjectMeta` in the API definition).
///
/// Timestamps are kept as the RFC 3339 strings the API sends, so a share round-trips unchanged.
public struct ObjectMetadata: Sendable, Hashable, Codable {
    /// The URL at which the object can be addressed (`self` in JSON).
    public var selfURL: String?
    /// The Confluent Resource Name of the object.
    public var resourceName: String?
    /// When the object was created (RFC 3339).
    public var createdAt: String?
    /// When the object was last updated (RFC 3339).
    public var updatedAt: String?
    /// When the object was (or will be) deleted (RFC 3339).
    public var deletedAt: String?

    /// Creates metadata.
    public init(
        selfURL: String? = nil,
        resourceName: String? = nil,
        createdAt: String? = nil,
        updatedAt: String? = nil,
        deletedAt: String? = nil
    ) {
        self.selfURL = selfURL
        self.resourceName = resourceName
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
    }

    private enum CodingKeys: String, CodingKey {
        case selfURL = "self"
        case resourceName = "resource_name"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case deletedAt = "deleted_at"
    }
}
