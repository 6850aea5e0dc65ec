import RdKafka

extension ShareVerifier {
    /// Verifies a share as a consumer with its own configuration will use it.
    ///
    /// First the configuration is compared with the share (`consumer_config.*` checks: servers,
    /// protocol, mechanism in the client's spelling, username and password — compared, never shown —,
    /// `group.id` under a shared prefix, TLS not weakened, registry URL and credentials, keys the
    /// client does not know). Then the share is verified *with the consumer's values*: its bootstrap
    /// servers, protocol, credentials, registry settings, and its `group.id` for the group checks, so
    /// that what passes is what the consumer will use.
    ///
    /// The configuration is checked, not trusted: a setting reaches librdkafka only under the key that
    /// was checked (one with a control character, or one that loads code such as `plugin.library.paths`,
    /// fails `consumer_config.property` and is left out), and when it weakens the connection
    /// (`SASL_PLAINTEXT`, certificate or host name verification off) `consumer_config.tls` fails and the
    /// Kafka checks are skipped (`credentials_withheld`): no credentials go over such a connection.
    ///
    /// ```swift
    /// let consumer = try ConsumerConfiguration(contentsOf: "consumer.properties")
    /// try await ShareVerifier().verify(share, consumer: consumer).requirePassing()
    /// ```
    /// - Parameters:
    ///   - share: The redeemed share.
    ///   - consumer: The consumer's configuration.
    /// - Returns: The report: the `consumer_config.*` checks first, then the verification's.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the share, or
    ///   from the consumer's values (nothing was contacted).
    public func verify(
        _ share: RedeemedShare,
        consumer: ConsumerConfiguration
    ) async throws(ConfigurationError) -> VerificationReport {
        try await resolvingNetwork(of: share).verifyOnce(share, consumer: consumer)
    }

    /// One verification with the consumer's configuration, with the options as they are.
    func verifyOnce(
        _ share: RedeemedShare,
        consumer: ConsumerConfiguration
    ) async throws(ConfigurationError) -> VerificationReport {
        let kafka = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
        let compared = ConsumerConfigChecks(
            consumer: consumer,
            share: share,
            kafka: kafka,
            registry: kafka.schemaRegistry
        )
        let checks = compared.results()
        let (adapted, adaptedOptions) = Self.adapt(share, options: options, to: compared)
        // A connection weaker than SASL_SSL with verification never carries credentials: the Kafka
        // checks are skipped, saying why (consumer_config.tls has failed).
        var report = try await ShareVerifier(options: adaptedOptions, cdx: cdx, httpClient: httpClient, logger: logger)
            .run(
                adapted,
                handles: KafkaHandlePool(),
                httpClient: httpClient,
                withholdingCredentials: compared.credentialsWithheld()
            )
        report.checks = checks + report.checks
        // The report names the share's key, never a value read from the consumer's file (a username
        // and a password swapped by mistake would otherwise print the secret).
        report.share.apiKey = share.apiKey
        return report
    }

    /// The share and options as the consumer's configuration has them.
    private static func adapt(
        _ share: RedeemedShare,
        options: Options,
        to compared: ConsumerConfigChecks
    ) -> (RedeemedShare, Options) {
        let consumer = compared.consumer
        var share = share
        var options = options
        // The share's secrets only ever go where the share says: the consumer's servers and registry
        // URL are used with the consumer's own credentials, or not at all (their mismatch is reported).
        let (_, username, password, _) = compared.saslCredentials()
        if let username, let password {
            share.apiKey = username
            share.secret = Secret(password)
            if let servers = consumer["bootstrap.servers"], !ConsumerConfigChecks.servers(servers).isEmpty {
                let url = share.kafkaBootstrapURL
                let scheme = url.firstRange(of: "://").map { String(url[..<$0.upperBound]) }
                share.kafkaBootstrapURL = (scheme ?? "") + ConsumerConfigChecks.servers(servers).joined(separator: ",")
            }
        }
        let registry = compared.registrySettings()
        if let url = registry.url, let userInfo = registry.userInfo, let colon = userInfo.firstIndex(of: ":") {
            share.schemaRegistryURL = url
            share.schemaRegistryAPIKey = String(userInfo[..<colon])
            share.schemaRegistrySecret = Secret(String(userInfo[userInfo.index(after: colon)...]))
        }
        // The group checks use the consumer's group.id: the suffix after the prefix it is under.
        if let groupID = consumer["group.id"], let prefix = share.groupPrefixes.first(where: { groupID.hasPrefix($0) })
        {
            options.kafka.groupSuffix = String(groupID.dropFirst(prefix.count))
        }
        var overrides: [ConfigProperty] = []
        if let value = consumer["security.protocol"] {
            overrides.append(ConfigProperty("security.protocol", .plain(value.uppercased())))
        } else if compared.kafka.bootstrap.securityProtocol == .saslSSL {
            overrides.append(ConfigProperty("security.protocol", .plain("PLAINTEXT")))  // both clients' default
        }
        // A mechanism librdkafka can try against the cluster is tried; GSSAPI and the like (or none) fail
        // consumer_config.sasl_mechanism and are not attempted (Kerberos would only run kinit here).
        let mechanism =
            (consumer.family == .java
            ? consumer["sasl.mechanism"] : consumer["sasl.mechanisms"] ?? consumer["sasl.mechanism"])?
            .trimmingWhitespace().uppercased()
        if let mechanism, ["SCRAM-SHA-256", "SCRAM-SHA-512"].contains(mechanism) {
            overrides.append(ConfigProperty("sasl.mechanisms", .plain(mechanism)))
        }
        switch consumer.family {
        case .java:
            if let algorithm = consumer["ssl.endpoint.identification.algorithm"] {
                let value = algorithm.trimmingWhitespace().isEmpty ? "none" : algorithm
                overrides.append(ConfigProperty("ssl.endpoint.identification.algorithm", .plain(value)))
            }
        case .librdkafka, .env:
            // Everything else the consumer sets, as its client will (keys librdkafka refuses fail
            // consumer_config.property and are left out, so that the rest can still be verified).
            let handled: Set<String> = [
                "bootstrap.servers", "metadata.broker.list", "security.protocol", "sasl.mechanisms", "sasl.mechanism",
                "sasl.username", "sasl.password", "group.id",
            ]
            // Only under the very key that was checked: a key or value with a hidden byte, or one that
            // loads code, is never passed on (consumer_config.property has refused it).
            for (key, value) in consumer.properties
            where !handled.contains(key) && !ConsumerConfigChecks.registryKeys.contains(key)
                && ConsumerConfiguration.refusal(key: key, value: value) == nil
            {
                let secret = ConsumerConfiguration.isSecretKey(key)
                guard (try? RdKafkaConfiguration().set(RdKafkaProperty(key, value, isSecret: secret))) != nil else {
                    continue
                }
                overrides.removeAll { $0.key == key }
                overrides.append(ConfigProperty(key, secret ? .secret(Secret(value)) : .plain(value)))
            }
        }
        options.kafka.overrides = overrides + options.kafka.overrides
        return (share, options)
    }
}
