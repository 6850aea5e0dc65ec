package import AsyncHTTPClient
package import Logging
import RdKafka

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies one share again and again — a health check — keeping its connections between runs.
///
/// A ``ShareVerifier`` builds and drops its Kafka clients and connections on every call. A monitor
/// keeps them: the librdkafka handles (one per `group.id`) stay connected and authenticated, and the
/// Schema Registry requests reuse the HTTP client's kept-alive connections, so a run costs
/// requests, not new TCP, TLS and SASL handshakes. After a run whose `kafka.connect` check failed,
/// the handles are dropped and the next run starts from fresh clients, so that its diagnosis is its
/// own. Deep group joins always use a client of their own (leaving a group closes the consumer).
///
/// A monitor lives for the scope of ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:pool:logger:_:)``,
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
    public var share: RedeemedShare { prepared.share }
    /// The share's configuration, built once per share (not once per run).
    private var prepared: PreparedConfiguration
    private let verifier: ShareVerifier
    private let options: ShareVerifier.Options
    private var handles = KafkaHandlePool()
    /// What runs learned about the registry (whether it serves the bulk listing).
    private var registryKnowledge = RegistryKnowledge()
    /// The Schema Registry client of the runs: the caller's, or one the monitor made for the proxy
    /// that applies to the share's registry URL.
    private var httpClient: HTTPClient
    /// The client the caller gave, if any: used by every run, pool or not.
    private let callerClient: HTTPClient?
    private let ownsHTTPClient: Bool
    /// The clients the monitor made, by the proxy they go through (a replaced share's registry may
    /// need another route); all shut down with the monitor.
    private var ownClients: [HTTPProxy?: HTTPClient] = [:]
    private let idleConnectionTimeout: Duration
    /// The fleet's shared slots, warm clients and HTTP clients, when the monitor belongs to one.
    private let pool: MonitorPool?
    /// Counts share replacements: a run that started before one does not keep its clients warm.
    private var generation = 0
    /// The brokers the share's last run connected to: what its next run in a pool is admitted for.
    private var brokers: Int?
    private let logger: Logger
    private var running = false
    /// Calls waiting for the run in progress to end, in arrival order.
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var isShutDown = false

    /// How long an idle HTTP connection is kept between runs when the monitor makes its own client.
    public static let defaultIdleConnectionTimeout: Duration = .seconds(300)

    /// Creates a monitor of `share`, validating its configuration with `options`.
    package init(
        share: RedeemedShare,
        options: ShareVerifier.Options = .init(),
        httpClient: HTTPClient? = nil,
        idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
        pool: MonitorPool? = nil,
        logger: Logger? = nil
    ) throws(ConfigurationError) {
        try self.init(
            configuration: PreparedConfiguration(share: share, options: options),
            options: options,
            httpClient: httpClient,
            idleConnectionTimeout: idleConnectionTimeout,
            pool: pool,
            logger: logger
        )
    }

    /// Creates a monitor; ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:pool:logger:_:)``
    /// is the public way, which also shuts it down.
    package init(
        configuration prepared: PreparedConfiguration,
        options: ShareVerifier.Options = .init(),
        httpClient: HTTPClient? = nil,
        idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
        pool: MonitorPool? = nil,
        logger: Logger? = nil
    ) throws(ConfigurationError) {
        self.prepared = prepared
        self.pool = pool
        self.options = options
        self.logger = logger ?? Logger(label: "cdx-verify.monitor", factory: { _ in SwiftLogNoOpLogHandler() })
        self.verifier = ShareVerifier(options: options, logger: logger)
        self.idleConnectionTimeout = idleConnectionTimeout
        self.callerClient = httpClient
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else if let pool {
            // The pool's client of the share's route, taken again at each run.
            self.httpClient = try pool.httpClient(
                proxy: Self.registryProxy(of: self.prepared.registry, options),
                options: options
            )
            self.ownsHTTPClient = false
        } else {
            var clients: [HTTPProxy?: HTTPClient] = [:]
            self.httpClient = try Self.registryClient(
                for: self.prepared.registry,
                options,
                idleConnectionTimeout,
                in: &clients
            )
            self.ownClients = clients
            self.ownsHTTPClient = true
        }
    }

    /// The client of the route to a share's Schema Registry (the proxy that applies to its URL, or
    /// none): the one in `clients`, else a new one added there.
    private static func registryClient(
        for registry: SchemaRegistryConfig?,
        _ options: ShareVerifier.Options,
        _ idleTimeout: Duration,
        in clients: inout [HTTPProxy?: HTTPClient]
    ) throws(ConfigurationError) -> HTTPClient {
        let proxy = registryProxy(of: registry, options)
        if let client = clients[proxy] { return client }
        let client = try ShareVerifier.makeClient(options, proxy: proxy, idleTimeout: idleTimeout)
        clients[proxy] = client
        return client
    }

    /// The proxy that applies to a share's Schema Registry URL, if any.
    private static func registryProxy(
        of registry: SchemaRegistryConfig?,
        _ options: ShareVerifier.Options
    ) -> HTTPProxy? {
        registry.flatMap { options.network.proxy.proxy(for: $0.url) }
    }

    /// The number of librdkafka clients held between runs (for tests and diagnostics); a monitor of a
    /// ``MonitorPool`` holds none between runs (the pool keeps the warm ones).
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
        try await timedRun().report
    }

    /// One run, and how long it took once it could start (the wait for a ``MonitorPool`` slot and
    /// for an earlier run left out).
    func timedRun() async throws -> TimedRun {
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
        guard let pool else {
            // The pool of this run, even if the share is replaced meanwhile.
            let handles = handles
            let (startedAt, started) = (Date(), ContinuousClock.now)
            let report = try await verifier.run(
                prepared,
                handles: handles,
                registryKnowledge: registryKnowledge,
                httpClient: httpClient
            )
            if connectFailed(report) { handles.removeAll() }
            try Task.checkCancellation()
            return TimedRun(report: report, startedAt: startedAt, duration: ContinuousClock.now - started)
        }
        guard await pool.acquire() else { throw CancellationError() }
        defer { pool.release() }
        guard !isShutDown else { throw ShareMonitorError.shutDown }
        // The process's own shortage is never a verdict about the share: no run without room for one,
        // counted with the brokers the share's last run saw.
        var verifier = verifier
        let need: Int
        let growth = AdmissionGrowth(pool: pool)
        if let brokers {
            // As many proofs at once as there is room for now (all, a few, one); else wait for one.
            let proofs: Int
            if let admitted = pool.admitProofs(brokers: brokers, beyond: 0) {
                (proofs, need) = (admitted.proofs, admitted.extra)
            } else {
                (proofs, need) = (1, FileDescriptors.neededPerRun(brokers: brokers, brokerProofs: 1))
                if let short = await pool.roomForRun(needing: need) {
                    throw ShareMonitorError.outOfFileDescriptors(open: short.open, limit: short.limit)
                }
            }
            verifier.options.kafka.brokerProofs = { _ in proofs }
        } else {
            // The cluster's size is not known yet: admitted for a small one, the run grows its admission
            // once kafka.connect has counted the brokers, before it proves them.
            need = FileDescriptors.neededPerRun
            if let short = await pool.roomForRun(needing: need) {
                throw ShareMonitorError.outOfFileDescriptors(open: short.open, limit: short.limit)
            }
            verifier.options.kafka.brokerProofs = { growth.proofs(brokers: $0, admitted: need) }
        }
        defer {
            pool.endRun(needing: need)
            growth.end()
        }
        let owner = ObjectIdentifier(self)
        let generation = generation
        let handles = pool.takeHandles(for: owner)
        let exhaustions = pool.reserve.exhaustions
        let (startedAt, started) = (Date(), ContinuousClock.now)
        let report: VerificationReport
        do {
            // The caller's client when given, else the monitor's own, else the pool's for this route.
            let client: HTTPClient
            if let callerClient {
                client = callerClient
            } else if ownsHTTPClient {
                client = httpClient
            } else {
                client = try pool.httpClient(
                    proxy: Self.registryProxy(of: prepared.registry, options),
                    options: options
                )
            }
            report = try await verifier.run(
                prepared,
                handles: handles,
                registryKnowledge: registryKnowledge,
                httpClient: client
            )
        } catch {
            handles.close()
            throw error
        }
        if connectFailed(report) { handles.removeAll() }
        // Not for a share replaced meanwhile: its cluster may be another.
        if generation == self.generation { noteBrokers(report) }
        // Failures while the process ran out of descriptors (now, or at any moment of the run) are
        // its own, not the share's: EMFILE from a socket, the resolver or librdkafka alike.
        if report.summary.failed > 0,
            let short = FileDescriptors.shortage(needing: 8) ?? pool.shortage(sinceExhaustions: exhaustions)
        {
            handles.close()
            throw ShareMonitorError.outOfFileDescriptors(open: short.open, limit: short.limit)
        }
        // Clients follow the runs: warm in the pool, unless the share changed or the monitor ended.
        if generation == self.generation, !isShutDown {
            pool.putBack(handles, for: owner)
        } else {
            handles.close()
        }
        try Task.checkCancellation()
        return TimedRun(report: report, startedAt: startedAt, duration: ContinuousClock.now - started)
    }

    /// A run's report, when it started and how long it took.
    struct TimedRun: Sendable {
        var report: VerificationReport
        var startedAt: Date
        var duration: Duration
    }

    /// Keeps the number of brokers a run connected to, for the next run's admission.
    private func noteBrokers(_ report: VerificationReport) {
        guard let connect = report.checks.first(where: { $0.id == .kafkaConnect && $0.status != .fail }),
            let count = connect.details["brokers"].flatMap({ Int($0) }), count > 0
        else { return }
        brokers = count
    }

    private func connectFailed(_ report: VerificationReport) -> Bool {
        guard report.checks.contains(where: { $0.id == .kafkaConnect && $0.status == .fail }) else {
            return false
        }
        logger.debug("kafka.connect failed: the next run starts from fresh Kafka clients")
        return true
    }

    /// Verifies another share from now on (for example after the share file was redeemed again):
    /// the Kafka clients of the old one are dropped, including any a run in progress still makes.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the new share.
    public func replaceShare(_ share: RedeemedShare) throws(ConfigurationError) {
        try replaceShare(configuration: PreparedConfiguration(share: share, options: options))
    }

    /// Verifies another share, already parsed, from now on: as ``replaceShare(_:)``.
    /// - Throws: ``ConfigurationError`` when no client configuration can be built from the new share.
    public func replaceShare(prepared: PreparedShare) throws(ConfigurationError) {
        try replaceShare(configuration: PreparedConfiguration(prepared: prepared, options: options))
    }

    /// ``replaceShare(_:)`` with the share's configuration already validated (with the monitor's options).
    package func replaceShare(configuration prepared: PreparedConfiguration) throws(ConfigurationError) {
        if ownsHTTPClient {
            // A run in progress keeps the client it started with; the next run takes this one.
            httpClient = try Self.registryClient(
                for: prepared.registry,
                options,
                idleConnectionTimeout,
                in: &ownClients
            )
        }
        self.prepared = prepared
        brokers = nil
        handles.close()
        handles = KafkaHandlePool()
        generation += 1
        pool?.discard(ObjectIdentifier(self))
        registryKnowledge = RegistryKnowledge()
    }

    /// Releases the Kafka clients and, when the monitor made it, shuts down the HTTP client after the
    /// run in progress (if any) has ended. Further calls to ``verify()`` throw ``ShareMonitorError/shutDown``.
    package func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        handles.close()
        pool?.discard(ObjectIdentifier(self))
        while running { await withCheckedContinuation { waiting.append($0) } }
        if !waiting.isEmpty { waiting.removeFirst().resume() }
        for client in ownClients.values { try? await client.shutdown() }
    }
}

/// Errors of a ``ShareMonitor`` itself: local problems, never verdicts about the share.
public enum ShareMonitorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The monitor's scope has ended.
    case shutDown
    /// The process had too few free file descriptors for a run (`open` of `limit` in use): the run
    /// was not made, or its failures were set aside as the process's own.
    case outOfFileDescriptors(open: Int, limit: Int)

    /// What went wrong, in a sentence.
    public var description: String {
        switch self {
        case .shutDown: "the monitor's scope has ended"
        case .outOfFileDescriptors(let open, let limit):
            "out of file descriptors (\(open) of \(limit) open): a local problem, not a verdict about the share; "
                + "raise the limit (LimitNOFILE=, ulimit -n) or lower --max-concurrent-runs"
        }
    }
}
