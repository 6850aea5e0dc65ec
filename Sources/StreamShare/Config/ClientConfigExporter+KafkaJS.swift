/// The KafkaJS export: a CommonJS module.
extension ClientConfigExporter {
    /// librdkafka properties the KafkaJS module carries (in its own shape).
    private static let kafkaJSKeys: Set<String> = [
        "bootstrap.servers", "security.protocol", "sasl.mechanisms", "sasl.username", "sasl.password",
        "ssl.ca.location", "group.id", "client.id",
    ]

    /// A CommonJS module exporting `{kafka, consumer, topics}` (and `schemaRegistry`, in the shape of
    /// `@kafkajs/confluent-schema-registry`, when the share has one): `new Kafka(config.kafka)` and
    /// `kafka.consumer(config.consumer)` take them as they are. Values are double-quoted literals with
    /// everything outside printable ASCII escaped; comments are `//` lines with line breaks removed.
    func kafkaJS(_ reveal: Bool) -> String {
        func literal(_ text: String) -> String { Self.quoted(text, astral: .surrogatePairs) }
        var lines = headerComment("//")
        lines.append(
            "// KafkaJS: const kafka = new Kafka(config.kafka); const consumer = kafka.consumer(config.consumer);"
        )
        let dropped = kafka.properties.map(\.key).filter {
            !Self.kafkaJSKeys.contains($0) && !($0 == "ssl.endpoint.identification.algorithm" && kafka[$0] == "https")
        }
        if !dropped.isEmpty {
            lines.append(
                "// librdkafka properties without a KafkaJS equivalent here: "
                    + Self.commentSafe(dropped.joined(separator: ", "))
            )
        }
        lines += ["'use strict';", "", "module.exports = {", "  kafka: {"]
        if let clientID = kafka["client.id"] { lines.append("    clientId: \(literal(clientID)),") }
        lines.append("    brokers: [" + brokers.map(literal).joined(separator: ", ") + "],")
        if !(kafka["security.protocol"] ?? "").uppercased().hasSuffix("SSL") {
            lines.append("    ssl: false,")
        } else if let ca = kafka["ssl.ca.location"] {
            lines.append("    ssl: { ca: [require('fs').readFileSync(\(literal(ca)), 'utf8')] },")
        } else {
            lines.append("    ssl: true,")
        }
        if let sasl = saslCredentials(reveal) {
            let mechanism = literal((kafka["sasl.mechanisms"] ?? "PLAIN").lowercased())
            lines.append(
                "    sasl: { mechanism: \(mechanism), username: \(literal(sasl.username)), "
                    + "password: \(literal(sasl.password)) },"
            )
        }
        lines.append("  },")
        lines.append("  consumer: {" + (kafka.groupID.map { " groupId: \(literal($0)) " } ?? "") + "},")
        lines.append("  topics: [" + (origin?.topics ?? []).map(literal).joined(separator: ", ") + "],")
        if let schemaRegistry {
            let secret = ConfigProperty.Value.secret(schemaRegistry.secret).rendered(revealSecrets: reveal)
            lines.append("  schemaRegistry: {")
            lines.append("    host: \(literal(schemaRegistry.url.absoluteString)),")
            lines.append("    auth: { username: \(literal(schemaRegistry.apiKey)), password: \(literal(secret)) },")
            lines.append("  },")
        }
        lines.append("};")
        return lines.joined(separator: "\n") + "\n"
    }
}
