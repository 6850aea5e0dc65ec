/// The .NET export: an `appsettings.json` fragment for Confluent.Kafka.
extension ClientConfigExporter {
    /// librdkafka properties whose .NET counterpart is an enum, bound from its member name.
    private static let dotnetEnumKeys: Set<String> = [
        "security.protocol", "sasl.mechanisms", "ssl.endpoint.identification.algorithm", "auto.offset.reset",
        "isolation.level", "partition.assignment.strategy", "broker.address.family", "client.dns.lookup",
        "group.protocol",
    ]

    /// `{"Kafka": {…}, "SchemaRegistry": {…}}` with Confluent.Kafka's `ConsumerConfig` and
    /// `SchemaRegistryConfig` property names (`BootstrapServers`, `SecurityProtocol: SaslSsl`, …), as
    /// `configuration.GetSection("Kafka").Bind(consumerConfig)` reads them.
    func dotnet(_ reveal: Bool) -> String {
        var kafkaSection: [String: String] = [:]
        for property in kafka.properties {
            let value = property.value.rendered(revealSecrets: reveal)
            kafkaSection[Self.dotnetName(property.key)] =
                Self.dotnetEnumKeys.contains(property.key) ? Self.dotnetMember(value) : value
        }
        var document = ["Kafka": kafkaSection]
        if let schemaRegistry {
            var registry = [
                "Url": schemaRegistry.url.absoluteString,
                "BasicAuthUserInfo": ConfigProperty.Value.secret(schemaRegistry.basicAuthUserInfo).rendered(
                    revealSecrets: reveal
                ),
            ]
            if let ca = kafka["ssl.ca.location"] { registry["SslCaLocation"] = ca }
            document["SchemaRegistry"] = registry
        }
        return Self.jsonDocument(document)
    }

    /// Confluent.Kafka's property name for a librdkafka property: each dot-separated word capitalized
    /// (`ssl.ca.location` → `SslCaLocation`); `sasl.mechanisms` is `SaslMechanism`.
    static func dotnetName(_ key: String) -> String {
        key == "sasl.mechanisms" ? "SaslMechanism" : pascalCased(key, separators: ".")
    }

    /// The .NET enum member for a librdkafka enum value (`SASL_SSL` → `SaslSsl`, `https` → `Https`).
    static func dotnetMember(_ value: String) -> String {
        pascalCased(value.lowercased(), separators: "_-")
    }

    private static func pascalCased(_ text: String, separators: String) -> String {
        text.split(whereSeparator: { separators.contains($0) }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined()
    }
}
