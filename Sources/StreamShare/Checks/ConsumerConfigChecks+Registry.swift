#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `consumer_config.schema_registry`: the registry URL and credentials of the consumer's serializers.
extension ConsumerConfigChecks {
    /// The registry URL and credentials a serializer will use, when the configuration names a registry.
    func registrySettings() -> (url: String?, userInfo: String?, userInfoKey: String) {
        let url = consumer["schema.registry.url"]
        // basic.auth.credentials.source=URL: the serializer takes them from the URL's user-info.
        if consumer["basic.auth.credentials.source"]?.trimmingWhitespace().uppercased() == "URL" {
            let parsed = url.flatMap { URL(string: $0.trimmingWhitespace()) }.map(SchemaRegistryConfig.withoutUserInfo)
            let userInfo = parsed.flatMap { parts in parts.user.map { "\($0):\(parts.password ?? "")" } }
            return (url, userInfo, "schema.registry.url")
        }
        let userInfoKey =
            consumer["schema.registry.basic.auth.user.info"] != nil && consumer["basic.auth.user.info"] == nil
            ? "schema.registry.basic.auth.user.info" : "basic.auth.user.info"
        return (url, consumer[userInfoKey], userInfoKey)
    }

    func schemaRegistry() -> [CheckResult] {
        let (url, userInfo, userInfoKey) = registrySettings()
        guard let url else { return [] }
        guard let registry else {
            return [
                fail(
                    .consumerSchemaRegistry,
                    "schema.registry.url",
                    .notShared,
                    "schema.registry.url is set, but the share has no Schema Registry",
                    hint: "The provider shared no subject: deserialize without the registry, or ask them."
                )
            ]
        }
        // Compared and shown without user-info: https://KEY:SECRET@host is https://host here.
        let normalized = { (text: String) in SchemaRegistryConfig.printable(text).trimmingSuffix("/").lowercased() }
        guard normalized(url) == normalized(registry.url.absoluteString) else {
            return [
                fail(
                    .consumerSchemaRegistry,
                    "schema.registry.url",
                    .differs,
                    "schema.registry.url \(SchemaRegistryConfig.printable(url)) is not the share's "
                        + registry.url.absoluteString,
                    hint: "Use the share's schema_registry_url."
                )
            ]
        }
        if isJava, !["USER_INFO", "URL"].contains(consumer["basic.auth.credentials.source"]?.uppercased()) {
            return [
                fail(
                    .consumerSchemaRegistry,
                    "basic.auth.credentials.source",
                    .missingProperty,
                    "basic.auth.credentials.source is not USER_INFO: the serializer sends no credentials",
                    hint: "Set basic.auth.credentials.source=USER_INFO and basic.auth.user.info=KEY:SECRET."
                )
            ]
        }
        guard let userInfo, let colon = userInfo.firstIndex(of: ":") else {
            return [
                fail(
                    .consumerSchemaRegistry,
                    userInfoKey,
                    .missingProperty,
                    "the registry URL has no credentials (\(userInfoKey) KEY:SECRET)",
                    hint: "Set \(userInfoKey) to the share's schema_registry_api_key:schema_registry_secret."
                )
            ]
        }
        let key = String(userInfo[..<colon])
        guard key == registry.apiKey else {
            return [
                fail(
                    .consumerSchemaRegistry,
                    userInfoKey,
                    .differs,
                    "the registry key is not the share's '\(registry.apiKey)' (it is not shown: it may be a secret in the wrong place)",
                    hint: "Use the share's schema_registry_api_key (it differs from the Kafka key)."
                )
            ]
        }
        guard String(userInfo[userInfo.index(after: colon)...]) == registry.secret.revealed else {
            return [
                fail(
                    .consumerSchemaRegistry,
                    userInfoKey,
                    .differs,
                    "the registry secret differs from the share's (key '\(registry.apiKey)')",
                    hint: "Copy schema_registry_secret again from the share file."
                )
            ]
        }
        return [
            pass(.consumerSchemaRegistry, "schema.registry.url", "the registry URL and credentials are the share's")
        ]
    }
}
