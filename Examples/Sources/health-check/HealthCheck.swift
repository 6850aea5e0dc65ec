import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamShare

/// A periodic health check of a share from inside a long-running service, using the library directly:
/// the pattern to copy when a service should notice that its share stopped working.
///
/// - One `ShareMonitor` for the life of the process: it keeps its Kafka clients and HTTP connections
///   between runs, so a run costs a few requests instead of new TCP, TLS and SASL handshakes.
/// - The library's schedule, `monitor.reports(every:)`, runs it every `--interval`; each run prints one
///   line (summary and the failed checks), and the library's `CheckChangeTracker` says which checks
///   started failing or recovered, logged once per change through swift-log.
/// - The check is a `Service`: swift-service-lifecycle's `ServiceGroup` turns SIGINT or SIGTERM into a
///   graceful shutdown, which ends the schedule (a run in progress stops within moments); the end of
///   the `withShareMonitor` scope releases the monitor's clients, and the process exits 0.
@main
struct HealthCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health-check",
        abstract: "Verify a share periodically with a ShareMonitor, logging checks that start or stop failing.",
        discussion: "Runs until SIGINT or SIGTERM (or --runs), then exits 0."
    )

    @Option(help: "The share file (from `cdx-verify redeem --out FILE`).")
    var share: String

    @Option(help: "Seconds from the start of one run to the start of the next.")
    var interval = 10

    @Option(help: "Stop after this many runs (default: run until SIGINT or SIGTERM).")
    var runs: Int?

    @Option(help: "Seconds one run may take.")
    var timeout = 30

    @Flag(help: "Also prove READ and a group join on every run.")
    var deep = false

    func validate() throws {
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        if let runs, runs < 1 { throw ValidationError("--runs must be at least 1") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "health-check")
        let loaded = try ShareFile.read(share)
        loaded.warnings.forEach { logger.warning("share file", metadata: ["warning": "\($0)"]) }

        logger.info("health check started", metadata: ["interval": "\(interval)s", "share": "\(share)"])
        let service = ShareHealthService(
            share: loaded.prepared,
            options: ShareVerifier.Options(deadline: .seconds(timeout), deep: deep),
            interval: .seconds(interval),
            runs: runs,
            logger: logger
        )
        var quiet = logger
        quiet.logLevel = .critical
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: quiet
            )
        )
        try await group.run()
        logger.info("health check stopped")
    }
}

/// Verifies one share on a schedule until a graceful shutdown (or `runs` runs), logging changes.
struct ShareHealthService: Service {
    let share: PreparedShare
    let options: ShareVerifier.Options
    let interval: Duration
    let runs: Int?
    let logger: Logger

    func run() async throws {
        // The schedule ends when the shutdown cancels it; the scope then releases the monitor's clients.
        try await cancelWhenGracefulShutdown {
            try await withShareMonitor(prepared: share, options: options, logger: logger) { monitor in
                var tracker = CheckChangeTracker()
                for await run in monitor.reports(every: interval) {
                    switch run.result {
                    case .success(let report):
                        printLine(Self.line(run: run.number, report))
                        log(tracker.record(report))
                    case .failure(let error):
                        logger.error("run could not be made", metadata: ["error": "\(error)"])
                    }
                    if let runs, run.number >= runs { return }
                }
            }
        }
    }

    private func log(_ changes: CheckChanges) {
        for change in changes.failed {
            logger.warning("check started failing", metadata: Self.metadata(change.check))
        }
        for change in changes.recovered {
            logger.notice("check passes again", metadata: Self.metadata(change.check))
        }
    }

    private static func metadata(_ check: CheckResult) -> Logger.Metadata {
        ["check": "\(check.qualifiedID)", "code": "\(check.code)", "message": "\(check.message)"]
    }

    /// `2025-11-29T10:15:00Z run 3: fail, 14 checks: 11 passed, 1 warned, 2 failed, 0 skipped in 41 ms; failed: …`
    private static func line(run: Int, _ report: VerificationReport) -> String {
        let summary = report.summary
        var line =
            "\(report.startedAt) run \(run): \(summary.status.rawValue), \(summary.total) checks: "
            + "\(summary.passed) passed, \(summary.warned) warned, \(summary.failed) failed, "
            + "\(summary.skipped) skipped in \(Int(report.timings.totalMs.rounded())) ms"
        let failed = report.problems().map(\.qualifiedID)
        if !failed.isEmpty { line += "; failed: \(failed.joined(separator: ", "))" }
        return line
    }
}

/// Writes one line to standard output at once (`print` would buffer it when the output is a pipe).
private func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
