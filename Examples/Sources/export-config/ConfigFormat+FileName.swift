import StreamShare

extension ConfigFormat {
    /// The file each format is written to: a name its consumers expect.
    var fileName: String {
        switch self {
        case .librdkafka: "librdkafka.properties"  // kcat -F FILE, or any librdkafka client
        case .java: "java-client.properties"  // Java clients and Confluent serializers
        case .json: "client-config.json"
        case .env: "client.env"  // python-dotenv
        case .spring: "application.properties"  // Spring Boot
        case .python: "kafka_config.py"  // from kafka_config import consumer_config
        case .kafkajs: "kafka-config.js"  // require('./kafka-config.js')
        case .dotnet: "appsettings.Kafka.json"  // .NET configuration
        case .k8sSecret: "client-secret.yaml"  // kubectl apply -f
        }
    }
}
