import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamShare
import Synchronization

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Verify a saved share on a schedule: one JSON line per run, Prometheus metrics and /healthz.",
        discussion: """
            Runs the verification every --interval (never two at once: a run that outlasts the interval delays \
            the next). Each run prints one JSON line on standard output: timestamp, summary and failed check ids. \
            A check changing state (pass → fail and back) is logged once on standard error. Kafka clients and \
            HTTP connections are kept between runs.

            With --metrics-address, serves GET /metrics (Prometheus text format), GET /healthz and GET /readyz \
            (200 when the last run passed, 503 with the failed checks otherwise, 503 before the first run \
            completes or when runs stopped completing), and GET /livez (200 while the process serves). \
            Examples/deploy has Kubernetes probes and Prometheus alert rules for them.

            Stops on SIGINT or SIGTERM (an in-flight run is cancelled) and exits 0.
            """
    )

    @Option(name: .long, help: "The share file to verify (saved by redeem or verify --token).")
    var share: String

    @Option(
        name: .long,
        help: ArgumentHelp("Time from the start of one run to the start of the next: 60s, 5m …", valueName: "duration")
    )
    var interval: DurationArgument = DurationArgument(argument: "60s")!

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve /metrics, /healthz, /readyz and /livez on this address (port 0: any free port, printed on stderr).",
            valueName: "host:port"
        )
    )
    var metricsAddress: String?

    @OptionGroup var checks: CheckOptions
    @OptionGroup var outputOptions: OutputOptions

    /// The shortest interval: shorter runs would follow each other back to back.
    static let shortestInterval: Duration = .milliseconds(10)

    func validate() throws {
        if interval.duration < Self.shortestInterval {
            throw ValidationError("--interval must be at least 10ms")
        }
        if let metricsAddress, ListenAddress(metricsAddress) == nil {
            throw ValidationError("--metrics-address '\(metricsAddress)' is not host:port (e.g. 127.0.0.1:9464)")
        }
    }

    func run() async throws {
        let console = outputOptions.console
        var logger = Logger(label: "cdx-verify.watch", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = outputOptions.verbose ? .debug : (outputOptions.quiet ? .error : .info)
        let redeemed = try Runner.readShare(share, console: console)
        do {
            try await withShareMonitor(
                share: redeemed,
                options: try checks.verifierOptions(privateNetworking: false),
                idleConnectionTimeout: max(interval.duration * 2, ShareMonitor.defaultIdleConnectionTimeout),
                logger: outputOptions.verbose ? logger : nil
            ) { monitor in
                try await watch(monitor, redeemed: redeemed, console: console, logger: logger)
            }
        } catch let error as ConfigurationError {
            throw Runner.fail(error, console: console)
        }
    }

    /// Runs the schedule (and the metrics server) until SIGINT or SIGTERM.
    private func watch(
        _ monitor: ShareMonitor,
        redeemed: RedeemedShare,
        console: Console,
        logger: Logger
    ) async throws {
        // /healthz turns 503 when no run has completed for two intervals plus a whole run's deadline.
        let state = WatchState(
            strict: checks.strict,
            staleAfter: interval.duration * 2 + checks.timeout.duration + .seconds(5),
            shareID: redeemed.id ?? "",
            logger: logger
        )
        let loop = WatchLoop(
            monitor: monitor,
            interval: interval.duration,
            state: state,
            shareFile: WatchedFile(path: share)
        )

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let listening = Mutex(false)
        if let metricsAddress, let address = ListenAddress(metricsAddress) {
            let server = MetricsServer.make(address: address, state: state) { port in
                listening.withLock { $0 = true }
                console.info(
                    "serving metrics on http://\(address.host):\(port)/metrics and health on http://\(address.host):\(port)/healthz"
                )
            }
            services.append(.init(service: server))
        }
        services.append(.init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup))

        var lifecycleLogger = logger
        lifecycleLogger.logLevel = outputOptions.verbose ? .debug : .critical
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: lifecycleLogger
        )
        // SIGTERM must end the process within a second, whatever a run or a scrape is doing.
        configuration.maximumGracefulShutdownDuration = .milliseconds(800)
        console.info(
            "watching \(share) every \(interval.text) "
                + "(\(redeemed.topics.count) topic(s), \(redeemed.groupPrefixes.count) group prefix(es), "
                + "\(redeemed.subjects.count) subject(s))"
        )
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch is CancellationError {
            // The graceful shutdown ran out of time and the group was cancelled: still a requested stop.
        } catch {
            if let metricsAddress, !listening.withLock({ $0 }) {
                console.error(
                    "cannot serve metrics on \(metricsAddress): \(error)",
                    hint: "choose another --metrics-address (is the port in use?)"
                )
            } else {
                console.error("watch stopped: \(error)")
            }
            throw Exit.invalidInput
        }
        console.info("stopped after \(state.completedRuns) run(s)")
    }
}

/// `host:port`, `[v6]:port` or `port` (127.0.0.1).
struct ListenAddress: Sendable {
    let host: String
    let port: Int

    init?(_ text: String) {
        var host = "127.0.0.1"
        var portText = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        }
        guard !host.isEmpty, !host.contains(" "), let port = Int(portText), (0...65535).contains(port) else {
            return nil
        }
        self.host = host
        self.port = port
    }
}

/// The schedule: run, record, wait for the rest of the interval; stop at graceful shutdown.
struct WatchLoop: Service {
    let monitor: ShareMonitor
    let interval: Duration
    let state: WatchState
    let shareFile: WatchedFile

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let start = ContinuousClock.now
                await reloadShareIfChanged()
                let report: VerificationReport
                do {
                    report = try await monitor.verify()
                } catch is CancellationError {
                    return
                } catch {
                    state.recordRunError(error)
                    try await Task.sleep(until: start + interval, clock: .continuous)
                    continue
                }
                let line = state.record(report, duration: ContinuousClock.now - start)
                StandardStreams.writeOut((line + "\n"))
                // A run that outlasted the interval delays the next one; it never overlaps it.
                try await Task.sleep(until: start + interval, clock: .continuous)
            }
        }
    }
}

extension WatchLoop {
    /// A share file redeemed again (a new invitation after the provider rotated the key) is picked
    /// up before the next run; an unusable one is reported once and the previous share kept.
    private func reloadShareIfChanged() async {
        guard shareFile.changed() else { return }
        do {
            let loaded = try ShareFile.read(shareFile.path)
            try await monitor.replaceShare(loaded.share)
            state.shareReplaced(loaded.share, path: shareFile.path)
        } catch {
            state.recordError(
                "the share file \(shareFile.path) changed but cannot be used (\(error)); still verifying the previous share"
            )
        }
    }
}

/// A file whose changes (modification time, size, inode) are noticed between runs.
final class WatchedFile: Sendable {
    let path: String
    private let signature: Mutex<[String]>

    init(path: String) {
        self.path = path
        signature = Mutex(Self.signature(path))
    }

    /// True once per change since the last call (or since `init`).
    func changed() -> Bool {
        let current = Self.signature(path)
        return signature.withLock { last in
            defer { last = current }
            return last != current
        }
    }

    /// What identifies the file's content: where the path leads after every symbolic link, and that
    /// file's modification time, size and inode. A Kubernetes Secret mounts `share.json ->
    /// ..data/share.json` and swaps `..data` atomically: the link itself never changes.
    private static func signature(_ path: String) -> [String] {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return [] }
        return [
            target, "\(attributes[.modificationDate] ?? "")", "\(attributes[.size] ?? "")",
            "\(attributes[.systemFileNumber] ?? "")",
        ]
    }
}
