public import AsyncHTTPClient
public import Logging
import RdKafka

/// Verifies one share again and again — a health check — keeping its connections between runs.
///
/// A ``ShareVerifier`` builds and drops its Kafka clients and connections on every call. A monitor
/// keeps them: the librdkafka handles (one per `group.id`) stay connected and authenticated, and the
/// Schema Registry requests reuse the HTTP client's kept-alive connections, so a run costs
/// requests, not new TCP, TLS and SASL handshakes. After a run whose `kafka.connect` check failed,
/// the handles are dropped and the next run starts from fresh clients, so that its diagnosis is its
/// own. Deep group joins always use a client of their own (leaving a group closes the consumer).
///
/// A monitor lives for the scope of ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:logger:_:)``,
/// which releases its clients when the scope ends:
///
/// ```swift
/// try await withShareMonitor(share: share) { monitor in
///     while !Task.isCancelled {
///         let report = try await monitor.verify()
///         // export report.summary, alert on report.failures …
///         try await Task.sleep(for: .seconds(60))
///     }
/// }
/// ```
///
/// Runs never overlap: a call made while another run is in progress waits for it to end first.
public actor ShareMonitor {
    /// The share being verified.
    public private(set) var share: RedeemedShare
    private let verifier: ShareVerifier
    private let options: ShareVerifier.Options
    private var handles = KafkaHandlePool()
    /// What runs learned about the registry (whether it serves the bulk listing).
    private var registryKnowledge = RegistryKnowledge()
    /// The Schema Registry client of the runs: the caller's, or one the monitor made for the proxy
    /// that applies to the share's registry URL.
    private var httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    /// The clients the monitor made, by the proxy they go through (a replaced share's registry may
    /// need another route); all shut down with the monitor.
    private var ownClients: [HTTPProxy?: HTTPClient] = [:]
    private let idleConnectionTimeout: Duration
    private let logger: Logger
    private var running = false
    /// Calls waiting for the run in progress to end, in arrival order.
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var isShutDown = false

    /// How long an idle HTTP connection is kept between runs when the monitor makes its own client.
    public static let defaultIdleConnectionTimeout: Duration = .seconds(300)

    /// Creates a monitor; ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:logger:_:)``
    /// is the public way, which also shuts it down.
    package init(
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
        self.idleConnectionTimeout = idleConnectionTimeout
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else {
            var clients: [HTTPProxy?: HTTPClient] = [:]
            self.httpClient = try Self.registryClient(for: share, options, idleConnectionTimeout, in: &clients)
            self.ownClients = clients
            self.ownsHTTPClient = true
        }
    }

    /// The client of the route to a share's Schema Registry (the proxy that applies to its URL, or
    /// none): the one in `clients`, else a new one added there.
    private static func registryClient(
        for share: RedeemedShare,
        _ options: ShareVerifier.Options,
        _ idleTimeout: Duration,
        in clients: inout [HTTPProxy?: HTTPClient]
    ) throws(ConfigurationError) -> HTTPClient {
        let proxy = (try? share.configurationEndpoints())?.schemaRegistry.flatMap { options.proxy.proxy(for: $0.url) }
        if let client = clients[proxy] { return client }
        let client = try ShareVerifier.makeClient(options, proxy: proxy, idleTimeout: idleTimeout)
        clients[proxy] = client
        return client
    }

    /// The number of librdkafka clients held between runs (for tests and diagnostics).
    public var kafkaClientCount: Int { handles.count }

    /// Verifies the share once, over the connections kept from earlier runs.
    ///
    /// `kafka.connect` and the topic metadata are proven over a new connection on every run (a kept,
    /// long-authenticated session would hide a deleted key or a broken bootstrap path); group,
    /// read and Schema Registry checks reuse the kept clients and connections. The run is a child of
    /// the calling task: cancelling it ends the run within moments.
    /// - Returns: The report of this run.
    /// - Throws: `CancellationError` when the calling task is cancelled (a partial run is discarded;
    ///   a call still waiting for another run throws once that run has ended), ``ConfigurationError``
    ///   as ``ShareVerifier`` does, ``ShareMonitorError/shutDown`` once the monitor's scope has ended.
    public func verify() async throws -> VerificationReport {
        guard !isShutDown else { throw ShareMonitorError.shutDown }
        // Never two runs on the same handles.
        while running { await withCheckedContinuation { waiting.append($0) } }
        running = true
        defer {
            running = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        try Task.checkCancellation()
        guard !isShutDown else { throw ShareMonitorError.shutDown }
        // The pool of this run, even if the share is replaced meanwhile.
        let handles = handles
        let report = try await verifier.run(
            share,
            handles: handles,
            registryKnowledge: registryKnowledge,
            httpClient: httpClient
        )
        if report.checks.contains(where: { $0.checkID == .kafkaConnect && $0.status == .fail }) {
            logger.debug("kafka.connect failed: the next run starts from fresh Kafka clients")
            handles.removeAll()
        }
        try Task.checkCancellation()
        return report
    }

    /// Verifies another share from now on (for example after the share file was redeemed again):
    /// the Kafka clients of the old one are dropped, including any a run in progress still makes.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the new share.
    public func replaceShare(_ share: RedeemedShare) throws(ConfigurationError) {
        _ = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
        if ownsHTTPClient {
            // A run in progress keeps the client it started with; the next run takes this one.
            httpClient = try Self.registryClient(for: share, options, idleConnectionTimeout, in: &ownClients)
        }
        self.share = share
        handles.close()
        handles = KafkaHandlePool()
        registryKnowledge = RegistryKnowledge()
    }

    /// Releases the Kafka clients and, when the monitor made it, shuts down the HTTP client after the
    /// run in progress (if any) has ended. Further calls to ``verify()`` throw ``ShareMonitorError/shutDown``.
    package func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        handles.close()
        while running { await withCheckedContinuation { waiting.append($0) } }
        if !waiting.isEmpty { waiting.removeFirst().resume() }
        for client in ownClients.values { try? await client.shutdown() }
    }
}

