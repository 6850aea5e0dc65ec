#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// How to reach a share's Schema Registry: its URL and the basic-auth key and secret.
public struct SchemaRegistryConfig: Sendable, Hashable, CustomStringConvertible {
    /// The registry's base URL, without user-info: `https://KEY:SECRET@host` is kept as `https://host`
    /// (the key and secret go in ``apiKey`` and ``secret``), so that it can be printed and compared.
    public let url: URL
    /// The Schema Registry API key (basic-auth user).
    public let apiKey: String
    /// The Schema Registry API secret (basic-auth password).
    public let secret: Secret

    /// Creates a configuration.
    /// - Parameters:
    ///   - url: The registry's base URL; any user-info in it is dropped.
    ///   - apiKey: The Schema Registry API key.
    ///   - secret: Its secret.
    public init(url: URL, apiKey: String, secret: Secret) {
        self.url = Self.withoutUserInfo(url).url
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

    /// `url` without its user-info, and that user-info (`user:password`, percent-decoded) if it had one.
    static func withoutUserInfo(_ url: URL) -> (url: URL, user: String?, password: String?) {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            components.percentEncodedUser != nil || components.percentEncodedPassword != nil
        else { return (url, nil, nil) }
        let user = components.user
        let password = components.password
        components.user = nil
        components.password = nil
        return (components.url ?? url, user, password)
    }

    /// A URL as it may be printed or compared: its user-info (credentials) left out.
    static func printable(_ text: String) -> String {
        guard let url = URL(string: text.trimmingWhitespace()) else { return Scrubber.withoutUserInfo(text) }
        return withoutUserInfo(url).url.absoluteString
    }

    public var description: String {
        "SchemaRegistryConfig(url: \(url.absoluteString), api_key: \(apiKey), secret: \(secret))"
    }
}
