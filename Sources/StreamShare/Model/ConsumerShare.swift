/// A share the consumer has joined or been invited to (`cdx.v1.ConsumerShare`), as listed by
/// ``CDXClient/listShares(includeDeleted:pageSize:)``.
public struct ConsumerShare: Sendable, Hashable, Codable {
    /// Where a share is in its life; a phase this version does not know is kept as received.
    public struct Phase: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The value as the API sends it.
        public var rawValue: String

        /// Wraps a value as received.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Invited, not redeemed yet.
        public static let invited = Phase(rawValue: "INVITED")
        /// Redeemed and usable.
        public static let active = Phase(rawValue: "ACTIVE")
        /// The invitation expired before it was redeemed.
        public static let expired = Phase(rawValue: "EXPIRED")
        /// The provider (or the consumer) ended the share.
        public static let deactivated = Phase(rawValue: "DEACTIVATED")

        public var description: String { rawValue }
    }

    /// The share's id (the `id` of the redeem response).
    public var id: String
    /// The provider's organization.
    public var providerOrganizationName: String?
    /// The provider user who shared it.
    public var providerUserName: String?
    /// When the invitation expires (RFC 3339; invited shares only).
    public var inviteExpiresAt: String?
    /// The consumer user, as the API references it.
    public var consumerUser: JSONValue?
    /// `status.phase`.
    public var phase: Phase?
    /// Object metadata (`deleted_at` is set on a deleted share).
    public var metadata: ObjectMetadata?
    /// Fields this version does not know, as received (unknown fields of `status` under `status`).
    public var additionalFields: [String: JSONValue]

    /// Creates a share description.
    public init(
        id: String,
        providerOrganizationName: String? = nil,
        providerUserName: String? = nil,
        inviteExpiresAt: String? = nil,
        consumerUser: JSONValue? = nil,
        phase: Phase? = nil,
        metadata: ObjectMetadata? = nil,
        additionalFields: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.providerOrganizationName = providerOrganizationName
        self.providerUserName = providerUserName
        self.inviteExpiresAt = inviteExpiresAt
        self.consumerUser = consumerUser
        self.phase = phase
        self.metadata = metadata
        self.additionalFields = additionalFields
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id, status, metadata
        case providerOrganizationName = "provider_organization_name"
        case providerUserName = "provider_user_name"
        case inviteExpiresAt = "invite_expires_at"
        case consumerUser = "consumer_user"
    }

    private enum StatusKeys: String, CodingKey {
        case phase
    }

    private static let known = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        providerOrganizationName = try container.decodeIfPresent(String.self, forKey: .providerOrganizationName)
        providerUserName = try container.decodeIfPresent(String.self, forKey: .providerUserName)
        inviteExpiresAt = try container.decodeIfPresent(String.self, forKey: .inviteExpiresAt)
        consumerUser = try container.decodeIfPresent(JSONValue.self, forKey: .consumerUser)
        metadata = try container.decodeIfPresent(ObjectMetadata.self, forKey: .metadata)
        additionalFields = try AdditionalFields.decode(from: decoder, known: Self.known)
        phase = nil
        if case .object(var status)? = try container.decodeIfPresent(JSONValue.self, forKey: .status) {
            if case .string(let value)? = status.removeValue(forKey: StatusKeys.phase.rawValue) {
                phase = Phase(rawValue: value)
            }
            if !status.isEmpty { additionalFields["status"] = .object(status) }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var extra = additionalFields
        var status: [String: JSONValue] = [:]
        if case .object(let fields)? = extra.removeValue(forKey: "status") { status = fields }
        if let phase { status[StatusKeys.phase.rawValue] = .string(phase.rawValue) }
        try AdditionalFields.encode(extra, to: encoder, known: Self.known)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(providerOrganizationName, forKey: .providerOrganizationName)
        try container.encodeIfPresent(providerUserName, forKey: .providerUserName)
        try container.encodeIfPresent(inviteExpiresAt, forKey: .inviteExpiresAt)
        try container.encodeIfPresent(consumerUser, forKey: .consumerUser)
        if !status.isEmpty { try container.encode(JSONValue.object(status), forKey: .status) }
        try container.encodeIfPresent(metadata, forKey: .metadata)
    }
}
