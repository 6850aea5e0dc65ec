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
        try await verify(prepared: PreparedShare(configuring: share), consumer: consumer)
    }

    /// Verifies a share already parsed as a consumer with its own configuration will use it: as
    /// ``verify(_:consumer:)``.
    /// - Parameters:
    ///   - prepared: The share and its endpoints.
    ///   - consumer: The consumer's configuration.
    /// - Returns: The report: the `consumer_config.*` checks first, then the verification's.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the share, or
    ///   from the consumer's values (nothing was contacted).
    public func verify(
        prepared: PreparedShare,
        consumer: ConsumerConfiguration
    ) async throws(ConfigurationError) -> VerificationReport {
        let verifier = await resolvingNetwork(of: prepared.share)
        return try await verifier.run(verifier.prepare(prepared, consumer: consumer))
    }

    /// The verification of the share with the consumer's configuration: compared with the share's
    /// (`configuration`), then a configuration built from the consumer's parsed values, for the
    /// share's resources. A connection weaker than SASL_SSL with verification never carries
    /// credentials: the Kafka checks are then skipped, saying why (`consumer_config.tls` has failed).
    func consumerPreparation(
        _ configuration: PreparedConfiguration,
        prepared: PreparedShare,
        consumer: ConsumerConfiguration
    ) throws(ConfigurationError) -> Preparation {
        let compared = ConsumerConfigChecks(
            consumer: consumer,
            share: prepared.share,
            kafka: configuration.kafka,
            registry: configuration.registry
        )
        let options = Self.adapt(options, to: compared)
        // The report names the share's key, never a value read from the consumer's file (a username
        // and a password swapped by mistake would otherwise print the secret): the configuration's
        // share stays the share.
        let kafka = try Self.consumerKafka(prepared, compared: compared, options: options)
        return Preparation(
            configuration: PreparedConfiguration(share: prepared.share, kafka: kafka),
            options: options,
            consumerChecks: compared.results(),
            withholdingCredentials: compared.credentialsWithheld()
        )
    }

    /// The client configuration of the consumer's parsed values: its servers and registry are used
    /// with its own credentials, or not at all (the share's secrets only ever go where the share says;
    /// a mismatch is reported).
    private static func consumerKafka(
        _ prepared: PreparedShare,
        compared: ConsumerConfigChecks,
        options: Options
    ) throws(ConfigurationError) -> KafkaClientConfig {
        let consumer = compared.consumer
        var bootstrap = prepared.endpoints.bootstrap
        var username = prepared.share.apiKey
        var password = prepared.share.secret
        let (_, consumerUsername, consumerPassword, _) = compared.saslCredentials()
        if let consumerUsername, let consumerPassword {
            username = consumerUsername
            password = Secret(consumerPassword)
            let servers = consumer["bootstrap.servers"].map(ConsumerConfigChecks.servers) ?? []
            if !servers.isEmpty {
                do {
                    bootstrap = try BootstrapServers(entries: servers, securityProtocol: bootstrap.securityProtocol)
                } catch {
                    throw ConfigurationError(
                        code: .invalidBootstrapURL,
                        key: "bootstrap.servers",
                        message: error.reason
                    )
                }
            }
        }
        var registry = prepared.schemaRegistry
        let settings = compared.registrySettings()
        if let url = settings.url, let userInfo = settings.userInfo, let colon = userInfo.firstIndex(of: ":") {
            do {
                registry = try ShareEndpoints.registry(
                    url: url,
                    apiKey: String(userInfo[..<colon]),
                    secret: Secret(String(userInfo[userInfo.index(after: colon)...])),
                    hasSubjects: !prepared.share.subjects.isEmpty
                )
            } catch {
                throw ConfigurationError(error)
            }
        }
        return try KafkaClientConfig(
            endpoints: ShareEndpoints(bootstrap: bootstrap, schemaRegistry: registry),
            username: username,
            password: password,
            groupPrefixes: prepared.share.groupPrefixes,
            options: .init(verifierOptions: options)
        )
    }

    /// The options as the consumer's configuration has them: its `group.id` and its settings.
    private static func adapt(_ options: Options, to compared: ConsumerConfigChecks) -> Options {
        let consumer = compared.consumer
        var options = options
        let share = compared.share
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
        return options
    }
}
