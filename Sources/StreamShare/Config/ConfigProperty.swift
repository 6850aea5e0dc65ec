/// One `key=value` of a client configuration; secret values stay wrapped in ``Secret``.
public struct ConfigProperty: Sendable, Hashable, CustomStringConvertible {
    /// A property value: plain text, or a secret that is redacted when printed.
    public enum Value: Sendable, Hashable {
        /// A value that may be shown.
        case plain(String)
        /// A credential.
        case secret(Secret)

        /// The value as it must be written into a configuration file.
        public var revealed: String {
            switch self {
            case .plain(let value): value
            case .secret(let secret): secret.revealed
            }
        }

        /// The value, or ``Secret/redactedPlaceholder`` for a secret unless `revealSecrets` is set.
        public func rendered(revealSecrets: Bool) -> String {
            switch self {
            case .plain(let value): value
            case .secret(let secret): revealSecrets ? secret.revealed : Secret.redactedPlaceholder
            }
        }

        /// `true` for a secret.
        public var isSecret: Bool { if case .secret = self { true } else { false } }
    }

    /// Property names whose values are credentials, in librdkafka's vocabulary.
    public static let secretKeys: Set<String> = [
        "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
        "ssl.key.pem", "ssl_key", "sasl.oauthbearer.config", "basic.auth.user.info",
    ]

    /// The property name.
    public var key: String
    /// The property value.
    public var value: Value

    /// Creates a property.
    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }

    /// Creates a property, wrapping the value as a secret when the key is one of ``secretKeys``.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = Self.secretKeys.contains(key) ? .secret(Secret(value)) : .plain(value)
    }

    /// Parses a `key=value` override as `kcat -X` takes it.
    /// - Parameter text: `key=value`; the value may contain `=` and may be empty.
    /// - Throws: ``ConfigurationError`` with code ``ConfigurationError/Code/invalidOverride``.
    public init(parsing text: String) throws(ConfigurationError) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw ConfigurationError(
                code: .invalidOverride,
                key: nil,
                message: "override '\(text.prefix(64))' is not key=value"
            )
        }
        self.init(String(text[..<equals]).trimmingWhitespace(), String(text[text.index(after: equals)...]))
    }

    public var description: String { "\(key)=\(value.rendered(revealSecrets: false))" }
}
