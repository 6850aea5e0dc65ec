/// The formats a share's client configuration can be exported in.
public enum ConfigFormat: String, Sendable, Hashable, CaseIterable {
    /// librdkafka `.properties` (`key=value`), usable as is by `kcat -F FILE` and any librdkafka client.
    /// Schema Registry keys are written as comments: librdkafka and kcat reject them as properties.
    case librdkafka
    /// Java client `.properties` with `sasl.jaas.config` and the Schema Registry serializer keys.
    case java
    /// A JSON object: `{"kafka": {…}, "schema_registry": {…}}` with librdkafka property names.
    case json
    /// A dotenv file (`KAFKA_BOOTSTRAP_SERVERS=…`, `SCHEMA_REGISTRY_URL=…`), as read by python-dotenv.
    case env
    /// Spring Boot `application.properties`: `spring.kafka.*`, client properties under
    /// `spring.kafka.properties.*` (`sasl.jaas.config`, the Schema Registry serializer keys).
    case spring
    /// A Python module defining `consumer_config` (confluent-kafka's `Consumer`) and
    /// `schema_registry_config` (its `SchemaRegistryClient`, or `None`).
    case python
    /// A CommonJS module exporting `{kafka, consumer, topics}` for KafkaJS's `new Kafka(config.kafka)`
    /// and `kafka.consumer(config.consumer)`, and `schemaRegistry` when the share has one.
    case kafkajs
    /// An `appsettings.json` fragment with Confluent.Kafka's names: `{"Kafka": {…}, "SchemaRegistry": {…}}`.
    case dotnet
    /// A Kubernetes `Secret` (type `Opaque`, `stringData`) named from the share id, whose keys are the
    /// environment variable names of ``env``.
    case k8sSecret = "k8s-secret"
}
