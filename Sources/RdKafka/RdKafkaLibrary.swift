import CRdKafka

/// Facts about the librdkafka the process is linked against.
package enum RdKafkaLibrary {
    /// librdkafka's version string at run time, e.g. `2.0.2`.
    package static var version: String {
        guard let cString = rd_kafka_version_str() else { return "unknown" }
        return String(cString: cString)
    }

    /// librdkafka's version as a hex number (`0xMMmmrrxx`), at run time.
    package static var versionNumber: Int { Int(rd_kafka_version()) }
}

extension Duration {
    /// Whole milliseconds (rounded down).
    package var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
