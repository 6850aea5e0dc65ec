/// The Spring Boot export: `application.properties` for spring-kafka.
extension ClientConfigExporter {
    /// Spring Boot `application.properties`: `spring.kafka.bootstrap-servers`,
    /// `spring.kafka.consumer.group-id`, and every other Java client property (the JAAS
    /// configuration, the Schema Registry serializer keys) under `spring.kafka.properties.`, escaped
    /// as `java.util.Properties` reads them. A CA file becomes a PEM trust store (Kafka clients 2.7+).
    func spring(_ reveal: Bool) -> String {
        var lines = headerComment("#")
        lines.append(
            "# Spring Boot application.properties (spring-kafka; client properties under spring.kafka.properties)."
        )
        let (client, registry, untranslated) = javaProperties(reveal)
        lines += client.map { Self.javaProperty(Self.springKey($0.key), $0.value) }
        if let ca = kafka["ssl.ca.location"] {
            lines.append(Self.javaProperty("spring.kafka.properties.ssl.truststore.type", "PEM"))
            lines.append(Self.javaProperty("spring.kafka.properties.ssl.truststore.location", ca))
        }
        if !registry.isEmpty {
            lines.append("")
            lines.append("# Schema Registry (Confluent serializers)")
            lines += registry.map { Self.javaProperty(Self.springKey($0.key), $0.value) }
        }
        if !untranslated.isEmpty {
            lines.append("")
            lines.append(
                "# librdkafka-only properties not carried over: "
                    + Self.commentSafe(untranslated.joined(separator: ", "))
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The Spring Boot name of a Java client property.
    static func springKey(_ key: String) -> String {
        switch key {
        case "bootstrap.servers": "spring.kafka.bootstrap-servers"
        case "group.id": "spring.kafka.consumer.group-id"
        default: "spring.kafka.properties." + key
        }
    }
}
