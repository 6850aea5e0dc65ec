#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A share parsed once: the share as the API returned it (what a share file holds) and its
/// endpoints, parsed from it. The verifier, the monitor, the client configuration and its exporters
/// take this value, so that nothing parses the share's strings again.
///
/// ```swift
/// let prepared = try PreparedShare(jsonData: Data(contentsOf: url))
/// let report = try await ShareVerifier().verify(prepared: prepared)
/// let kafka = try KafkaClientConfig(prepared: prepared)
/// ```
public struct PreparedShare: Sendable, Hashable {
    /// The share, as decoded.
    public let share: RedeemedShare
    /// Its bootstrap servers and Schema Registry, parsed.
    public let endpoints: ShareEndpoints

    /// The share's Schema Registry, or `nil` when it names none.
    public var schemaRegistry: SchemaRegistryConfig? { endpoints.schemaRegistry }

    /// Parses a share's endpoints.
    ///
    /// A share that lists subjects but names no usable Schema Registry is accepted here (a verification
    /// reports it as a failing `schema_registry.auth`); ``RedeemedShare/validate()`` refuses it.
    /// - Parameter share: The decoded share.
    /// - Throws: ``ShareValidationError`` naming the field that cannot be parsed.
    public init(_ share: RedeemedShare) throws(ShareValidationError) {
        self.init(share: share, endpoints: try share.endpoints())
    }

    /// Decodes and validates a redeem response or a share file, as ``RedeemedShare/init(jsonData:)``
    /// does, keeping what was parsed.
    /// - Parameter data: The JSON document.
    /// - Throws: ``ShareValidationError`` naming the offending field.
    public init(jsonData data: Data) throws(ShareValidationError) {
        self = try RedeemedShare(decoding: data).validate()
    }

    init(share: RedeemedShare, endpoints: ShareEndpoints) {
        self.share = share
        self.endpoints = endpoints
    }

    /// ``init(_:)``, failing as the configuration property at fault (for the callers that build client
    /// configurations and throw ``ConfigurationError``).
    init(configuring share: RedeemedShare) throws(ConfigurationError) {
        do {
            try self.init(share)
        } catch {
            throw ConfigurationError(error)
        }
    }
}
