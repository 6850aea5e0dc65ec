public import AsyncHTTPClient
import Foundation
public import Logging
import Synchronization

/// Proves that a share can be consumed: connect and authenticate, every shared topic, consumer-group
/// prefix and Schema Registry subject — and says exactly why when it cannot.
///
/// ```swift
/// let report = try await ShareVerifier().verify(share)
/// try report.requirePassing()   // before starting consumers
/// ```
///
/// The verification ends by its deadline whatever the network does: checks that did not finish are
/// reported as `fail` with code `timeout`. Kafka checks cost a fixed number of round trips: one
/// metadata request covers every shared topic.
public struct ShareVerifier: Sendable {
    /// How to verify.
    public struct Options: Sendable {
        /// The whole verification ends by then (default 30 s).
        public var deadline: Duration
        /// Also prove READ with a bounded fetch per topic.
        public var deep: Bool
        /// A CA bundle to trust, for Kafka (`ssl.ca.location`) and the Schema Registry.
        public var caFile: String?
        /// librdkafka properties applied last (`-X key=value`).
        public var overrides: [ConfigProperty]
        /// Appended to the group prefix for the checked (and recommended) `group.id`.
        public var groupSuffix: String
        /// Accept a PLAINTEXT bootstrap URL (the local sandbox), reported as a warning.
        public var allowPlaintext: Bool
        /// Concurrent Schema Registry requests.
        public var schemaRegistryConcurrency: Int
        /// Count Kafka requests by type (librdkafka protocol debug) into ``VerificationReport/kafkaRequests``.
        public var countKafkaRequests: Bool
        /// The share was redeemed for private networking (hints mention PrivateLink / PSC).
        public var privateNetworking: Bool

        /// Creates options.
        public init(
            deadline: Duration = .seconds(30),
            deep: Bool = false,
            caFile: String? = nil,
            overrides: [ConfigProperty] = [],
            groupSuffix: String = KafkaClientConfig.defaultGroupSuffix,
            allowPlaintext: Bool = false,
            schemaRegistryConcurrency: Int = HTTPClientFactory.maxConnectionsPerHost,
            countKafkaRequests: Bool = false,
            privateNetworking: Bool = false
        ) {
            self.deadline = deadline
            self.deep = deep
            self.caFile = caFile
            self.overrides = overrides
            self.groupSuffix = groupSuffix
            self.allowPlaintext = allowPlaintext
            self.schemaRegistryConcurrency = schemaRegistryConcurrency
            self.countKafkaRequests = countKafkaRequests
            self.privateNetworking = privateNetworking
        }
    }

    private let options: Options
    private let httpClient: HTTPClient?
    private let logger: Logger

    /// Creates a verifier.
    /// - Parameters:
    ///   - options: Deadline, deep checks, CA, overrides.
    ///   - httpClient: The client for Schema Registry requests; by default ``HTTPClientFactory/shared``,
    ///     or a client trusting ``Options/caFile`` made (and shut down) per verification.
    ///   - logger: Receives `debug` messages; silent without one.
    public init(options: Options = Options(), httpClient: HTTPClient? = nil, logger: Logger? = nil) {
        self.options = options
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
        try await run(share, handles: KafkaHandlePool(), httpClient: httpClient).report
    }

    /// A finished verification, and the work it may have left running.
    struct Run: Sendable {
        var report: VerificationReport
        /// Ends when the Kafka and Schema Registry checks have returned. A report is due by the
        /// deadline or at once on cancellation, but a blocking librdkafka call cannot be
        /// interrupted: a ``ShareMonitor`` starts its next run on the same handles only after this.
        var settled: Task<Void, Never>
        /// Ends when the Schema Registry checks have returned (their HTTP client may then shut down).
        var registrySettled: Task<Void, Never>
    }

