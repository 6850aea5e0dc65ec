#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A share's client configuration and registry, parsed and validated once (librdkafka checks the
/// configuration by creating a client): a ``ShareMonitor`` builds it when it gets its share and
/// reuses it for every run, instead of parsing the share and creating a throwaway client each time.
/// A caller that validates a share before it makes a monitor (the command line's watch) builds it
/// then and hands it on.
package struct PreparedConfiguration: Sendable {
    let kafka: KafkaClientConfig
    /// The share's Schema Registry, parsed with the Kafka configuration.
    var registry: SchemaRegistryConfig? { kafka.schemaRegistry }

    /// Validates the share's configuration with `options`: the monitor given it must use the same options.
    package init(share: RedeemedShare, options: ShareVerifier.Options) throws(ConfigurationError) {
        kafka = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
    }

    /// The configuration, once what can change on the host since it was built is checked again: the
    /// CA file can still be read (one librdkafka cannot parse is seen when a client is created).
    func checked() throws(ConfigurationError) -> (KafkaClientConfig, SchemaRegistryConfig?) {
        if let ca = kafka["ssl.ca.location"], !FileManager.default.isReadableFile(atPath: ca) {
            throw ConfigurationError(
                code: .fileNotFound,
                key: "ssl.ca.location",
                message: "CA file '\(ca)' does not exist or cannot be read"
            )
        }
        return (kafka, registry)
    }
}