/// Runs `body` with a ``ShareMonitor`` of `share`, and releases the monitor's Kafka clients and HTTP
/// connections when `body` returns or throws.
///
/// - Parameters:
///   - share: The redeemed share.
///   - options: As for ``ShareVerifier``.
///   - httpClient: The client for Schema Registry requests. By default the monitor makes one
///     (trusting ``ShareVerifier/Options/caFile`` when given) that keeps idle connections for
///     `idleConnectionTimeout`, and shuts it down at the end of the scope.
///   - idleConnectionTimeout: Keep-alive of the monitor's own HTTP connections; choose it longer
///     than the interval between runs.
///   - logger: Receives `debug` messages; silent without one.
///   - body: Uses the monitor; it must not let the monitor escape.
/// - Returns: What `body` returns.
/// - Throws: ``ConfigurationError`` when no client configuration can be built from the share and
///   options, or the CA file cannot be read (`body` is not called); otherwise what `body` throws.
public func withShareMonitor<Result: Sendable>(
    share: RedeemedShare,
    options: ShareVerifier.Options = .init(),
    httpClient: HTTPClient? = nil,
    idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
    logger: Logger? = nil,
    _ body: (ShareMonitor) async throws -> Result
) async throws -> Result {
    let monitor = try ShareMonitor(
        share: share,
        options: options,
        httpClient: httpClient,
        idleConnectionTimeout: idleConnectionTimeout,
        logger: logger
    )
    do {
        let result = try await body(monitor)
        await monitor.shutdown()
        return result
    } catch {
        await monitor.shutdown()
        throw error
    }
}

/// Errors of a ``ShareMonitor`` itself.
public enum ShareMonitorError: Error, Sendable, Equatable {
    /// The monitor's scope has ended.
    case shutDown
}
