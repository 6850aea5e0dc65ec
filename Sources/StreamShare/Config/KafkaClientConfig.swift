import RdKafka

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A librdkafka consumer configuration for a share: SASL_SSL with PLAIN, the share's API key and
/// secret, the settings a Confluent Cloud consumer should carry, and a `group.id` under the shared
/// group prefix.
///
/// Building one runs every property through librdkafka's `rd_kafka_conf_set`, so an unknown key or
/// a rejected value is reported by name before anything connects.
public struct KafkaClientConfig: Sendable, Hashable {
    /// How the configuration is built.
    public struct Options: Sendable, Hashable {
        /// Appended to the shared group prefix to form `group.id` (`prefix + suffix`).
        public var groupSuffix: String
        /// Which shared group prefix to use when the share has several (default: the first).
        public var groupPrefix: String?
        /// A CA bundle to trust (`ssl.ca.location`); `nil` uses the host's bundle.
        public var caLocation: String?
        /// librdkafka properties applied last, as `kcat -X key=value` would; they may override anything.
        public var overrides: [ConfigProperty]
        /// Accept a `PLAINTEXT://` bootstrap URL on any host. Off by default: PLAINTEXT is accepted
        /// only when every bootstrap host is loopback (the local sandbox), and always flagged.
        public var allowPlaintext: Bool

        /// Creates options.
        public init(
            groupSuffix: String = KafkaClientConfig.defaultGroupSuffix,
            groupPrefix: String? = nil,
            caLocation: String? = nil,
            overrides: [ConfigProperty] = [],
            allowPlaintext: Bool = false
        ) {
            self.groupSuffix = groupSuffix
            self.groupPrefix = groupPrefix
            self.caLocation = caLocation
            self.overrides = overrides
            self.allowPlaintext = allowPlaintext
        }
    }

    /// The suffix used for `group.id` when the caller chooses none.
    public static let defaultGroupSuffix = "consumer"

    /// CA bundles the verifier's own clients probe, in order, when no CA is given: Debian/Ubuntu,
    /// RHEL/Fedora, openSUSE, Alpine/macOS, Homebrew OpenSSL on Apple silicon and Intel. Never
    /// written into ``properties`` (an exported file is used on other hosts, where such a path may not
    /// exist): a configuration carries `ssl.ca.location` only when the caller gave one.
    public static let wellKnownCABundles = [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/ca-bundle.pem",
        "/etc/ssl/cert.pem",
        "/opt/homebrew/etc/openssl@3/cert.pem",
        "/usr/local/etc/openssl@3/cert.pem",
    ]

    /// The properties in the order they are applied (later entries win), overrides last.
    public private(set) var properties: [ConfigProperty]
    /// The parsed bootstrap servers and derived protocol.
    public let bootstrap: BootstrapServers
    /// The share's Schema Registry, parsed with the bootstrap servers (nil when it names none): what
    /// an exporter or a registry check takes, so that the share is parsed once.
    public let schemaRegistry: SchemaRegistryConfig?
    /// The `group.id` consumers of this share should use, when the share has a group prefix.
    public let groupID: String?
    /// Things the user should know (plaintext, weakened TLS verification, several group prefixes).
    public let warnings: [ConfigurationWarning]

    /// Builds and validates the configuration of a share.
    /// - Parameters:
    ///   - share: The redeemed share.
    ///   - options: Group suffix, CA, overrides.
    /// - Throws: ``ConfigurationError`` naming the property at fault.
    public init(share: RedeemedShare, options: Options = Options()) throws(ConfigurationError) {
        try self.init(prepared: PreparedShare(configuring: share), options: options)
    }

    /// Builds and validates the configuration of a share already parsed.
    /// - Parameters:
    ///   - prepared: The share and its endpoints.
    ///   - options: Group suffix, CA, overrides.
    /// - Throws: ``ConfigurationError`` naming the property at fault.
    public init(prepared: PreparedShare, options: Options = Options()) throws(ConfigurationError) {
        try self.init(
            endpoints: prepared.endpoints,
            username: prepared.share.apiKey,
            password: prepared.share.secret,
            groupPrefixes: prepared.share.groupPrefixes,
            options: options
        )
    }

