/// The version of this library and of the `cdx-verify` command.
public enum StreamShareVersion {
    /// Semantic version.
    public static let string = "0.1.0"

    /// The `User-Agent` sent to Confluent Cloud and the Schema Registry.
    public static var userAgent: String { "cdx-verify/\(string) (StreamShare; librdkafka/\(KafkaLibrary.version))" }
}