    /// Verifies with the given handles (kept by a ``ShareMonitor`` between runs) and HTTP client.
    func run(
        _ share: RedeemedShare,
        handles: KafkaHandlePool,
        httpClient: HTTPClient?
    ) async throws(ConfigurationError) -> Run {
        handles.beginRun()
        let startedAt = Date()
        let watch = Stopwatch()
        let deadline = ContinuousClock.now + options.deadline
        let kafka = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
        let registry = try SchemaRegistryConfig(share: share)
        logger.debug(
            "verification started",
            metadata: [
                "topics": "\(share.topics.count)", "subjects": "\(share.subjects.count)",
                "groups": "\(share.groupPrefixes.count)",
            ]
        )

        let sink = CheckSink()
        sink.add(staticChecks(share, kafka: kafka, registry: registry))

        var client = httpClient ?? HTTPClientFactory.shared
        var ownedClient: HTTPClient? = nil
        if httpClient == nil, let caFile = options.caFile, registry != nil {
            do {
                client = try HTTPClientFactory.makeClient(trusting: caFile)
                ownedClient = client
            } catch {
                throw ConfigurationError(
                    code: .invalidValue,
                    key: "ssl.ca.location",
                    message: "cannot read CA file '\(caFile)' as PEM"
                )
            }
        }

        let kafkaWatch = Mutex<Double>(0)
        let registryWatch = Mutex<Double>(0)
        let kafkaProbe = KafkaProbe(
            share: share,
            config: kafka,
            groupSuffix: options.groupSuffix,
            deep: options.deep,
            privateNetworking: options.privateNetworking,
            countRequests: options.countKafkaRequests,
            deadline: deadline,
            sink: sink,
            pool: handles
        )
        let kafkaTask = Task {
            let watch = Stopwatch()
            await kafkaProbe.run()
            kafkaWatch.withLock { $0 = watch.elapsedMs }
        }
        let registryTask = Task { [client] in
            guard let registry else { return }
            let watch = Stopwatch()
            await SchemaRegistryProbe(
                registry: registry,
                subjects: share.subjects,
                transport: AsyncHTTPTransport(client: client),
                concurrency: max(1, options.schemaRegistryConcurrency),
                deadline: deadline,
                sink: sink
            ).run()
            registryWatch.withLock { $0 = watch.elapsedMs }
        }
        let both = Task {
            await kafkaTask.value
            await registryTask.value
        }
        _ = await Race.wait(for: both, until: deadline + .milliseconds(250))
        kafkaTask.cancel()
        registryTask.cancel()
        if let ownedClient {
            // The registry task has finished or hit its own request deadline; shut down in the background.
            Task {
                _ = await registryTask.result
                try? await ownedClient.shutdown()
            }
        }

        let checks = Self.complete(
            sink.all,
            expected: expectedChecks(share, registry: registry),
            deadline: options.deadline
        )
        let bootstrap = kafka.bootstrap
        let report = VerificationReport(
            schemaVersion: VerificationReport.currentSchemaVersion,
            toolVersion: StreamShareVersion.string,
            librdkafkaVersion: KafkaLibrary.version,
            startedAt: Self.timestamp(startedAt),
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
            summary: .init(checks),
            timings: .init(
                totalMs: watch.elapsedMs,
                kafkaMs: kafkaWatch.withLock { $0 },
                schemaRegistryMs: registryWatch.withLock { $0 }
            ),
            kafkaRequests: options.countKafkaRequests ? sink.requestCounts : nil
        )
        logger.debug(
            "verification finished",
            metadata: ["status": "\(report.summary.status.rawValue)", "failed": "\(report.summary.failed)"]
        )
        return Run(
            report: report,
            settled: both,
            registrySettled: registryTask
        )
    }

