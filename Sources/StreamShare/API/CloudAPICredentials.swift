#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Confluent Cloud API key and secret (a *Cloud* resource-scoped key, not a Kafka cluster key),
/// sent as HTTP Basic authentication to the CDX API.
public struct CloudAPICredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The API key.
    public var key: String
    /// The API secret (redacted when printed).
    public var secret: Secret

    /// Creates credentials.
    public init(key: String, secret: Secret) {
        self.key = key
        self.secret = secret
    }

    /// The `Authorization` header value.
    var authorizationHeader: String {
        "Basic " + Data("\(key):\(secret.revealed)".utf8).base64EncodedString()
    }

    public var description: String { "CloudAPICredentials(key: \(key), secret: \(secret))" }
    public var debugDescription: String { description }
}
