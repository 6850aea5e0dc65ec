import Foundation
import Logging
import Prometheus
import StreamShare
import Synchronization

/// What watch mode knows between runs: the last verdict (for /healthz), each check's last status
/// (to log changes once), and the Prometheus collectors (for /metrics).
final class WatchState: Sendable {
    /// What /healthz answers.
    struct Health: Sendable {
        var status: Int
        var body: String
    }

    private struct Snapshot {
        var runs = 0
        var statuses: [String: CheckStatus] = [:]
        var lastReport: VerificationReport?
        var lastRunAt: Date?
        var lastError: String?
        /// The last attempt was a run that could not be made.
        var lastRunFailed = false
    }

    private let strict: Bool
    private let staleAfter: Duration
    private let logger: Logger
    private let snapshot = Mutex(Snapshot())
    let metrics: WatchMetrics

    /// - Parameter staleAfter: /healthz answers 503 when the last run completed longer ago than this
    ///   (the loop is stuck), whatever that run said.
    init(strict: Bool, staleAfter: Duration, shareID: String, logger: Logger) {
        self.strict = strict
        self.staleAfter = staleAfter
        self.logger = logger
        self.metrics = WatchMetrics(shareID: shareID, strict: strict)
    }

    /// A failure, or with --strict a warning: what makes a run unhealthy.
    private func isFailing(_ status: CheckStatus) -> Bool { status == .fail || (strict && status == .warn) }

    var completedRuns: Int { snapshot.withLock { $0.runs } }

    /// Records a completed run: metrics, state changes (logged here, once each) and the verdict.
    /// - Returns: The run's JSON line.
    func record(_ report: VerificationReport, duration: Duration) -> String {
        let now = Date()
        let healthy = report.passed(strict: strict)
        let (run, changes) = snapshot.withLock { state -> (Int, [(CheckResult, CheckStatus?)]) in
            state.runs += 1
            var changes: [(CheckResult, CheckStatus?)] = []
            // Logged: a check seen failing for the first time, and every pass ↔ fail change. A skipped
            // check (its prerequisite failed) says nothing about its own state and is not tracked.
            for check in report.checks where check.status != .skip {
                let previous = state.statuses[check.qualifiedID]
                let failing = isFailing(check.status)
                if previous.map({ isFailing($0) != failing }) ?? failing { changes.append((check, previous)) }
                state.statuses[check.qualifiedID] = check.status
            }
            state.lastReport = report
            state.lastRunAt = now
            state.lastError = nil
            state.lastRunFailed = false
            return (state.runs, changes)
        }
        for (check, previous) in changes { logChange(check, from: previous) }
        metrics.record(report, healthy: healthy, at: now, duration: duration)
        return Self.jsonLine(report, run: run, at: now, duration: duration)
    }

    /// Another share is verified from the next run on.
    func shareReplaced(_ share: RedeemedShare, path: String) {
        snapshot.withLock { $0.lastError = nil }
        metrics.setShareID(share.id ?? "")
        let counts =
            "\(share.topics.count) topic(s), \(share.groupPrefixes.count) group prefix(es), \(share.subjects.count) subject(s)"
        logger.notice("the share file \(path) changed: now verifying share \(share.id ?? "?") (\(counts))")
    }

