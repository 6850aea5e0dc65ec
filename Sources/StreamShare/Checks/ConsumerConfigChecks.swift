import RdKafka

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Compares a consumer's own configuration with the share: `consumer_config.*` checks, resource the
/// property key. Values are compared, never shown, except those that are not secret (servers,
/// protocol, mechanism, `group.id`, the registry URL, the API key).
struct ConsumerConfigChecks {
    let consumer: ConsumerConfiguration
    let share: RedeemedShare
    let kafka: KafkaClientConfig
    let registry: SchemaRegistryConfig?

    var isJava: Bool { consumer.family == .java }
    var usesSASL: Bool { kafka.bootstrap.securityProtocol == .saslSSL }

    /// Keys of the Schema Registry serializers, not of the Kafka client.
    static let registryKeys: Set<String> = [
        "schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info",
        "schema.registry.basic.auth.user.info",
    ]

    func results() -> [CheckResult] {
        var results = [bootstrap(), securityProtocol()]
        if usesSASL { results += [mechanism(), credentials(), tls()] }
        results.append(group())
        results += schemaRegistry()
        results += properties()
        return results.map { result in
            var result = result
            result.details["client"] = consumer.family.rawValue
            return result
        }
    }

    // MARK: the checks

    private func bootstrap() -> CheckResult {
        let key = "bootstrap.servers"
        let given = consumer[key] ?? (isJava ? nil : consumer["metadata.broker.list"])
        guard let given, !given.trimmingWhitespace().isEmpty else {
            return fail(
                .consumerBootstrap,
                key,
                .missingProperty,
                "the configuration has no \(key)",
                hint: "Set \(key)=\(kafka.bootstrap.bootstrapServers)."
            )
        }
        let expected = Set(Self.servers(kafka.bootstrap.bootstrapServers))
        let servers = Self.servers(given)
        let foreign = servers.filter { !expected.contains($0) }
        guard foreign.isEmpty, !servers.isEmpty else {
            return fail(
                .consumerBootstrap,
                key,
                .differs,
                "\(key) \(foreign.joined(separator: ",")) is not the share's bootstrap "
                    + "\(kafka.bootstrap.bootstrapServers)",
                hint: "Use the share's bootstrap servers (cdx-verify config prints them)."
            )
        }
        return pass(.consumerBootstrap, key, "\(key) is the share's (\(servers.joined(separator: ",")))")
    }

    private func securityProtocol() -> CheckResult {
        let key = "security.protocol"
        let expected = kafka["security.protocol"] ?? "SASL_SSL"
        let given = consumer[key]?.trimmingWhitespace().uppercased()
        guard given == expected.uppercased() else {
            let what = given.map { "\(key) is \($0)" } ?? "\(key) is not set (the client then uses PLAINTEXT)"
            return fail(
                .consumerSecurityProtocol,
                key,
                .differs,
                "\(what); the share needs \(expected)",
                hint: "Set \(key)=\(expected)."
            )
        }
        return pass(.consumerSecurityProtocol, key, "\(key) is \(expected)")
    }

    private func mechanism() -> CheckResult {
        // Java: sasl.mechanism. librdkafka: sasl.mechanisms, with sasl.mechanism as an alias.
        let key =
            isJava ? "sasl.mechanism" : (consumer["sasl.mechanisms"] != nil ? "sasl.mechanisms" : "sasl.mechanism")
        guard let given = consumer[key]?.trimmingWhitespace() else {
            if isJava, consumer["sasl.mechanisms"] != nil {
                return fail(
                    .consumerMechanism,
                    "sasl.mechanisms",
                    .misspelt,
                    "sasl.mechanisms is librdkafka's spelling: the Java client ignores it and uses GSSAPI",
                    hint: "Write sasl.mechanism=PLAIN (singular) in a Java configuration."
                )
            }
            return fail(
                .consumerMechanism,
                key,
                .missingProperty,
                "\(key) is not set: the client then uses GSSAPI (Kerberos), which Confluent Cloud does not offer",
                hint: "Set \(key)=PLAIN."
            )
        }
        guard given.uppercased() == "PLAIN" else {
            return fail(
                .consumerMechanism,
                key,
                .differs,
                "\(key) is \(given); a share's API key authenticates with PLAIN",
                hint: "Set \(key)=PLAIN (copied from another cluster?)."
            )
        }
        return pass(.consumerMechanism, key, "\(key) is PLAIN")
    }