    /// RFC 3339 with milliseconds (runs of a monitor can be a few milliseconds apart).
    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Warnings that need no network: unsupported resource kinds, configuration warnings, subjects a
    /// shared topic probably needs.
    private func staticChecks(
        _ share: RedeemedShare,
        kafka: KafkaClientConfig,
        registry: SchemaRegistryConfig?
    ) -> [CheckResult] {
        var checks: [CheckResult] = []
        for resource in share.unsupportedResources {
            checks.append(
                CheckResult(
                    id: "share.resource",
                    resource: resource.kind,
                    status: .warn,
                    code: "unsupported_kind",
                    message:
                        "the share lists a '\(resource.kind)' resource, which this version of cdx-verify cannot check",
                    hint: "Upgrade cdx-verify; the resource is kept in the share file."
                )
            )
        }
        for warning in kafka.warnings where !warning.hasPrefix("PLAINTEXT") {
            checks.append(
                CheckResult(
                    id: "kafka.config",
                    status: .warn,
                    code: "config_warning",
                    message: warning,
                    hint: "Review the -X overrides."
                )
            )
        }
        let subjects = Set(share.subjects)
        if !subjects.isEmpty {
            for topic in share.topics where !subjects.contains("\(topic)-value") {
                checks.append(
                    CheckResult(
                        id: "share.subject_coverage",
                        resource: topic,
                        status: .warn,
                        code: "value_subject_not_shared",
                        message: "topic '\(topic)' is shared but its value subject '\(topic)-value' is not",
                        hint:
                            "If '\(topic)' carries schema-encoded values (TopicNameStrategy), ask the provider to share '\(topic)-value'; "
                            + "otherwise consumers cannot deserialize it."
                    )
                )
            }
        }
        if !share.subjects.isEmpty, registry == nil {
            checks.append(
                CheckResult(
                    id: "schema_registry.auth",
                    status: .fail,
                    code: "not_configured",
                    message: "the share lists subjects but no Schema Registry",
                    hint: "Ask the provider to check the share's Schema Registry access."
                )
            )
        }
        return checks
    }

    private func expectedChecks(_ share: RedeemedShare, registry: SchemaRegistryConfig?) -> [(String, String?)] {
        var expected: [(String, String?)] = [("kafka.connect", nil)]
        expected += share.topics.map { ("kafka.topic", $0) }
        if options.deep { expected += share.topics.map { ("kafka.topic.read", $0) } }
        expected += share.groupPrefixes.map { ("kafka.group", $0) }
        if options.deep { expected += share.groupPrefixes.map { ("kafka.group.join", $0) } }
        if registry != nil {
            expected.append(("schema_registry.auth", nil))
            expected += share.subjects.map { ("schema_registry.subject", $0) }
        }
        return expected
    }

    /// Orders results (expected checks in share order, then the rest) and marks every expected check
    /// that did not finish as a `timeout` failure.
    private static func complete(
        _ results: [CheckResult],
        expected: [(String, String?)],
        deadline: Duration
    ) -> [CheckResult] {
        var byKey: [String: CheckResult] = [:]
        for result in results where byKey[result.qualifiedID] == nil { byKey[result.qualifiedID] = result }
        var ordered: [CheckResult] = []
        var seen = Set<String>()
        // A check whose prerequisite did not finish never started: skipped, not timed out.
        let prerequisites = [
            "kafka.topic": "kafka.connect", "kafka.topic.read": "kafka.connect", "kafka.group": "kafka.connect",
            "kafka.group.join": "kafka.connect",
            "schema_registry.subject": "schema_registry.auth",
        ]
        for (id, resource) in expected {
            let key = resource.map { "\(id)[\($0)]" } ?? id
            guard seen.insert(key).inserted else { continue }
            if byKey[key] == nil, let prerequisite = prerequisites[id], byKey[prerequisite]?.status != .pass,
                byKey[prerequisite]?.status != .warn
            {
                ordered.append(
                    CheckResult(
                        id: id,
                        resource: resource,
                        status: .skip,
                        code: "not_checked",
                        message: "\(prerequisite) did not complete"
                    )
                )
                continue
            }
            ordered.append(
                byKey[key]
                    ?? CheckResult(
                        id: id,
                        resource: resource,
                        status: .fail,
                        code: "timeout",
                        message: "did not finish within the \(deadline.formattedSeconds) deadline",
                        hint: "The network or the service is slow: retry, or raise the deadline (--timeout).",
                        durationMs: Double(deadline.milliseconds)
                    )
            )
        }
        for result in results where !seen.contains(result.qualifiedID) {
            seen.insert(result.qualifiedID)
            ordered.append(result)
        }
        return ordered
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
            groupSuffix: options.groupSuffix,
            caLocation: options.caFile,
            overrides: options.overrides,
            allowPlaintext: options.allowPlaintext
        )
    }
}
