import Logging
import Prometheus
import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What watch mode knows between runs of one share: the last run (for /healthz), the library's
/// ``CheckChangeTracker`` (to log each change once), and the Prometheus collectors (for /metrics).
final class WatchState: Sendable {
    /// What /healthz answers: the status code and the JSON body of a ``ShareHealth``.
    struct Health: Sendable {
        var status: Int
        var body: String
        var state: ShareHealth.State?
    }

    private struct Snapshot {
        var runs = 0
        var tracker: CheckChangeTracker
        var lastReport: VerificationReport?
        var lastRunAt: Date?
        var lastError: String?
        /// The last attempt was a run that could not be made.
        var lastRunFailed = false
    }

    private let strict: Bool
    private let staleAfter: Duration
    private let logger: Logger
    private let snapshot: Mutex<Snapshot>
    let metrics: WatchMetrics

    /// The share's name in metrics, JSON lines, logs and `/healthz?share=`: its id, else its file name.
    let label: String

    /// - Parameters:
    ///   - label: The share's name in metrics and lines.
    ///   - staleAfter: /healthz answers 503 when the last run completed longer ago than this (the loop
    ///     is stuck), whatever that run said.
    ///   - registry: The Prometheus registry of the whole watch.
    init(
        label: String,
        strict: Bool,
        staleAfter: Duration,
        shareID: String,
        registry: PrometheusCollectorRegistry,
        partitionMetrics: Bool = true,
        logger: Logger
    ) {
        self.label = label
        self.strict = strict
        self.staleAfter = staleAfter
        snapshot = Mutex(Snapshot(tracker: CheckChangeTracker(strict: strict)))
        var logger = logger
        logger[metadataKey: "share"] = "\(label)"
        self.logger = logger
        self.metrics = WatchMetrics(
            registry: registry,
            share: label,
            shareID: shareID,
            strict: strict,
            partitionMetrics: partitionMetrics
        )
    }

    /// Records a completed run: metrics, state changes (logged here, once each) and the verdict.
    /// - Returns: The run's JSON line.
    func record(_ run: ShareMonitor.Run, report: VerificationReport) -> String {
        // When the run ended (the line may be written a moment later, once another run has started), in
        // whole milliseconds consistent with duration_ms: the line's start (timestamp − duration_ms) is
        // the run's start, truncated to the millisecond (the half microsecond keeps the formatter, which
        // truncates, from printing the millisecond before).
        let startMs = (run.startedAt.timeIntervalSince1970 * 1000).rounded(.down)
        let endMs = startMs + Double(run.duration / .milliseconds(1))
        let now = Date(timeIntervalSince1970: endMs / 1000 + 0.000_000_5)
        let healthy = report.passed(strict: strict)
        let changes = snapshot.withLock { state -> CheckChanges in
            state.runs += 1
            state.lastReport = report
            state.lastRunAt = now
            state.lastError = nil
            state.lastRunFailed = false
            return state.tracker.record(report)
        }
        for change in changes.failed { logFailing(change) }
        for change in changes.recovered { logRecovered(change) }
        metrics.record(report, healthy: healthy, at: now, duration: run.duration)
        return Self.jsonLine(report, share: label, run: run.number, at: now, duration: run.duration)
    }

    /// Another share is verified from the next run on.
    func shareReplaced(_ share: RedeemedShare, path: String) {
        snapshot.withLock { $0.lastError = nil }
        metrics.setShareID(share.id ?? "")
        logger.notice(
            "the share file \(path) changed: now verifying share \(share.id ?? "?") (\(share.resourceCounts))"
        )
    }

