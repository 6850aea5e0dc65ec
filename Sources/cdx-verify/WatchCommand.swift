import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamShare
import Synchronization

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Verify saved shares on a schedule: one JSON line per run, Prometheus metrics and /healthz.",
        discussion: """
            Runs the verification of each share every --interval (never two runs of a share at once: a run \
            that outlasts the interval delays the next; at most --max-concurrent-runs runs at once across \
            shares). Each run prints one JSON line on standard output: timestamp, share, summary and failed \
            check ids. A check changing state (pass → fail and back) is logged once on standard error. Kafka \
            clients and HTTP connections are kept between runs.

            --share can be repeated; --share-dir watches every share file (*.json) of a directory, picking up \
            files as they appear and disappear (a share taken away releases its clients). A share is named \
            by its id, else its file name: the `share` label of every series and the `share` of every line.

            With --metrics-address, serves GET /metrics (Prometheus text format), GET /healthz and GET /readyz \
            (200 when every share's last run passed, 503 with the failed checks otherwise, 503 before the \
            first run completes or when runs stopped completing; ?share=NAME for one share), and GET /livez \
            (200 while the process serves). Examples/deploy has Kubernetes probes and Prometheus alert rules.

            Stops on SIGINT or SIGTERM (in-flight runs are cancelled) and exits 0.

            EXAMPLES
              cdx-verify watch --share share.json --interval 60s --metrics-address 127.0.0.1:9464
              cdx-verify watch --share-dir /etc/cdx/shares --max-concurrent-runs 4 --metrics-address 0.0.0.0:9464
            """
    )

    @Option(
        name: .long,
        help: "A share file to verify (saved by redeem or verify --token); repeat it for several shares."
    )
    var share: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Watch every share file (*.json) of this directory, as files appear and disappear.",
            valueName: "directory"
        )
    )
    var shareDir: String?

    @Option(name: .long, help: "Runs at most at once across shares.")
    var maxConcurrentRuns: Int = 4

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
    @OptionGroup(title: "Confluent Cloud API (optional: adds each share's status phase to the metrics)")
    var cloud: CloudOptions
    @OptionGroup var outputOptions: OutputOptions

    /// The shortest interval: shorter runs would follow each other back to back.
    static let shortestInterval: Duration = .milliseconds(10)

    func validate() throws {
        if share.isEmpty, shareDir == nil {
            throw ValidationError("give --share FILE (repeatable) or --share-dir DIRECTORY")
        }
        if maxConcurrentRuns < 1 { throw ValidationError("--max-concurrent-runs must be at least 1") }
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
        // Every named share file must be usable from the start; a directory's files are read as they come.
        var shares: [(path: String, share: RedeemedShare)] = []
        for path in share { shares.append((path, try Runner.readShare(path, console: console))) }
        if let shareDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: shareDir, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                console.error("--share-dir '\(shareDir)' is not a directory")
                throw Exit.invalidInput
            }
        }
        let options: ShareVerifier.Options
        do {
            options = try checks.verifierOptions(
                privateNetworking: false,
                proxy: try cloud.proxyOptions.configuration()
            )
            // What a monitor would refuse is refused now, naming the file.
            for (path, share) in shares {
                do {
                    _ = try KafkaClientConfig(share: share, options: .init(verifierOptions: options))
                } catch {
                    console.error("\(path): \(error.description)")
                    throw Exit.invalidInput
                }
            }
        } catch let error as ConfigurationError {
            throw Runner.fail(error, console: console)
        }
        let fleet = WatchFleet(
            settings: .init(
                interval: interval.duration,
                intervalText: interval.text,
                options: options,
                strict: checks.strict,
                // /healthz turns 503 when no run has completed for two intervals plus a whole run's deadline.
                staleAfter: interval.duration * 2 + checks.timeout.duration + .seconds(5),
                idleConnectionTimeout: max(interval.duration * 2, ShareMonitor.defaultIdleConnectionTimeout),
                maximumConcurrentRuns: maxConcurrentRuns,
                logger: logger,
                monitorLogger: outputOptions.verbose ? logger : nil,
                shareStatus: Runner.shareStatusLookup(cloud: cloud, logger: logger, level: .warning),
                phaseInterval: max(interval.duration, .seconds(300))
            ),
            directory: shareDir
        )
        for (path, share) in shares { fleet.add(path: path, share: share) }
        try await serve(fleet, console: console, logger: logger)
    }

    /// Runs the shares' schedules (and the metrics server) until SIGINT or SIGTERM.
    private func serve(_ fleet: WatchFleet, console: Console, logger: Logger) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let listening = Mutex(false)
        if let metricsAddress, let address = ListenAddress(metricsAddress) {
            let server = MetricsServer.make(address: address, fleet: fleet) { port in
                listening.withLock { $0 = true }
                console.info(
                    "serving metrics on http://\(address.host):\(port)/metrics and health on http://\(address.host):\(port)/healthz"
                )
            }
            services.append(.init(service: server))
        }
        services.append(.init(service: fleet, successTerminationBehavior: .gracefullyShutdownGroup))

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
        if let shareDir { console.info("watching the share files of \(shareDir) every \(interval.text)") }
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
        console.info("stopped after \(fleet.completedRuns) run(s)")
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
    static func signature(_ path: String) -> [String] {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target) else { return [] }
        return [
            target, "\(attributes[.modificationDate] ?? "")", "\(attributes[.size] ?? "")",
            "\(attributes[.systemFileNumber] ?? "")",
        ]
    }
}
