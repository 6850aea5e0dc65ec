import ArgumentParser
import Logging
import ServiceLifecycle
import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Verify saved shares on a schedule: one JSON line per run, Prometheus metrics and /healthz.",
        discussion: """
            Runs the verification of each share every --interval (never two runs of a share at once: a run \
            that outlasts the interval delays the next; at most --max-concurrent-runs runs at once across \
            shares). Each run prints one JSON line on standard output: timestamp, share, summary and failed \
            check ids (a run the process could not make, out of file descriptors say, prints its `error` and \
            counts as outcome local_error: never a verdict about the share). A check changing state (pass → \
            fail and back) is logged once on standard error.

            --share can be repeated; --share-dir watches every share file (*.json) of a directory, picking up \
            files as they appear and disappear (a listing that fails changes nothing). A file is one share \
            whatever path names it; two files with the same share id are refused. A share is named by its id, \
            else its file name: the `share` label of every series and the `share` of every line.

            Sizing: Kafka clients and registry connections follow the runs, not the shares, so a replica costs \
            what --max-concurrent-runs runs cost (about 6 threads and 13 descriptors per run in progress or \
            kept warm on a one-broker cluster, more on larger ones: a run proves every broker at once when \
            there is room for 16 + (4 + brokers) x (2 x brokers + 4) descriptors, else 4 or 1 at a time; plus a few dozen of its own) \
            whatever its number of shares; the soft descriptor limit is raised to the hard one at start. One replica at the default concurrency verifies about 1,000 \
            shares a minute (BENCHMARKS.md); beyond that, run N replicas with --shard K/N (or a StatefulSet \
            with --shard-count N and CDX_VERIFY_POD_INDEX): each watches the shares whose id falls to it by \
            rendezvous hashing, and changing N moves about 1/N of them.

            With --metrics-address, serves GET /metrics (Prometheus text format), GET /healthz and GET /readyz \
            (200 when every share's last run passed, 503 with the failed checks otherwise, 503 before the \
            first run completes or when runs stopped completing; ?share=NAME for one share), and GET /livez \
            (200 while the process serves), each for this replica's shares. Examples/deploy has Kubernetes \
            probes, a sharded StatefulSet and Prometheus alert rules.

            Stops on SIGINT or SIGTERM (in-flight runs are cancelled) and exits 0.

            EXAMPLES
              cdx-verify watch --share share.json --interval 60s --metrics-address 127.0.0.1:9464
              cdx-verify watch --share-dir /etc/cdx/shares --max-concurrent-runs 4 --metrics-address 0.0.0.0:9464
              cdx-verify watch --share share.json --max-staleness 15m --max-lag 10000 --metrics-address 127.0.0.1:9464
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A share file to verify (saved by redeem or verify --token); repeat it for several shares "
                + "(default without --share-dir: $CDX_VERIFY_SHARE)."
        )
    )
    var share: [String] = []

    /// The `--share` files, else `CDX_VERIFY_SHARE` when neither `--share` nor `--share-dir` is given.
    var sharePaths: [String] {
        guard share.isEmpty, shareDir == nil else { return share }
        return EnvironmentDefault.share.value.map { [$0] } ?? []
    }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Watch every share file (*.json) of this directory, as files appear and disappear.",
            valueName: "directory"
        )
    )
    var shareDir: String?

    @Option(
        name: .long,
        help: "Runs at most at once across shares; Kafka clients and registry connections follow the runs."
    )
    var maxConcurrentRuns: Int = 4

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Watch only the shares that fall to replica K of N (rendezvous hashing of share ids, K from 1); "
                + "default: $CDX_VERIFY_SHARD, else every share.",
            valueName: "K/N"
        )
    )
    var shard: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With $CDX_VERIFY_POD_INDEX (a StatefulSet's 0-based pod index, from the downward API): this replica "
                + "watches shard <pod index + 1>/N.",
            valueName: "N"
        )
    )
    var shardCount: Int?

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

    @Flag(
        name: .long,
        help: "Freshness and lag metrics per topic (summed) rather than per partition: for topics with many partitions."
    )
    var noPartitionMetrics = false

    @OptionGroup var checks: CheckOptions
    @OptionGroup(title: "Confluent Cloud API (optional: adds each share's status phase to the metrics)")
    var cloud: CloudOptions
    @OptionGroup var outputOptions: OutputOptions

    /// The shortest interval: shorter runs would follow each other back to back.
    static let shortestInterval: Duration = .milliseconds(10)

    func validate() throws {
        if sharePaths.isEmpty, shareDir == nil {
            throw ValidationError("give --share FILE (repeatable) or --share-dir DIRECTORY")
        }
        if maxConcurrentRuns < 1 { throw ValidationError("--max-concurrent-runs must be at least 1") }
        if interval.duration < Self.shortestInterval {
            throw ValidationError("--interval must be at least 10ms")
        }
        _ = try replicaShard()
        if let metricsAddress, ListenAddress(metricsAddress) == nil {
            throw ValidationError("--metrics-address '\(metricsAddress)' is not host:port (e.g. 127.0.0.1:9464)")
        }
    }

    /// `--shard`, else `CDX_VERIFY_SHARD`, else `CDX_VERIFY_POD_INDEX` with `--shard-count`, else none.
    private func replicaShard() throws -> Shard? {
        let environment = Environment.values
        if let text = shard ?? environment["CDX_VERIFY_SHARD"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                return try Shard(parsing: text)
            } catch {
                throw ValidationError("--shard: \(error)")
            }
        }
        guard let count = shardCount else { return nil }
        guard let text = environment["CDX_VERIFY_POD_INDEX"], let index = Int(text) else {
            throw ValidationError(
                "--shard-count needs CDX_VERIFY_POD_INDEX (the pod index, e.g. from the label "
                    + "apps.kubernetes.io/pod-index), or give --shard K/N"
            )
        }
        do {
            return try Shard(index: index + 1, of: count)
        } catch {
            throw ValidationError("--shard-count \(count) with pod index \(index): \(error)")
        }
    }

    func run() async throws {
        let console = outputOptions.console
        var logger = Logger(label: "cdx-verify.watch", factory: { TerminalLogHandler(label: $0) })
        logger.logLevel = outputOptions.verbose ? .debug : (outputOptions.quiet ? .error : .info)
        // As Go's runtime does: the soft descriptor limit (systemd's 1,024) up to the hard one.
        if let limits = FileDescriptors.raiseSoftLimit() {
            let hard = limits.hard == Int.max ? "unlimited" : "\(limits.hard)"
            logger.info(
                "file descriptors: soft limit \(limits.before)\(limits.after == limits.before ? "" : " raised to \(limits.after)"), hard limit \(hard)"
            )
        }
        // Every named share file must be usable from the start; a directory's files are read as they come.
        var shares: [(path: String, share: PreparedShare)] = []
        for path in sharePaths { shares.append((path, try ShareFiles.read(path, console: console))) }
        if let shareDir {
            var info = stat()  // follows symbolic links, as fileExists(atPath:isDirectory:) did
            guard stat(shareDir, &info) == 0, Int(info.st_mode) & Int(S_IFMT) == Int(S_IFDIR) else {
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
        } catch let error as ConfigurationError {
            throw CommandFailure.report(error, console: console)
        }
        let fleet = WatchFleet(
            settings: .init(
                interval: interval.duration,
                intervalText: interval.text,
                options: options,
                strict: checks.strict,
                // /healthz turns 503 when no run has completed for two intervals plus a whole run's deadline.
                staleAfter: interval.duration * 2 + checks.deadline + .seconds(5),
                // Connections follow the runs: kept from run to run only while every share can hold a run slot.
                idleConnectionTimeout: shareDir == nil && shares.count <= maxConcurrentRuns
                    ? max(interval.duration * 2, ShareMonitor.defaultIdleConnectionTimeout) : .seconds(15),
                maximumConcurrentRuns: maxConcurrentRuns,
                logger: logger,
                monitorLogger: outputOptions.verbose ? logger : nil,
                shareStatus: cloud.shareStatusLookup(logger: logger, level: .warning),
                phaseInterval: max(interval.duration, .seconds(300)),
                shard: try replicaShard(),
                partitionMetrics: !noPartitionMetrics
            ),
            directory: shareDir
        )
        // What a monitor would refuse is refused now, naming the file; what is built is the monitor's.
        var prepared: [PreparedConfiguration] = []
        for (path, share) in shares {
            do {
                prepared.append(try fleet.prepare(share))
            } catch {
                console.error("\(path): \(error.description)")
                throw Exit.invalidInput
            }
        }
        for ((path, loaded), prepared) in zip(shares, prepared) {
            let share = loaded.share
            do {
                guard fleet.isMine(share, path: path) else {
                    console.info("\(path): share \(share.id ?? "?") falls to another shard than \(fleet.shardText)")
                    continue
                }
                try fleet.add(path: path, prepared: prepared)
            } catch .alreadyWatched(let path, let other) {
                console.info("\(path) is the file \(other) names: watched once")
            } catch {
                console.error("\(error)")
                throw Exit.invalidInput
            }
        }
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
        if let shareDir {
            let part = fleet.shardText == "every share" ? "" : " that fall to \(fleet.shardText)"
            console.info("watching the share files of \(shareDir)\(part) every \(interval.text)")
        }
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
        guard !host.isEmpty, !host.contains(" " as Character), let port = Int(portText), (0...65535).contains(port)
        else {
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