    /// A run that could not be made at all: counted as outcome `error` (`local_error` when the process
    /// itself ran short, out of descriptors say), logged once.
    /// - Returns: The run's JSON line, with its `error`.
    @discardableResult
    func recordRunError(_ error: any Error, run number: Int? = nil) -> String {
        let local = error is ShareMonitorError
        recordError(local ? "\(error)" : "run could not be made: \(error)")
        let attempt = snapshot.withLock { state in
            state.lastRunFailed = true
            return state.runs + 1
        }
        metrics.recordRunError(outcome: local ? "local_error" : "error")
        return Self.encode(
            ErrorLine(
                timestamp: Timestamps.format(Date()),
                share: label,
                run: number ?? attempt,
                outcome: local ? "local_error" : "error",
                error: "\(error)"
            )
        )
    }

    /// A run, or a share reload, that could not be made; logged once until it changes.
    func recordError(_ message: String) {
        let text = message
        let isNew = snapshot.withLock { state in
            defer { state.lastError = text }
            return state.lastError != text
        }
        if isNew { logger.error("\(text)") }
    }

    /// The library's verdict on the share now.
    var shareHealth: ShareHealth {
        snapshot.withLock { state in
            ShareHealth(
                lastReport: state.lastReport,
                lastRunAt: state.lastRunAt,
                runError: state.lastRunFailed ? (state.lastError ?? "the share cannot be verified") : nil,
                strict: strict,
                staleAfter: staleAfter
            )
        }
    }

    /// 503 before the first run completes, 200 when the last run passed, 503 with its failed checks
    /// otherwise — and 503 when the last attempt could not run or the last run is stale.
    var health: Health {
        let health = shareHealth
        return Health(
            status: health.isHealthy ? 200 : 503,
            body: Self.encode(HealthBody(share: label, health)),
            state: health.state
        )
    }

    private func logFailing(_ change: CheckChanges.Change) {
        let check = change.check
        let metadata: Logger.Metadata = ["check": "\(check.qualifiedID)", "code": "\(check.code)"]
        let from = change.previous.map { "\($0.rawValue) → \(check.status.rawValue)" } ?? "failing"
        logger.warning("\(check.qualifiedID): \(from) (\(check.code)): \(check.message)", metadata: metadata)
    }

    private func logRecovered(_ change: CheckChanges.Change) {
        let check = change.check
        let metadata: Logger.Metadata = ["check": "\(check.qualifiedID)", "code": "\(check.code)"]
        logger.notice(
            "\(check.qualifiedID): \(change.previous?.rawValue ?? "fail") → \(check.status.rawValue) (\(check.code)): \(check.message)",
            metadata: metadata
        )
    }

    /// The JSON of /healthz for one share.
    private struct HealthBody: Encodable {
        struct Failed: Encodable {
            var check: String
            var code: String
            var message: String
        }

        var share: String
        var status: String
        var lastRun: String?
        var message: String?
        var summary: VerificationReport.Summary?
        var failed: [Failed]?

        init(share: String, _ health: ShareHealth) {
            self.share = share
            status = health.state.rawValue
            lastRun = health.lastRunAt.map(Timestamps.format)
            message = health.message
            summary = health.summary
            failed =
                health.summary == nil
                ? nil : health.failed.map { .init(check: $0.qualifiedID, code: $0.code.rawValue, message: $0.message) }
        }
    }

    /// The line of a run that could not be made.
    private struct ErrorLine: Encodable {
        var timestamp: String
        var share: String
        var run: Int
        var outcome: String
        var error: String
    }

    private struct RunLine: Encodable {
        var timestamp: String
        var share: String
        var run: Int
        var summary: VerificationReport.Summary
        var failed: [String]
        var warned: [String]
        var durationMs: Int
    }

    private static func jsonLine(
        _ report: VerificationReport,
        share: String,
        run: Int,
        at: Date,
        duration: Duration
    ) -> String {
        encode(
            RunLine(
                timestamp: Timestamps.format(at),
                share: share,
                run: run,
                summary: report.summary,
                failed: report.checks.filter { $0.status == .fail }.map(\.qualifiedID),
                warned: report.checks.filter { $0.status == .warn }.map(\.qualifiedID),
                durationMs: Int(duration / .milliseconds(1))
            )
        )
    }

    static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: TerminalText.escapingJSON(data), as: UTF8.self)
    }
}