    /// A run that could not be made at all: counted as outcome `error`, logged once.
    func recordRunError(_ error: any Error) {
        recordError("run could not be made: \(error)")
        snapshot.withLock { $0.lastRunFailed = true }
        metrics.recordRunError()
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

    /// 503 before the first run completes, 200 when the last run passed, 503 with its failed checks
    /// otherwise — and 503 when the last attempt could not run or the last run is stale.
    var health: Health {
        snapshot.withLock { state in
            guard let report = state.lastReport, let at = state.lastRunAt else {
                return Health(status: 503, body: #"{"message":"no run has completed yet","status":"starting"}"#)
            }
            let stale = Date().timeIntervalSince(at) > Double(staleAfter / .milliseconds(1)) / 1000
            let healthy = report.passed(strict: strict) && !stale && !state.lastRunFailed
            let status =
                stale ? "stale" : (state.lastRunFailed ? "error" : (report.passed(strict: strict) ? "ok" : "failing"))
            let body = HealthBody(
                status: status,
                lastRun: Self.timestamp(at),
                message: stale
                    ? "no run has completed for longer than \(staleAfter)"
                    : (state.lastRunFailed ? state.lastError : nil),
                summary: report.summary,
                failed: report.checks.filter { isFailing($0.status) }.map {
                    .init(check: $0.qualifiedID, code: $0.code, message: $0.message)
                }
            )
            return Health(status: healthy ? 200 : 503, body: Self.encode(body))
        }
    }

    private func logChange(_ check: CheckResult, from previous: CheckStatus?) {
        let metadata: Logger.Metadata = ["check": "\(check.qualifiedID)", "code": "\(check.code)"]
        if isFailing(check.status) {
            let from = previous.map { "\($0.rawValue) → \(check.status.rawValue)" } ?? "failing"
            logger.warning("\(check.qualifiedID): \(from) (\(check.code)): \(check.message)", metadata: metadata)
        } else {
            logger.notice(
                "\(check.qualifiedID): \(previous?.rawValue ?? "fail") → \(check.status.rawValue) (\(check.code)): \(check.message)",
                metadata: metadata
            )
        }
    }

    private struct HealthBody: Encodable {
        struct Failed: Encodable {
            var check: String
            var code: String
            var message: String
        }

        var status: String
        var lastRun: String
        var message: String?
        var summary: VerificationReport.Summary
        var failed: [Failed]
    }

    private struct RunLine: Encodable {
        var timestamp: String
        var run: Int
        var summary: VerificationReport.Summary
        var failed: [String]
        var warned: [String]
        var durationMs: Int
    }

    private static func jsonLine(_ report: VerificationReport, run: Int, at: Date, duration: Duration) -> String {
        encode(
            RunLine(
                timestamp: Self.timestamp(at),
                run: run,
                summary: report.summary,
                failed: report.checks.filter { $0.status == .fail }.map(\.qualifiedID),
                warned: report.checks.filter { $0.status == .warn }.map(\.qualifiedID),
                durationMs: Int(duration / .milliseconds(1))
            )
        )
    }

    /// RFC 3339 with milliseconds.
    private static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// The Prometheus collectors of watch mode (swift-prometheus renders the exposition text).
final class WatchMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let checkGauges = Mutex<[String: (passed: Gauge, duration: Gauge)]>([:])
    private let runs: [String: Counter]
    private let lastRun: Gauge
    private let lastRunDuration: Gauge
    private let healthy: Gauge
    private let runDuration: DurationHistogram
    private let checksByStatus: [CheckStatus: Gauge]
    private let registryRequests = Mutex<[String: Counter]>([:])
    private let info: Mutex<Gauge>

    static let outcomes = ["pass", "warn", "fail", "error"]

    /// `cdx_verify_<name>[_<unit>]`.
    private static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "cdx_verify", metricName: name, unitName: unit, helpText: help)
    }

    private let strict: Bool

