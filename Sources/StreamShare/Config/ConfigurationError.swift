/// A client configuration that cannot be built: librdkafka rejected a property, a file it names is
/// missing, or an export format cannot represent a value.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; compare with the static members (new codes may be added).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unknownProperty = "unknown_property"
            case invalidValue = "invalid_value"
            case invalidBootstrapURL = "invalid_bootstrap_url"
            case fileNotFound = "file_not_found"
            case notRepresentable = "not_representable"
            case invalidOverride = "invalid_override"
            case incompatibleProperties = "incompatible_properties"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// librdkafka does not know the property.
        public static let unknownProperty = Code(.unknownProperty)
        /// librdkafka rejected the value.
        public static let invalidValue = Code(.invalidValue)
        /// The share's bootstrap URL cannot be used.
        public static let invalidBootstrapURL = Code(.invalidBootstrapURL)
        /// A file named by the configuration (a CA file) does not exist.
        public static let fileNotFound = Code(.fileNotFound)
        /// A value cannot be written in the chosen export format.
        public static let notRepresentable = Code(.notRepresentable)
        /// A `key=value` override is malformed.
        public static let invalidOverride = Code(.invalidOverride)
        /// Each property is valid, but librdkafka refuses to create a client with them together.
        public static let incompatibleProperties = Code(.incompatibleProperties)

        /// The stable machine-readable code.
        public var description: String { base.rawValue }
    }

    /// The kind of problem.
    public let code: Code
    /// The property at fault (e.g. `ssl.ca.location`), when there is one.
    public let key: String?
    /// A human-readable explanation, never containing a secret.
    public let message: String

    /// Creates a configuration error.
    public init(code: Code, key: String?, message: String) {
        self.code = code
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { "configuration property '\(key)': \(message)" } else { message }
    }
}
