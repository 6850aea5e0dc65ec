import StreamShare

extension ConfigFormat {
    /// The file each format is written to: a name its consumers expect.
    var fileName: String {
        switch self {
        case .librdkafka: "librdkafka.properties"  // kcat -F FILE, or any librdkafka client
        case .java: "java-client.properties"  // Java clients and Confluent serializers
        case .json: "client-config.json"
        case .env: "client.env"  // python-dotenv
        }
    }
}
