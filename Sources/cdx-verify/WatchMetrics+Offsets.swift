import Prometheus
import StreamShare
import Synchronization

/// The series of one metric name for one share, keyed by their other labels' values: each run sets
/// those it measured, and the series it did not measure go (a topic no longer read, a run that could
/// not read at all: an absent series, never a stale value).
final class GaugeFamily: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let name: (metric: String, unit: String, help: String)
    /// The label names before `share`, in order.
    private let labelNames: [String]
    private let share: String
    private let gauges = Mutex<[[String]: Gauge]>([:])

    /// - Parameter name: `cdx_verify_<metric>[_<unit>]`, with its help text.
    init(
        registry: PrometheusCollectorRegistry,
        name: (metric: String, unit: String, help: String),
        labelNames: [String],
        share: String
    ) {
        self.registry = registry
        self.name = name
        self.labelNames = labelNames
        self.share = share
    }

    /// Sets a series per value (label values in ``labelNames`` order) and removes the others.
    func update(_ values: [[String]: Double]) {
        let (registry, labelNames, share) = (registry, labelNames, share)
        let descriptor = MetricNameDescriptor(
            namespace: "cdx_verify",
            metricName: name.metric,
            unitName: name.unit,
            helpText: name.help
        )
        let gone = gauges.withLock { gauges -> [Gauge] in
            for (labels, value) in values {
                let gauge =
                    gauges[labels]
                    ?? registry.makeGauge(
                        descriptor: descriptor,
                        labels: Array(zip(labelNames, labels)) + [("share", share)]
                    )
                gauges[labels] = gauge
                gauge.set(to: value)
            }
            let stale = gauges.keys.filter { values[$0] == nil }
            return stale.compactMap { gauges.removeValue(forKey: $0) }
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
    }

    /// Takes every series out.
    func removeAll() { update([:]) }
}

/// Freshness and lag of one share, from the runs' reports (present while `--max-staleness` or
/// `--max-lag` is given): the newest record's age per topic, the high watermark per partition, the
/// consumers' group's lag per partition and in time per topic. Without partition metrics, the
/// partition label goes and the values are summed per topic.
final class OffsetMetrics: Sendable {
    private let lastRecordAge: GaugeFamily
    private let highWatermark: GaugeFamily
    private let lag: GaugeFamily
    private let lagSeconds: GaugeFamily
    private let perPartition: Bool

    init(registry: PrometheusCollectorRegistry, share: String, perPartition: Bool) {
        self.perPartition = perPartition
        func family(_ name: String, unit: String = "", help: String, labels: [String]) -> GaugeFamily {
            GaugeFamily(
                registry: registry,
                name: (name, unit, help),
                labelNames: labels,
                share: share
            )
        }
        let partition = perPartition ? ["partition"] : []
        lastRecordAge = family(
            "topic_last_record_age",
            unit: "seconds",
            help: "Age of the newest record of the topic, across its partitions, in the last run (--max-staleness).",
            labels: ["topic"]
        )
        highWatermark = family(
            "partition_high_watermark",
            help: "High watermark (end offset) of the partition in the last run"
                + (perPartition ? "." : ", summed over the topic's partitions (--no-partition-metrics)."),
            labels: ["topic"] + partition
        )
        lag = family(
            "group_lag",
            help: "Records the consumers' group has still to read in the partition (high watermark minus committed "
                + "offset) in the last run" + (perPartition ? " (--max-lag)." : ", summed per topic (--max-lag)."),
            labels: ["group", "topic"] + partition
        )
        lagSeconds = family(
            "group_lag",
            unit: "seconds",
            help: "How far behind in time the consumers' group is on the topic: the age of the oldest record it has "
                + "still to read (0 at the end), in the last run (--max-lag).",
            labels: ["group", "topic"]
        )
    }

    func record(_ report: VerificationReport) {
        var ages: [[String]: Double] = [:]
        for check in report.checks where check.id == .kafkaTopicFreshness {
            if let topic = check.resource, let age = check.figures["last_record_age_seconds"] { ages[[topic]] = age }
        }
        lastRecordAge.update(ages)
        var watermarks: [[String]: Double] = [:]
        for state in report.partitions ?? [] {
            let key = perPartition ? [state.topic, "\(state.partition)"] : [state.topic]
            watermarks[key, default: 0] += Double(state.highWatermark)
        }
        highWatermark.update(watermarks)
        var lags: [[String]: Double] = [:]
        var behind: [[String]: Double] = [:]
        for row in report.consumerLag ?? [] {
            guard let rowLag = row.lag else { continue }
            let key = perPartition ? [row.groupID, row.topic, "\(row.partition)"] : [row.groupID, row.topic]
            lags[key, default: 0] += Double(rowLag)
            if let seconds = row.lagSeconds {
                behind[[row.groupID, row.topic]] = max(behind[[row.groupID, row.topic]] ?? 0, seconds)
            }
        }
        lag.update(lags)
        lagSeconds.update(behind)
    }

    func remove() {
        for family in [lastRecordAge, highWatermark, lag, lagSeconds] { family.removeAll() }
    }
}
