/// Something about a client configuration that works but deserves attention; reported as a
/// `kafka.config` warning by the verifier (except ``Code-swift.struct/plaintext``, which
/// `kafka.connect` reports).
public struct ConfigurationWarning: Sendable, Hashable, CustomStringConvertible {
    /// What kind of warning it is; compare with the static members (new codes may be added).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The bootstrap URL is PLAINTEXT: no TLS, no authentication (the local sandbox only).
        public static let plaintext = Code("plaintext")
        /// An override turns off the check of the broker's certificate.
        public static let certificateVerificationDisabled = Code("certificate_verification_disabled")
        /// An override turns off the check of the broker's host name.
        public static let hostnameVerificationDisabled = Code("hostname_verification_disabled")
        /// An override sets a security protocol Confluent Cloud does not accept.
        public static let insecureProtocol = Code("insecure_protocol")
        /// The share has several group prefixes and `group.id` uses the first.
        public static let severalGroupPrefixes = Code("several_group_prefixes")
        /// An overridden `group.id` is outside every shared prefix.
        public static let groupOutsidePrefix = Code("group_outside_prefix")

        /// The stable machine-readable code.
        public var description: String { rawValue }
    }

    /// The kind of warning.
    public let code: Code
    /// What the user should know, never containing a secret.
    public let message: String

    /// Creates a warning.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
