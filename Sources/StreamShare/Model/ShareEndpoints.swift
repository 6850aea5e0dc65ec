#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a share's Kafka cluster and Schema Registry are, parsed once from the share: the bootstrap
/// servers with their security protocol, and the registry's URL and credentials when it has one.
public struct ShareEndpoints: Sendable, Hashable {
    /// `bootstrap.servers` and the security protocol, from `kafka_bootstrap_url`.
    public let bootstrap: BootstrapServers
    /// The Schema Registry, or `nil` when the share names none.
    public let schemaRegistry: SchemaRegistryConfig?

    /// Creates endpoints.
    public init(bootstrap: BootstrapServers, schemaRegistry: SchemaRegistryConfig?) {
        self.bootstrap = bootstrap
        self.schemaRegistry = schemaRegistry
    }
}

extension RedeemedShare {
    /// Parses the share's endpoints: the one place that reads `kafka_bootstrap_url` and the
    /// `schema_registry_*` fields.
    ///
    /// A share without `schema_registry_url` has no registry (``ShareEndpoints/schemaRegistry`` is
    /// `nil`). A share that lists subjects needs a usable URL with its key and secret; one without
    /// subjects never uses its registry, so unusable registry fields there mean no registry, not an
    /// error (a Kafka-only share is never refused for them).
    /// - Throws: ``ShareValidationError`` naming the offending field.
    public func endpoints() throws(ShareValidationError) -> ShareEndpoints {
        let bootstrap: BootstrapServers
        do {
            bootstrap = try BootstrapServers(parsing: kafkaBootstrapURL)
        } catch {
            throw ShareValidationError(field: "kafka_bootstrap_url", reason: error.reason)
        }
        return ShareEndpoints(
            bootstrap: bootstrap,
            schemaRegistry: try ShareEndpoints.registry(
                url: schemaRegistryURL,
                apiKey: schemaRegistryAPIKey,
                secret: schemaRegistrySecret,
                hasSubjects: !subjects.isEmpty
            )
        )
    }
}

extension ShareEndpoints {
    /// The Schema Registry of a URL and credentials (a share's `schema_registry_*` fields, or a
    /// consumer's registry settings): `nil` without a URL, and without a usable one when no subject
    /// is shared (such a share never uses its registry).
    static func registry(
        url urlText: String?,
        apiKey: String?,
        secret: Secret?,
        hasSubjects: Bool
    ) throws(ShareValidationError) -> SchemaRegistryConfig? {
        guard let urlText, !urlText.isEmpty else { return nil }
        do {
            return try registry(urlText, apiKey: apiKey, secret: secret)
        } catch  where !hasSubjects {
            return nil
        }
    }

    private static func registry(
        _ urlText: String,
        apiKey: String?,
        secret: Secret?
    ) throws(ShareValidationError) -> SchemaRegistryConfig {
        guard let url = URL(string: urlText), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ShareValidationError(field: "schema_registry_url", reason: "is not an http(s) URL")
        }
        // Credentials in the URL (https://KEY:SECRET@host, as Confluent's serializers accept) stand in
        // for missing fields; the URL itself never keeps them (SchemaRegistryConfig drops them).
        let userInfo = SchemaRegistryConfig.withoutUserInfo(url)
        guard let apiKey = apiKey.flatMap({ $0.isEmpty ? nil : $0 }) ?? userInfo.user, !apiKey.isEmpty else {
            throw ShareValidationError(
                field: "schema_registry_api_key",
                reason: "is missing, but the share names a Schema Registry"
            )
        }
        let urlSecret = userInfo.password.map { Secret($0) }
        guard let secret = secret.flatMap({ $0.isEmpty ? nil : $0 }) ?? urlSecret, !secret.isEmpty else {
            throw ShareValidationError(
                field: "schema_registry_secret",
                reason: "is missing, but the share names a Schema Registry"
            )
        }
        return SchemaRegistryConfig(url: url, apiKey: apiKey, secret: secret)
    }
}

extension ConfigurationError {
    /// A share whose endpoints cannot be used, as the configuration property at fault.
    init(_ error: ShareValidationError) {
        switch error.field {
        case "kafka_bootstrap_url":
            self.init(code: .invalidBootstrapURL, key: "bootstrap.servers", message: error.reason)
        case "schema_registry_url":
            self.init(code: .invalidValue, key: "schema.registry.url", message: "\(error.reason)")
        default:
            self.init(
                code: .invalidValue,
                key: "basic.auth.user.info",
                message: "\(error.field ?? "share") \(error.reason)"
            )
        }
    }
}