    /// The consumer's SASL username and password, and the key they were read from.
    func saslCredentials() -> (key: String, username: String?, password: String?, module: String?) {
        if isJava {
            guard let jaas = consumer["sasl.jaas.config"] else { return ("sasl.jaas.config", nil, nil, nil) }
            let parsed = ConsumerConfiguration.jaasOptions(jaas)
            return ("sasl.jaas.config", parsed.options["username"], parsed.options["password"], parsed.module)
        }
        return ("sasl.username", consumer["sasl.username"], consumer["sasl.password"], nil)
    }

    private func credentials() -> CheckResult {
        let (key, username, password, module) = saslCredentials()
        if let module, !module.hasSuffix(".PlainLoginModule") {
            return fail(
                .consumerCredentials,
                key,
                .differs,
                "sasl.jaas.config uses \(module.split(separator: ".").last.map(String.init) ?? module); "
                    + "a share's API key needs PlainLoginModule",
                hint: "Use org.apache.kafka.common.security.plain.PlainLoginModule with the share's key and secret."
            )
        }
        guard let username, let password else {
            return fail(
                .consumerCredentials,
                key,
                .missingProperty,
                isJava
                    ? "sasl.jaas.config is missing or has no username and password"
                    : "sasl.username or sasl.password is missing",
                hint:
                    "Take the credentials from the share (cdx-verify config --format \(isJava ? "java" : "librdkafka"))."
            )
        }
        guard username == share.apiKey else {
            return fail(
                .consumerCredentials,
                key,
                .differs,
                "the username is not the share's API key '\(share.apiKey)' (it is not shown: it may be a secret in the wrong place)",
                hint: "Use the share's API key and secret; another share's key is not authorized here."
            )
        }
        guard password == share.secret.revealed else {
            return fail(
                .consumerCredentials,
                key,
                .differs,
                "the password differs from the share's secret (API key '\(share.apiKey)')",
                hint: "Copy the secret again from the share file; if the provider rotated it, redeem a new invitation."
            )
        }
        return pass(.consumerCredentials, key, "the username and password are the share's key and secret")
    }

    private func group() -> CheckResult {
        let key = "group.id"
        let prefixes = share.groupPrefixes
        guard let groupID = consumer[key], !groupID.isEmpty else {
            return fail(
                .consumerGroup,
                key,
                .missingProperty,
                "the configuration has no group.id",
                hint: prefixes.first.map { "Set group.id=\($0)<your-name>: a consumer group under the shared prefix." }
                    ?? "The share has no group prefix: consume with assign(), without a group."
            )
        }
        guard let prefix = prefixes.first(where: { groupID.hasPrefix($0) }) else {
            return fail(
                .consumerGroup,
                key,
                .outsidePrefix,
                "group.id '\(groupID)' is not under a shared prefix"
                    + (prefixes.isEmpty ? " (the share has none)" : " (\(prefixes.joined(separator: ", ")))"),
                hint: prefixes.first.map { "Use a group.id starting with '\($0)'; the broker denies any other group." }
                    ?? "The share has no group prefix: consume with assign(), without a group."
            )
        }
        return pass(.consumerGroup, key, "group.id '\(groupID)' is under the shared prefix '\(prefix)'")
    }

