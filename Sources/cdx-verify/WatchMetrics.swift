import Prometheus
import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Prometheus collectors of one watched share, in the registry all shares share: every series
/// carries the `share` label. ``remove()`` takes them all out when the share is no longer watched.
final class WatchMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// The value of the `share` label.
    let share: String
    private let checkGauges = Mutex<[String: (passed: Gauge, duration: Gauge)]>([:])
    private let runs: [String: Counter]
    private let lastRun: Gauge
    private let lastRunDuration: Gauge
    private let healthy: Gauge
    private let runDuration: DurationHistogram
    private let checksByStatus: [CheckStatus: Gauge]
    private let registryRequests = Mutex<[String: Counter]>([:])
    private let info: Mutex<Gauge>
    /// `cdx_verify_share_phase`, by phase: made at the first phase looked up (with Cloud API credentials).
    private let phases = Mutex<[String: Gauge]>([:])

    static let outcomes = ["pass", "warn", "fail", "error", "local_error"]

    /// `cdx_verify_<name>[_<unit>]`.
    private static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "cdx_verify", metricName: name, unitName: unit, helpText: help)
    }

    private let strict: Bool
    private let offsets: OffsetMetrics

    init(
        registry: PrometheusCollectorRegistry,
        share: String,
        shareID: String,
        strict: Bool,
        partitionMetrics: Bool = true
    ) {
        self.registry = registry
        self.share = share
        self.strict = strict
        offsets = OffsetMetrics(registry: registry, share: share, perPartition: partitionMetrics)
        let label = ("share", share)
        info = Mutex(Self.makeInfo(registry, share: share, shareID: shareID))
        var runs: [String: Counter] = [:]
        for outcome in Self.outcomes {
            runs[outcome] = registry.makeCounter(
                descriptor: Self.name(
                    "runs",
                    unit: "total",
                    help:
                        "Completed verification runs by outcome (pass, warn, fail; error: the run could not be made; "
                        + "local_error: the process itself ran short, of file descriptors say)."
                ),
                labels: [("outcome", outcome), label]
            )
        }
        self.runs = runs
        lastRun = registry.makeGauge(
            descriptor: Self.name(
                "last_run_timestamp",
                unit: "seconds",
                help: "Unix time at which the last verification run completed."
            ),
            labels: [label]
        )
        lastRunDuration = registry.makeGauge(
            descriptor: Self.name(
                "last_run_duration",
                unit: "seconds",
                help: "Duration of the last completed verification run."
            ),
            labels: [label]
        )
        healthy = registry.makeGauge(
            descriptor: Self.name(
                "healthy",
                help: "1 when the last run passed (what /healthz?share= answers with 200), else 0."
            ),
            labels: [label]
        )
        runDuration = registry.makeDurationHistogram(
            descriptor: Self.name("run_duration", unit: "seconds", help: "Duration of verification runs."),
            labels: [label],
            buckets: [
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
            ]
        )
        var checksByStatus: [CheckStatus: Gauge] = [:]
        for status in [CheckStatus.pass, .warn, .fail, .skip] {
            checksByStatus[status] = registry.makeGauge(
                descriptor: Self.name("checks", help: "Checks of the last run by status."),
                labels: [("status", status.rawValue), label]
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
        offsets.record(report)

        let registry = self.registry
        let share = self.share
        for (status, count) in report.schemaRegistryRequests ?? [:] where count > 0 {
            let counter = registryRequests.withLock { counters in
                if let counter = counters[status] { return counter }
                let counter = registry.makeCounter(
                    descriptor: Self.name(
                        "registry_requests",
                        unit: "total",
                        help: "Schema Registry requests sent by the runs, by HTTP status (error: no answer)."
                    ),
                    labels: [("status", status), ("share", share)]
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
                let labels = [("check", check.id.rawValue), ("resource", check.resource ?? ""), ("share", share)]
                let pair =
                    gauges[key]
                    ?? (
                        passed: registry.makeGauge(
                            descriptor: Self.name(
                                "check_passed",
                                help:
                                    "1 when the check passed (or only warned, unless --strict) in the last run, 0 when it failed or was skipped."
                            ),
                            labels: labels
                        ),
                        duration: registry.makeGauge(
                            descriptor: Self.name(
                                "check_duration",
                                unit: "seconds",
                                help: "Duration of the check in the last run."
                            ),
                            labels: labels
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

    /// The share's status phase on Confluent Cloud: 1 for it, 0 for every other phase (the four
    /// documented ones and any seen before), so that an alert can match `phase="DEACTIVATED"`.
    func recordPhase(_ phase: String) {
        let registry = self.registry
        let share = self.share
        phases.withLock { gauges in
            for name in Set(Self.phases + [phase] + gauges.keys) {
                let gauge =
                    gauges[name]
                    ?? registry.makeGauge(
                        descriptor: Self.name(
                            "share_phase",
                            help: "1 for the share's status phase on Confluent Cloud (INVITED, ACTIVE, EXPIRED, "
                                + "DEACTIVATED), 0 for the others; only with Cloud API credentials."
                        ),
                        labels: [("phase", name), ("share", share)]
                    )
                gauges[name] = gauge
                gauge.set(to: name == phase ? 1 : 0)
            }
        }
    }

    /// Takes the phase series out (the share was replaced: its phase is looked up again).
    func clearPhase() {
        let registry = self.registry
        for gauge in phases.withLock({ gauges in
            defer { gauges.removeAll() }
            return Array(gauges.values)
        }) {
            registry.unregisterGauge(gauge)
        }
    }

    /// The phases a share's status documents.
    static let phases = ["INVITED", "ACTIVE", "EXPIRED", "DEACTIVATED"]

    /// A run that could not be made (`error`), or not for the process's own shortage (`local_error`).
    func recordRunError(outcome: String) {
        runs[outcome]?.increment()
        healthy.set(to: 0)
    }

    /// `cdx_verify_info` names the share now verified.
    func setShareID(_ shareID: String) {
        let registry = self.registry
        let share = self.share
        info.withLock { gauge in
            registry.unregisterGauge(gauge)
            gauge = Self.makeInfo(registry, share: share, shareID: shareID)
        }
    }

    /// Takes every series of this share out of the registry (the share is no longer watched).
    func remove() {
        for counter in runs.values { registry.unregisterCounter(counter) }
        for gauge in [lastRun, lastRunDuration, healthy] + Array(checksByStatus.values) {
            registry.unregisterGauge(gauge)
        }
        registry.unregisterDurationHistogram(runDuration)
        offsets.remove()
        info.withLock { registry.unregisterGauge($0) }
        for gauge in phases.withLock({ Array($0.values) }) { registry.unregisterGauge(gauge) }
        for counter in registryRequests.withLock({ Array($0.values) }) { registry.unregisterCounter(counter) }
        for pair in checkGauges.withLock({ Array($0.values) }) {
            registry.unregisterGauge(pair.passed)
            registry.unregisterGauge(pair.duration)
        }
    }

    private static func makeInfo(_ registry: PrometheusCollectorRegistry, share: String, shareID: String) -> Gauge {
        let gauge = registry.makeGauge(
            descriptor: name(
                "info",
                help: "cdx-verify watch: tool and librdkafka versions and the share id (always 1)."
            ),
            labels: [
                ("version", StreamShareVersion.string), ("librdkafka", KafkaLibrary.version), ("share_id", shareID),
                ("share", share),
            ]
        )
        gauge.set(to: 1)
        return gauge
    }
}
