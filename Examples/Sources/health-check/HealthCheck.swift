import ArgumentParser
import Dispatch
import Foundation
import Logging
import StreamShare

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A periodic health check of a share from inside a long-running service, using the library directly:
/// the pattern to copy when a service should notice that its share stopped working.
///
/// - One `ShareMonitor` for the life of the process: it keeps its Kafka clients and HTTP connections
///   between runs, so a run costs a few requests instead of new TCP, TLS and SASL handshakes.
/// - `verify()` every `--interval`; each run prints one line (summary and the failed checks) and logs,
///   through swift-log, the checks that went from passing to failing or back.
/// - SIGINT or SIGTERM cancels the loop (a run in progress stops within moments), then
///   the end of the `withShareMonitor` scope releases the monitor's clients, and the process exits 0.
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
        let (every, runs) = (Duration.seconds(interval), runs)
        let options = ShareVerifier.Options(deadline: .seconds(timeout), deep: deep)
        // One monitor for the whole loop (every run reuses its connections), released when it ends.
        let loop = Task {
            try await withShareMonitor(share: loaded.share, options: options, logger: logger) { monitor in
                try await Self.check(monitor, every: every, runs: runs, logger: logger)
            }
        }
        let signalSources = Self.cancelOnTermination(loop)
        let outcome = await loop.result
        signalSources.forEach { $0.cancel() }

        switch outcome {
        case .success, .failure(is CancellationError):
            logger.info("health check stopped")
        case .failure(let error):
            throw error
        }
    }

    /// Verifies the share every `interval` until `runs` runs are done or the task is cancelled.
    private static func check(
        _ monitor: ShareMonitor,
        every interval: Duration,
        runs: Int?,
        logger: Logger
    ) async throws {
        let clock = ContinuousClock()
        var history = CheckHistory()
        for run in 1... {
            let started = clock.now
            let report = try await monitor.verify()
            printLine(Self.line(run: run, report))
            for change in history.record(report) {
                let metadata: Logger.Metadata = [
                    "check": "\(change.check.qualifiedID)", "code": "\(change.check.code)",
                    "message": "\(change.check.message)",
                ]
                if change.isFailing {
                    logger.warning("check started failing", metadata: metadata)
                } else {
                    logger.notice("check passes again", metadata: metadata)
                }
            }
            if let runs, run >= runs { return }
            try await clock.sleep(until: started + interval)
        }
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

    /// Cancels `task` on SIGINT or SIGTERM, for as long as the returned sources are not cancelled.
    private static func cancelOnTermination(_ task: Task<Void, any Error>) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)  // the default action would end the process before the handler runs
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
    }
}

/// Writes one line to standard output at once (`print` would buffer it when the output is a pipe).
private func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
