public import AsyncHTTPClient
public import Logging
import RdKafka

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Proves that a share can be consumed: connect and authenticate, every shared topic, consumer-group
/// prefix and Schema Registry subject — and says exactly why when it cannot.
///
/// ```swift
/// let report = try await ShareVerifier().verify(share)
/// try report.requirePassing()   // before starting consumers
/// ```
///
/// The verification ends by its deadline whatever the network does: checks that did not finish are
/// reported as `fail` with code `timeout`, and checks that could not start because such a check did
/// not finish as `skip` (code `not_checked`). Kafka checks cost a fixed number of round trips: one
/// metadata request covers every shared topic.
public struct ShareVerifier: Sendable {
    var options: Options
    let cdx: CDXClient?
    let httpClient: HTTPClient?
    let logger: Logger

    /// Creates a verifier.
    /// - Parameters:
    ///   - options: Deadline, deep checks, CA, overrides.
    ///   - cdx: A client of the CDX API with the consumer's Cloud API key, when there is one: before
    ///     the checks, the private network of a PrivateLink share is looked up (``Options/Network/privateDNS``),
    ///     and a refused key is explained by the share's status (deactivated by the provider, expired,
    ///     or still active: then the key in use is wrong). Each look-up takes at most a quarter of the
    ///     deadline (5 s at most); without a client, or when the API cannot tell, nothing changes.
    ///   - httpClient: The client for Schema Registry requests; by default ``HTTPClientFactory/shared``,
    ///     or a client trusting ``Options/caFile`` made (and shut down) per verification.
    ///   - logger: Receives `debug` messages; silent without one.
    public init(
        options: Options = Options(),
        cdx: CDXClient? = nil,
        httpClient: HTTPClient? = nil,
        logger: Logger? = nil
    ) {
        self.options = options
        self.cdx = cdx
        self.httpClient = httpClient
        self.logger = logger ?? Logger(label: "cdx-verify.verifier", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Verifies a share.
    /// - Parameter share: The redeemed share.
    /// - Returns: The report; check ``VerificationReport/passed(strict:)`` or call
    ///   ``VerificationReport/requirePassing(strict:)``.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the share and
    ///   options (nothing was contacted).
    public func verify(_ share: RedeemedShare) async throws(ConfigurationError) -> VerificationReport {
        try await verify(prepared: PreparedShare(configuring: share))
    }

    /// Verifies a share already parsed (``PreparedShare``, as ``ShareFile/Loaded/prepared`` has it).
    /// - Parameter prepared: The share and its endpoints.
    /// - Returns: The report, as ``verify(_:)`` returns it.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the share and
    ///   options (nothing was contacted).
    public func verify(prepared: PreparedShare) async throws(ConfigurationError) -> VerificationReport {
        let verifier = await resolvingNetwork(of: prepared.share)
        return try await verifier.run(verifier.prepare(prepared, consumer: nil))
    }

    /// What one verification needs, prepared once (a wait runs it again and again): the configuration
    /// the checks use — the share's, or one built from the consumer's values —, the options as the
    /// consumer's configuration adapts them, and the `consumer_config.*` checks that come first.
    struct Preparation: Sendable {
        var configuration: PreparedConfiguration
        var options: Options
        var consumerChecks: [CheckResult] = []
        /// Why no Kafka connection is made, when the consumer's configuration would weaken it.
        var withholdingCredentials: String? = nil
    }

    /// The preparation of a verification of `prepared`, with `consumer`'s configuration when given.
    func prepare(
        _ prepared: PreparedShare,
        consumer: ConsumerConfiguration?
    ) throws(ConfigurationError) -> Preparation {
        // With a consumer's configuration too: the share's is what the consumer's is compared with.
        let configuration = try PreparedConfiguration(prepared: prepared, options: options)
        guard let consumer else { return Preparation(configuration: configuration, options: options) }
        return try consumerPreparation(configuration, prepared: prepared, consumer: consumer)
    }

    /// Runs a prepared verification with a new pool of Kafka clients.
    func run(_ preparation: Preparation) async throws(ConfigurationError) -> VerificationReport {
        var verifier = self
        verifier.options = preparation.options
        var report = try await verifier.run(
            preparation.configuration,
            handles: KafkaHandlePool(),
            httpClient: httpClient,
            withholdingCredentials: preparation.withholdingCredentials
        )
        report.checks = preparation.consumerChecks + report.checks
        return report
    }

    /// Verifies with the given handles (kept by a ``ShareMonitor`` between runs) and HTTP client.
    ///
    /// The probes run as children of one task group with a deadline child: when the deadline comes
    /// first, the sink is closed and the probes are cancelled, and they wind down at once (a blocking
    /// librdkafka call answers its cancelled caller immediately and ends by itself on its handle's
    /// queue). Nothing the verification started outlives it, except such a C call.
    /// `withholdingCredentials`, when set, is why no Kafka connection is made (`kafka.connect` is
    /// skipped with it, and the checks that need a connection follow).
    func run(
        _ configuration: PreparedConfiguration,
        handles: KafkaHandlePool,
        registryKnowledge: RegistryKnowledge = RegistryKnowledge(),
        httpClient: HTTPClient?,
        withholdingCredentials: String? = nil
    ) async throws(ConfigurationError) -> VerificationReport {
        handles.beginRun()
        let startedAt = Date()
        let watch = Stopwatch()
        let deadline = ContinuousClock.now + options.deadline
        let share = configuration.share
        let (kafka, registry) = try configuration.checked()
        let plan = CheckPlan(
            share: share,
            deep: options.deep,
            schemaRegistry: registry != nil,
            privateDNSHosts: options.network.privateDNS == nil ? [] : kafka.bootstrap.hosts,
            freshness: options.kafka.maxStaleness != nil,
            lag: options.kafka.maxLag != nil
        )
        logger.debug(
            "verification started",
            metadata: [
                "topics": "\(share.topics.count)", "subjects": "\(share.subjects.count)",
                "groups": "\(share.groupPrefixes.count)",
            ]
        )

        let sink = CheckSink()
        sink.add(ShareChecks.results(share, kafka: kafka, registry: registry))

        var client = httpClient ?? HTTPClientFactory.shared
        var ownedClient: HTTPClient? = nil
        let registryProxy = registry.flatMap { options.network.proxy.proxy(for: $0.url) }
        if httpClient == nil, registry != nil, options.caFile != nil || registryProxy != nil {
            client = try Self.makeClient(options, proxy: registryProxy)
            ownedClient = client
        }

        let kafkaProbe = KafkaProbe(
            share: share,
            config: kafka,
            groupSuffix: options.kafka.groupSuffix,
            deep: options.deep,
            privateDNS: options.network.privateDNS,
            resolveHost: options.network.resolveHost,
            countRequests: options.kafka.countRequests,
            deadline: deadline,
            sink: sink,
            pool: handles,
            credentialsWithheld: withholdingCredentials,
            maxStaleness: options.kafka.maxStaleness,
            maxLag: options.kafka.maxLag,
            brokerProofs: options.kafka.brokerProofs
        )
        let registryProbe = registry.map {
            SchemaRegistryProbe(
                registry: $0,
                subjects: share.subjects,
                transport: AsyncHTTPTransport(client: client),
                concurrency: max(1, options.schemaRegistry.concurrency),
                deadline: deadline,
                sink: sink,
                pacing: RegistryPacing(
                    requestsPerSecond: options.schemaRegistry.requestsPerSecond,
                    concurrency: max(1, options.schemaRegistry.concurrency)
                ),
                knowledge: registryKnowledge
            )
        }
        let timings = await Self.runProbes(
            kafkaProbe,
            registryProbe,
            deep: options.deep,
            sink: sink,
            until: deadline
        )
        // Every registry request has returned (the group awaited its children): the client can go.
        try? await ownedClient?.shutdown()

        let bootstrap = kafka.bootstrap
        let completed = plan.complete(sink.all, discovered: sink.discovered, deadline: options.deadline)
        // A refused key is explained by the share's status, when a CDX client can ask for it.
        let status =
            completed.contains(where: WaitPolicy.isAuthenticationFailure) ? await status(of: share) : nil
        let (checks, notes) = ReportHints(
            redeemedAt: share.metadata?.createdAt,
            proxy: options.network.proxy,
            bootstrap: bootstrap,
            registryProxied: registryProxy != nil,
            shareStatus: status
        ).compose(completed)
        let report = VerificationReport(
            schemaVersion: VerificationReport.currentSchemaVersion,
            toolVersion: StreamShareVersion.string,
            librdkafkaVersion: KafkaLibrary.version,
            startedAt: Timestamps.format(startedAt),
            share: .init(
                id: share.id,
                apiKey: share.apiKey,
                bootstrapServers: bootstrap.bootstrapServers,
                securityProtocol: kafka["security.protocol"] ?? bootstrap.securityProtocol.rawValue,
                schemaRegistryURL: registry?.url.absoluteString,
                topics: share.topics,
                groupPrefixes: share.groupPrefixes,
                subjects: share.subjects,
                unsupportedKinds: share.unsupportedResources.map(\.kind)
            ),
            recommendedGroupID: kafka.groupID,
            checks: checks,
            timings: .init(totalMs: watch.elapsedMs, kafkaMs: timings.kafkaMs, schemaRegistryMs: timings.registryMs),
            kafkaRequests: options.kafka.countRequests ? sink.requestCounts : nil,
            schemaRegistryRequests: registryProbe?.pacing.requestsByStatus,
            notes: notes,
            partitions: options.kafka.maxStaleness != nil || options.kafka.maxLag != nil
                ? sink.offsets.partitions : nil,
            consumerLag: options.kafka.maxLag != nil ? sink.offsets.lag : nil
        )
        logger.debug(
            "verification finished",
            metadata: ["status": "\(report.summary.status.rawValue)", "failed": "\(report.summary.failed)"]
        )
        return report
    }

    /// A Schema Registry client trusting ``Options/caFile`` and going through `proxy`; the caller
    /// shuts it down.
    static func makeClient(
        _ options: Options,
        proxy: HTTPProxy?,
        idleTimeout: Duration? = nil
    ) throws(ConfigurationError) -> HTTPClient {
        do {
            return try HTTPClientFactory.makeClient(trusting: options.caFile, idleTimeout: idleTimeout, proxy: proxy)
        } catch {
            throw ConfigurationError(
                code: .invalidValue,
                key: "ssl.ca.location",
                message: "cannot read CA file '\(options.caFile ?? "")' as PEM"
            )
        }
    }

    /// How a child of the verification's task group ended.
    private enum Finished: Sendable {
        case kafka(ms: Double)
        case registry(ms: Double)
        case recordSchemas(ms: Double)
        case deadline
    }

    /// Runs the probes until both have finished or the deadline (plus a little slack, so that a check
    /// finishing right at it is kept) has passed; the caller's cancellation counts as the deadline.
    /// Under `--deep`, once both have finished, the schema ids found in the records read are resolved.
    /// - Returns: How long each probe took (0 for one cut short).
    private static func runProbes(
        _ kafka: KafkaProbe,
        _ registry: SchemaRegistryProbe?,
        deep: Bool,
        sink: CheckSink,
        until deadline: ContinuousClock.Instant
    ) async -> (kafkaMs: Double, registryMs: Double) {
        await withTaskGroup(of: Finished.self) { group in
            group.addTask {
                let watch = Stopwatch()
                await kafka.run()
                return .kafka(ms: watch.elapsedMs)
            }
            if let registry {
                group.addTask {
                    let watch = Stopwatch()
                    await registry.run()
                    return .registry(ms: watch.elapsedMs)
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline + .milliseconds(250), clock: .continuous)
                return .deadline
            }
            var pending = registry == nil ? 1 : 2
            var timings = (kafkaMs: 0.0, registryMs: 0.0)
            func probeFinished() {
                pending -= 1
                // The records' schema ids need both: the records read, and a key the registry accepts.
                guard pending == 0, deep, let registry,
                    sink.all.contains(where: { $0.id == .schemaRegistryAuth && $0.status == .pass })
                else { return }
                let records = sink.records
                guard !records.isEmpty else { return }
                pending += 1
                group.addTask {
                    let watch = Stopwatch()
                    await registry.checkRecordSchemas(records)
                    return .recordSchemas(ms: watch.elapsedMs)
                }
            }
            while pending > 0, let finished = await group.next() {
                switch finished {
                case .kafka(let ms):
                    timings.kafkaMs = ms
                    probeFinished()
                case .registry(let ms):
                    timings.registryMs = ms
                    probeFinished()
                case .recordSchemas(let ms):
                    timings.registryMs += ms
                    pending -= 1
                case .deadline:
                    sink.close()
                    pending = 0
                }
            }
            group.cancelAll()
            return timings
        }
    }
}

extension KafkaClientConfig.Options {
    /// The options of the client configuration that a verification with `options` checks: build
    /// your consumer's configuration with these, and what starts is what was proven (the same
    /// `group.id`, CA and overrides).
    ///
    /// ```swift
    /// let options = ShareVerifier.Options(deep: true, groupSuffix: "billing")
    /// try await ShareVerifier(options: options).verify(share).requirePassing()
    /// let kafka = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
    /// ```
    public init(verifierOptions options: ShareVerifier.Options) {
        self.init(
            groupSuffix: options.kafka.groupSuffix,
            caLocation: options.caFile,
            overrides: options.kafka.overrides,
            allowPlaintext: options.kafka.allowPlaintext
        )
    }
}