    /// Keys the consumer's client will not take as meant: librdkafka spellings in a Java file, and in a
    /// librdkafka file any key librdkafka refuses (it then refuses to create the client).
    private func properties() -> [CheckResult] {
        var results: [CheckResult] = []
        var seen = Set<String>()
        for (key, value) in consumer.properties where seen.insert(key).inserted {
            // Refused before librdkafka sees it: setting plugin.library.paths loads the plugin at once.
            if let reason = ConsumerConfiguration.refusal(key: key, value: value) {
                results.append(refused(key, reason))
            } else if isJava {
                // Without sasl.mechanism, consumer_config.sasl_mechanism already reports the misspelling.
                if key == "sasl.mechanisms", consumer["sasl.mechanism"] == nil { continue }
                guard let java = Self.javaSpelling[key] else { continue }
                let critical = ["sasl.mechanisms", "sasl.username", "sasl.password"].contains(key)
                results.append(
                    CheckResult(
                        .consumerProperty,
                        resource: key,
                        status: critical ? .fail : .warn,
                        code: .librdkafkaKey,
                        message: "\(key) is librdkafka's; the Java client ignores it",
                        hint: "In a Java configuration: \(java)."
                    )
                )
            } else if !Self.registryKeys.contains(key) {
                do {
                    try RdKafkaConfiguration().set(
                        RdKafkaProperty(key, value, isSecret: ConsumerConfiguration.isSecretKey(key))
                    )
                } catch {
                    switch error {
                    case .unknownProperty:
                        results.append(
                            fail(
                                .consumerProperty,
                                key,
                                .unknownProperty,
                                "librdkafka \(KafkaLibrary.version) has no property '\(key)': the client refuses to start"
                                    + (Self.librdkafkaSpelling[key].map { " (\($0))" } ?? ""),
                                hint: Self.librdkafkaSpelling[key] != nil
                                    ? "Translate it, or generate the file with cdx-verify config --format librdkafka."
                                    : "Remove it, or check its spelling against librdkafka's CONFIGURATION.md."
                            )
                        )
                    case .invalidValue(_, let message):
                        results.append(
                            fail(
                                .consumerProperty,
                                key,
                                .invalidValue,
                                "librdkafka refuses \(key): \(message)",
                                hint: "Fix the value; the client refuses to start with it."
                            )
                        )
                    }
                }
            }
        }
        return results
    }

    /// librdkafka keys in a Java file, and what Java spells instead.
    private static let javaSpelling: [String: String] = [
        "sasl.mechanisms": "sasl.mechanism=PLAIN",
        "sasl.username": "the username goes in sasl.jaas.config (PlainLoginModule)",
        "sasl.password": "the password goes in sasl.jaas.config (PlainLoginModule)",
        "ssl.ca.location": "ssl.truststore.location (or nothing: the JVM's trust store has Confluent Cloud's CAs)",
        "enable.ssl.certificate.verification": "there is no such switch in Java",
        "metadata.broker.list": "bootstrap.servers",
    ]

    /// Java keys in a librdkafka file, and what librdkafka spells instead.
    private static let librdkafkaSpelling: [String: String] = [
        "sasl.jaas.config": "librdkafka takes sasl.username and sasl.password",
        "key.deserializer": "deserializers are not configuration in librdkafka",
        "value.deserializer": "deserializers are not configuration in librdkafka",
        "ssl.truststore.location": "librdkafka takes ssl.ca.location (PEM)",
        "ssl.truststore.password": "librdkafka takes ssl.ca.location (PEM)",
        "max.poll.records": "librdkafka has no such limit",
    ]

    // MARK: helpers

    /// `host:port` entries, lower-cased, without any scheme.
    static func servers(_ list: String) -> [String] {
        list.split(separator: ",").map { entry in
            var text = entry.trimmingWhitespace()
            if let scheme = text.firstRange(of: "://") { text = String(text[scheme.upperBound...]) }
            return text.lowercased()
        }.filter { !$0.isEmpty }
    }

    func pass(_ id: CheckID, _ key: String, _ message: String) -> CheckResult {
        CheckResult(id, resource: key, status: .pass, code: .ok, message: message)
    }

    func fail(_ id: CheckID, _ key: String, _ code: CheckCode, _ message: String, hint: String) -> CheckResult {
        CheckResult(id, resource: key, status: .fail, code: code, message: message, hint: hint)
    }
}