    /// Builds and validates a configuration from parsed values: a share's, or a consumer's own
    /// servers, credentials and registry used with the share's resources.
    init(
        endpoints: ShareEndpoints,
        username: String,
        password: Secret,
        groupPrefixes prefixes: [String],
        options: Options
    ) throws(ConfigurationError) {
        let bootstrap = endpoints.bootstrap
        var warnings: [ConfigurationWarning] = []
        var properties: [ConfigProperty] = [ConfigProperty("bootstrap.servers", .plain(bootstrap.bootstrapServers))]
        switch bootstrap.securityProtocol {
        case .plaintext:
            let loopback = bootstrap.endpoints.allSatisfy { ["127.0.0.1", "localhost", "::1"].contains($0.host) }
            guard options.allowPlaintext || loopback else {
                throw ConfigurationError(
                    code: .invalidBootstrapURL,
                    key: "bootstrap.servers",
                    message:
                        "PLAINTEXT bootstrap servers '\(bootstrap.bootstrapServers)' are only accepted for the local sandbox"
                )
            }
            warnings.append(
                ConfigurationWarning(
                    code: .plaintext,
                    message: "PLAINTEXT connection without TLS or authentication: acceptable for the local sandbox only"
                )
            )
            properties.append(ConfigProperty("security.protocol", .plain("PLAINTEXT")))
        case .saslSSL:
            properties += [
                ConfigProperty("security.protocol", .plain("SASL_SSL")),
                ConfigProperty("sasl.mechanisms", .plain("PLAIN")),
                ConfigProperty("sasl.username", .plain(username)),
                ConfigProperty("sasl.password", .secret(password)),
                ConfigProperty("ssl.endpoint.identification.algorithm", .plain("https")),
            ]
            if let explicit = options.caLocation {
                properties.append(ConfigProperty("ssl.ca.location", .plain(try Self.existingCAFile(explicit))))
            }
        }
        // No session.timeout.ms: librdkafka's default has been Confluent's recommended 45 s since 1.7,
        // and librdkafka refuses to create a consumer with it set and group.protocol=consumer.

        var groupID: String? = nil
        if let chosen = options.groupPrefix {
            guard prefixes.contains(chosen) else {
                throw ConfigurationError(
                    code: .invalidValue,
                    key: "group.id",
                    message:
                        "'\(chosen)' is not a group prefix of this share (shared: \(prefixes.joined(separator: ", ")))"
                )
            }
            groupID = chosen + options.groupSuffix
        } else if let first = prefixes.first {
            groupID = first + options.groupSuffix
            if prefixes.count > 1 {
                warnings.append(
                    ConfigurationWarning(
                        code: .severalGroupPrefixes,
                        message: "the share has \(prefixes.count) group prefixes; group.id uses the first, '\(first)'"
                    )
                )
            }
        }
        if let groupID { properties.append(ConfigProperty("group.id", .plain(groupID))) }

        for override in options.overrides {
            properties.removeAll { $0.key == override.key }
            properties.append(override)
            warnings += Self.weakeningWarning(override)
        }
        if let overriddenGroup = options.overrides.last(where: { $0.key == "group.id" })?.value.revealed,
            !prefixes.isEmpty, !prefixes.contains(where: { overriddenGroup.hasPrefix($0) })
        {
            warnings.append(
                ConfigurationWarning(
                    code: .groupOutsidePrefix,
                    message:
                        "group.id '\(overriddenGroup)' does not start with a shared group prefix; the broker will deny it"
                )
            )
        }

        try Self.validate(properties)
        self.properties = properties
        self.bootstrap = bootstrap
        self.schemaRegistry = endpoints.schemaRegistry
        self.groupID = options.overrides.last(where: { $0.key == "group.id" })?.value.revealed ?? groupID
        self.warnings = warnings
    }

    /// A scrubber of every secret of the configuration (and of `others`), for librdkafka's messages.
    func scrubber(also others: [Secret] = []) -> Scrubber {
        Self.scrubber(properties, also: others)
    }

    private static func scrubber(_ properties: [ConfigProperty], also others: [Secret] = []) -> Scrubber {
        Scrubber(
            properties.compactMap { property in
                guard case .secret(let secret) = property.value else { return nil }
                return secret
            } + others
        )
    }

    /// The value of a property (secrets revealed: this is for building clients, not for printing).
    /// - Parameter key: The property name.
    public subscript(key: String) -> String? {
        properties.last { $0.key == key }?.value.revealed
    }

    private static func existingCAFile(_ path: String) throws(ConfigurationError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(
                code: .fileNotFound,
                key: "ssl.ca.location",
                message: "CA file '\(path)' does not exist"
            )
        }
        return path
    }

    /// The CA bundle the verifier's own clients use when the configuration names none: the first of
    /// ``wellKnownCABundles`` on this host, else librdkafka's own `probe`.
    static var hostCABundle: String {
        wellKnownCABundles.first { FileManager.default.isReadableFile(atPath: $0) } ?? "probe"
    }

    /// The spellings librdkafka reads as `false` for a boolean property.
    static let librdkafkaFalse: Set<String> = ["false", "f", "0", "off", "no"]

    private static func weakeningWarning(_ property: ConfigProperty) -> [ConfigurationWarning] {
        let value = property.value.revealed.trimmingWhitespace().lowercased()
        switch property.key {
        case "enable.ssl.certificate.verification" where librdkafkaFalse.contains(value):
            return [
                ConfigurationWarning(
                    code: .certificateVerificationDisabled,
                    message:
                        "enable.ssl.certificate.verification=\(property.value.revealed): the broker's certificate is not checked"
                )
            ]
        case "ssl.endpoint.identification.algorithm" where value == "none" || value.isEmpty:
            return [
                ConfigurationWarning(
                    code: .hostnameVerificationDisabled,
                    message:
                        "ssl.endpoint.identification.algorithm=\(property.value.revealed): the broker's host name is not checked"
                )
            ]
        case "security.protocol" where !value.hasPrefix("sasl_ssl"):
            return [
                ConfigurationWarning(
                    code: .insecureProtocol,
                    message: "security.protocol=\(property.value.revealed): Confluent Cloud requires SASL_SSL"
                )
            ]
        default:
            return []
        }
    }

    /// Runs each property through `rd_kafka_conf_set`, then creates a consumer from the whole
    /// configuration (without `bootstrap.servers`, so nothing connects): librdkafka checks some
    /// combinations only then (e.g. `max.poll.interval.ms` below `session.timeout.ms`).
    static func validate(_ properties: [ConfigProperty]) throws(ConfigurationError) {
        let offline = properties.filter { $0.key != "bootstrap.servers" }.map(\.rdKafka)
        do {
            _ = try KafkaHandle(properties: offline)
        } catch {
            switch error {
            case .configuration(let refused): throw ConfigurationError(refused)
            case .creation(let message):
                throw ConfigurationError(
                    code: .incompatibleProperties,
                    key: nil,
                    message: Self.scrubber(properties)(message)
                )
            }
        }
    }
}
