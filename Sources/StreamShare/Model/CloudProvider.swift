/// The cloud a shared resource runs in (`AWS`, `AZURE`, `GCP`); a value this version does not know is
/// kept as received.
public struct CloudProvider: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The value as the API sends it.
    public var rawValue: String

    /// Wraps a value as received.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Amazon Web Services.
    public static let aws = CloudProvider(rawValue: "AWS")
    /// Microsoft Azure.
    public static let azure = CloudProvider(rawValue: "AZURE")
    /// Google Cloud.
    public static let gcp = CloudProvider(rawValue: "GCP")

    public var description: String { rawValue }
}

/// How a consumer connects to a shared resource: an empty list means the public internet; `PRIVATELINK`
/// means the consumer's cloud account must be allowed to connect to the provider's private endpoint.
public struct NetworkConnectionType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The value as the API sends it.
    public var rawValue: String

    /// Wraps a value as received.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// AWS PrivateLink, Azure Private Link or GCP Private Service Connect.
    public static let privateLink = NetworkConnectionType(rawValue: "PRIVATELINK")

    public var description: String { rawValue }
}
