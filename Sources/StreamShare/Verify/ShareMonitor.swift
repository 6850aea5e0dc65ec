public import AsyncHTTPClient
public import Logging

/// Verifies one share again and again — a health check — keeping its connections between runs.
///
/// A ``ShareVerifier`` builds and drops its Kafka clients and connections on every call. A monitor
/// keeps them: the librdkafka handles (one per `group.id`) stay connected and authenticated, and the
/// Schema Registry requests reuse the HTTP client's kept-alive connections, so a run costs
/// requests, not new TCP, TLS and SASL handshakes. After a run whose `kafka.connect` check failed,
/// the handles are dropped and the next run starts from fresh clients, so that its diagnosis is its
/// own. Deep group joins always use a client of their own (leaving a group closes the consumer).
///
/// ```swift
/// let monitor = try ShareMonitor(share: share)
/// while !Task.isCancelled {
///     let report = try await monitor.verify()
///     // export report.summary, alert on report.failures …
///     try await Task.sleep(for: .seconds(60))
/// }
/// await monitor.shutdown()
/// ```
///
/// Runs never overlap: a call made while another run is in progress waits for it to end first.
public actor ShareMonitor {
    /// The share being verified.
    public private(set) var share: RedeemedShare
    private let verifier: ShareVerifier
    private let options: ShareVerifier.Options
    private var handles = KafkaHandlePool()
    private let httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    private let logger: Logger
    /// Ends when everything the latest run started has returned: the next run waits for it.
    private var settled: Task<Void, Never>?
    /// Ends when the latest run's Schema Registry requests have returned.
    private var registrySettled: Task<Void, Never>?
    private var current: Task<Result<ShareVerifier.Run, ConfigurationError>?, Never>?
    private var isShutDown = false

    /// How long an idle HTTP connection is kept between runs when the monitor makes its own client.
    public static let defaultIdleConnectionTimeout: Duration = .seconds(300)

    /// Creates a monitor.
    /// - Parameters:
    ///   - share: The redeemed share.
    ///   - options: As for ``ShareVerifier``.
    ///   - httpClient: The client for Schema Registry requests. By default the monitor makes one
    ///     (trusting ``ShareVerifier/Options/caFile`` when given) that keeps idle connections for
    ///     `idleConnectionTimeout`, and shuts it down in ``shutdown()``.
    ///   - idleConnectionTimeout: Keep-alive of the monitor's own HTTP connections; choose it longer
    ///     than the interval between runs.
    ///   - logger: Receives `debug` messages; silent without one.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the share and
    ///   options, or the CA file cannot be read.
    public init(
        share: RedeemedShare,
        options: ShareVerifier.Options = .init(),
        httpClient: HTTPClient? = nil,
        idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
        logger: Logger? = nil
    ) throws(ConfigurationError) {
        _ = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
        self.share = share
        self.options = options
        self.logger = logger ?? Logger(label: "cdx-verify.monitor", factory: { _ in SwiftLogNoOpLogHandler() })
        self.verifier = ShareVerifier(options: options, logger: logger)
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else {
            do {
                self.httpClient = try HTTPClientFactory.makeClient(
                    trusting: options.caFile,
                    idleTimeout: idleConnectionTimeout
                )
            } catch {
                throw ConfigurationError(
                    code: .invalidValue,
                    key: "ssl.ca.location",
                    message: "cannot read CA file '\(options.caFile ?? "")' as PEM"
                )
            }
            self.ownsHTTPClient = true
        }
    }

    /// The number of librdkafka clients held between runs (for tests and diagnostics).
    public var kafkaClientCount: Int { handles.count }

    /// Verifies the share once, over the connections kept from earlier runs.
    ///
    /// `kafka.connect` and the topic metadata are proven over a new connection on every run (a kept,
    /// long-authenticated session would hide a deleted key or a broken bootstrap path); group,
    /// read and Schema Registry checks reuse the kept clients and connections.
    /// - Returns: The report of this run.
    /// - Throws: `CancellationError` when the calling task is cancelled (the run stops within
    ///   moments; its partial results are discarded), ``ConfigurationError`` as ``ShareVerifier``
    ///   does, ``ShareMonitorError/shutDown`` after ``shutdown()``.
    public func verify() async throws -> VerificationReport {
        guard !isShutDown else { throw ShareMonitorError.shutDown }
        let earlier = settled
        let (share, verifier, handles, client, logger) = (
            self.share, self.verifier, self.handles, self.httpClient, self.logger
        )
        let run = Task { () -> Result<ShareVerifier.Run, ConfigurationError>? in
            // Never two runs on the same handles: wait until the previous run's calls have returned
            // (a cancelled wait gives up).
            if let earlier, await Race.first(of: [{ @Sendable in await earlier.value }]) == nil { return nil }
            do throws(ConfigurationError) {
                let run = try await verifier.run(share, handles: handles, httpClient: client)
                if run.report.checks.contains(where: { $0.id == "kafka.connect" && $0.status == CheckStatus.fail }) {
                    logger.debug("kafka.connect failed: the next run starts from fresh Kafka clients")
                    handles.removeAll()
                }
                return .success(run)
            } catch {
                return .failure(error)
            }
        }
        current = run
        settled = Task {
            await earlier?.value
            if case .success(let finished)? = await run.value { await finished.settled.value }
        }
        registrySettled = Task {
            if case .success(let finished)? = await run.value { await finished.registrySettled.value }
        }
        let outcome = await withTaskCancellationHandler {
            await run.value
        } onCancel: {
            run.cancel()
        }
        try Task.checkCancellation()
        guard let outcome else { throw CancellationError() }
        return try outcome.get().report
    }

    /// Verifies another share from now on (for example after the share file was redeemed again):
    /// the Kafka clients of the old one are dropped, including any a run in progress still makes.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the new share.
    public func replaceShare(_ share: RedeemedShare) throws(ConfigurationError) {
        _ = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
        self.share = share
        handles.close()
        handles = KafkaHandlePool()
    }

    /// Cancels a run in progress, releases the Kafka clients and, when the monitor made it, shuts
    /// down the HTTP client once the run's Schema Registry requests have returned. Further calls to
    /// ``verify()`` throw ``ShareMonitorError/shutDown``.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        current?.cancel()
        handles.close()
        if ownsHTTPClient {
            await registrySettled?.value
            try? await httpClient.shutdown()
        }
    }
}

/// Errors of a ``ShareMonitor`` itself.
public enum ShareMonitorError: Error, Sendable, Equatable {
    /// ``ShareMonitor/shutdown()`` was called.
    case shutDown
}
