/// The Python export: a module for confluent-kafka.
extension ClientConfigExporter {
    /// A Python module defining `consumer_config` (librdkafka names, for confluent-kafka's
    /// `Consumer`), `schema_registry_config` (for its `SchemaRegistryClient`, `None` without a
    /// registry) and `topics`. Every value is a string literal no value can break out of; the source
    /// encoding is declared on the first line, before any comment a share's values appear in.
    func python(_ reveal: Bool) -> String {
        func literal(_ text: String) -> String { Self.quoted(text, astral: .eightDigits) }
        var lines = ["# -*- coding: utf-8 -*-"] + headerComment("#")
        lines.append("# confluent-kafka: Consumer(consumer_config), SchemaRegistryClient(schema_registry_config).")
        lines.append("")
        lines.append("consumer_config = {")
        for property in kafka.properties {
            lines.append("    \(literal(property.key)): \(literal(property.value.rendered(revealSecrets: reveal))),")
        }
        lines.append("}")
        lines.append("")
        if let schemaRegistry {
            var entries = [
                ("url", schemaRegistry.url.absoluteString),
                (
                    "basic.auth.user.info",
                    ConfigProperty.Value.secret(schemaRegistry.basicAuthUserInfo).rendered(
                        revealSecrets: reveal
                    )
                ),
            ]
            if let ca = kafka["ssl.ca.location"] { entries.append(("ssl.ca.location", ca)) }
            lines.append("schema_registry_config = {")
            lines += entries.map { "    \(literal($0.0)): \(literal($0.1))," }
            lines.append("}")
        } else {
            lines.append("schema_registry_config = None")
        }
        lines.append("")
        lines.append("topics = [" + (origin?.topics ?? []).map(literal).joined(separator: ", ") + "]")
        return lines.joined(separator: "\n") + "\n"
    }
}
