import RdKafka

/// Facts about the librdkafka the process is linked against.
public enum KafkaLibrary {
    /// librdkafka's version string at run time, e.g. `2.0.2`.
    public static var version: String { RdKafkaLibrary.version }

    /// librdkafka's version as a hex number (`0xMMmmrrxx`), at run time.
    public static var versionNumber: Int { RdKafkaLibrary.versionNumber }
}
