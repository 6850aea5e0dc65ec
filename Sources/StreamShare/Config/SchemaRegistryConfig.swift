#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// How to reach a share's Schema Registry: its URL and the basic-auth key and secret.
public struct SchemaRegistryConfig: Sendable, Hashable, CustomStringConvertible {
    /// The registry's base URL.
    public let url: URL
    /// The Schema Registry API key (basic-auth user).
    public let apiKey: String
    /// The Schema Registry API secret (basic-auth password).
    public let secret: Secret

    /// Creates a configuration.
    public init(url: URL, apiKey: String, secret: Secret) {
        self.url = url
        self.apiKey = apiKey
        self.secret = secret
    }

    /// `key:secret`, the value of Confluent clients' `basic.auth.user.info`.
    public var basicAuthUserInfo: Secret { Secret("\(apiKey):\(secret.revealed)") }

    /// The value of an HTTP `Authorization` header.
    public var authorizationHeader: Secret {
        Secret("Basic " + Data(basicAuthUserInfo.revealed.utf8).base64EncodedString())
    }

    /// The Schema Registry client properties of Confluent's serializers, in order.
    public var clientProperties: [ConfigProperty] {
        [
            ConfigProperty("schema.registry.url", .plain(url.absoluteString)),
            ConfigProperty("basic.auth.credentials.source", .plain("USER_INFO")),
            ConfigProperty("basic.auth.user.info", .secret(basicAuthUserInfo)),
        ]
    }

    public var description: String {
        "SchemaRegistryConfig(url: \(url.absoluteString), api_key: \(apiKey), secret: \(secret))"
    }
}
