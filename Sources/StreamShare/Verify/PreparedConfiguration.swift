#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a verification runs with: the share (its resources) and the client configuration, built and
/// validated once (librdkafka checks the configuration by creating a client). A ``ShareMonitor``
/// builds it when it gets its share and reuses it for every run, instead of parsing the share and
/// creating a throwaway client each time; a caller that validates a share before it makes a monitor
/// (the command line's watch) builds it then and hands it on. With a consumer's configuration, the
/// client configuration is built from the consumer's parsed values, the resources stay the share's.
package struct PreparedConfiguration: Sendable {
    /// The share: its resources, and its key for the report.
    package let share: RedeemedShare
    let kafka: KafkaClientConfig
    /// The Schema Registry the checks use, parsed with the Kafka configuration.
    var registry: SchemaRegistryConfig? { kafka.schemaRegistry }

    /// Validates the share's configuration with `options`: the monitor given it must use the same options.
    package init(share: RedeemedShare, options: ShareVerifier.Options) throws(ConfigurationError) {
        try self.init(prepared: PreparedShare(configuring: share), options: options)
    }

    /// The configuration of a share already parsed, with `options`.
    package init(prepared: PreparedShare, options: ShareVerifier.Options) throws(ConfigurationError) {
        share = prepared.share
        kafka = try KafkaClientConfig(prepared: prepared, options: .init(verifierOptions: options))
    }

    /// A share's resources with a configuration built otherwise (from a consumer's values).
    init(share: RedeemedShare, kafka: KafkaClientConfig) {
        self.share = share
        self.kafka = kafka
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
