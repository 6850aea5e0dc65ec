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
}