    init(shareID: String, strict: Bool) {
        self.strict = strict
        info = Mutex(Self.makeInfo(registry, shareID: shareID))
        var runs: [String: Counter] = [:]
        for outcome in Self.outcomes {
            runs[outcome] = registry.makeCounter(
                descriptor: Self.name(
                    "runs",
                    unit: "total",
                    help: "Completed verification runs by outcome (pass, warn, fail; error: the run could not be made)."
                ),
                labels: [("outcome", outcome)]
            )
        }
        self.runs = runs
        lastRun = registry.makeGauge(
            descriptor: Self.name(
                "last_run_timestamp",
                unit: "seconds",
                help: "Unix time at which the last verification run completed."
            )
        )
        lastRunDuration = registry.makeGauge(
            descriptor: Self.name(
                "last_run_duration",
                unit: "seconds",
                help: "Duration of the last completed verification run."
            )
        )
        healthy = registry.makeGauge(
            descriptor: Self.name(
                "healthy",
                help: "1 when the last run passed (what /healthz answers with 200), else 0."
            )
        )
        runDuration = registry.makeDurationHistogram(
            descriptor: Self.name("run_duration", unit: "seconds", help: "Duration of verification runs."),
            buckets: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
            ]
        )
        var checksByStatus: [CheckStatus: Gauge] = [:]
        for status in [CheckStatus.pass, .warn, .fail, .skip] {
            checksByStatus[status] = registry.makeGauge(
                descriptor: Self.name("checks", help: "Checks of the last run by status."),
                labels: [("status", status.rawValue)]
            )
        }
        self.checksByStatus = checksByStatus
    }

    func record(_ report: VerificationReport, healthy isHealthy: Bool, at: Date, duration: Duration) {
        runs[report.summary.status.rawValue]?.increment()
        lastRun.set(to: at.timeIntervalSince1970)
        lastRunDuration.set(to: Double(duration / .milliseconds(1)) / 1000)
        runDuration.record(duration)
        healthy.set(to: isHealthy ? 1 : 0)
        let counts = Dictionary(grouping: report.checks, by: \.status).mapValues(\.count)
        for (status, gauge) in checksByStatus { gauge.set(to: Double(counts[status] ?? 0)) }

        let registry = self.registry
        for (status, count) in report.schemaRegistryRequests ?? [:] where count > 0 {
            let counter = registryRequests.withLock { counters in
                if let counter = counters[status] { return counter }
                let counter = registry.makeCounter(
                    descriptor: Self.name(
                        "registry_requests",
                        unit: "total",
                        help: "Schema Registry requests sent by the runs, by HTTP status (error: no answer)."
                    ),
                    labels: [("status", status)]
                )
                counters[status] = counter
                return counter
            }
            counter.increment(by: Int64(count))
        }
        let stale = checkGauges.withLock { gauges -> [(passed: Gauge, duration: Gauge)] in
            var seen = Set<String>()
            for check in report.checks {
                let key = check.qualifiedID
                seen.insert(key)
                let pair =
                    gauges[key]
                    ?? (
                        passed: registry.makeGauge(
                            descriptor: Self.name(
                                "check_passed",
                                help:
                                    "1 when the check passed (or only warned, unless --strict) in the last run, 0 when it failed or was skipped."
                            ),
                            labels: [("check", check.id), ("resource", check.resource ?? "")]
                        ),
                        duration: registry.makeGauge(
                            descriptor: Self.name(
                                "check_duration",
                                unit: "seconds",
                                help: "Duration of the check in the last run."
                            ),
                            labels: [("check", check.id), ("resource", check.resource ?? "")]
                        )
                    )
                gauges[key] = pair
                let passed = check.status == .pass || (check.status == .warn && !strict)
                pair.passed.set(to: passed ? 1 : 0)
                pair.duration.set(to: check.durationMs / 1000)
            }
            let gone = gauges.keys.filter { !seen.contains($0) }
            return gone.compactMap { gauges.removeValue(forKey: $0) }
        }
        for pair in stale {
            registry.unregisterGauge(pair.passed)
            registry.unregisterGauge(pair.duration)
        }
    }

    /// A run that could not be made.
    func recordRunError() {
        runs["error"]?.increment()
        healthy.set(to: 0)
    }

    /// `cdx_verify_info` names the share now verified.
    func setShareID(_ shareID: String) {
        let registry = self.registry
        info.withLock { gauge in
            registry.unregisterGauge(gauge)
            gauge = Self.makeInfo(registry, shareID: shareID)
        }
    }

    private static func makeInfo(_ registry: PrometheusCollectorRegistry, shareID: String) -> Gauge {
        let gauge = registry.makeGauge(
            descriptor: name(
                "info",
                help: "cdx-verify watch: tool and librdkafka versions and the share id (always 1)."
            ),
            labels: [
                ("version", StreamShareVersion.string), ("librdkafka", KafkaLibrary.version), ("share_id", shareID),
            ]
        )
        gauge.set(to: 1)
        return gauge
    }
}
