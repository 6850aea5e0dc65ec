import RdKafka

extension KafkaProbe {
    // MARK: kafka.topic.freshness

    /// The verdict on a topic's newest record, from the latest record of every partition.
    ///
    /// The newest is the one with the latest timestamp, whatever its kind (CreateTime or
    /// LogAppendTime, as each record says). Records without a timestamp (-1) are skipped and
    /// counted; a timestamp in the future (a producer's clock ahead of ours) reads as age 0 and is
    /// noted. An empty topic passes `no_records`: nothing was written yet, or everything expired.
    /// - Parameters:
    ///   - partitions: The topic's partition count (all of them were read).
    ///   - limit: The newest record must be younger than this.
    ///   - nowMs: Now, in milliseconds since the Unix epoch.
    static func freshness(
        topic: String,
        sample: KafkaHandle.TopicSample,
        partitions: Int,
        limit: Duration,
        nowMs: Int64
    ) -> CheckResult {
        let limitSeconds = Double(limit.milliseconds) / 1000
        var details = ["partitions_read": "\(sample.highWatermarks.count)"]
        var figures = ["max_staleness_seconds": limitSeconds]
        let timed = sample.records.compactMap { record in record.timestamp.map { (record, $0) } }
        let untimed = sample.records.count - timed.count
        if untimed > 0 { details["records_without_timestamp"] = "\(untimed)" }
        if sample.highWatermarks.count < partitions {
            details["partitions_unanswered"] = "\(partitions - sample.highWatermarks.count)"
        }
        guard let (record, timestamp) = timed.max(by: { $0.1.milliseconds < $1.1.milliseconds }) else {
            if untimed > 0 {
                return CheckResult(
                    .kafkaTopicFreshness,
                    resource: topic,
                    status: .warn,
                    code: .noTimestamps,
                    message: "the latest records of '\(topic)' carry no timestamp: how fresh it is cannot be told",
                    hint: "The provider's producers write records without timestamps (an old client or message "
                        + "format); freshness cannot be checked on this topic.",
                    details: details,
                    figures: figures
                )
            }
            return CheckResult(
                .kafkaTopicFreshness,
                resource: topic,
                status: .pass,
                code: .noRecords,
                message: "'\(topic)' holds no record to read in its \(partitions) partition(s) "
                    + "(nothing written yet, or everything expired)",
                details: details,
                figures: figures
            )
        }
        let ageMs = nowMs - timestamp.milliseconds
        if ageMs < 0 {
            details["future_timestamp"] =
                "the newest record's \(timestamp.kind.rawValue) is \(AgeText.describe(seconds: Double(-ageMs) / 1000)) "
                + "ahead of this clock: counted as age 0"
        }
        let age = Double(max(ageMs, 0)) / 1000
        figures["last_record_age_seconds"] = age
        details["newest_partition"] = "\(record.partition)"
        details["timestamp_type"] = timestamp.kind.rawValue
        let whereAndKind = "partition \(record.partition), \(timestamp.kind.rawValue)"
        guard age < limitSeconds else {
            return CheckResult(
                .kafkaTopicFreshness,
                resource: topic,
                status: .fail,
                code: .stale,
                message: "newest record of '\(topic)' is \(AgeText.describe(seconds: age)) old (\(whereAndKind)); "
                    + "the provider may have stopped writing",
                hint: "Ask the provider whether the pipeline writing '\(topic)' is running; if the topic is written "
                    + "less often than every \(AgeText.describe(seconds: limitSeconds)), raise --max-staleness.",
                details: details,
                figures: figures
            )
        }
        return CheckResult(
            .kafkaTopicFreshness,
            resource: topic,
            status: .pass,
            code: .fresh,
            message: "newest record of '\(topic)' \(AgeText.describe(seconds: age)) ago (\(whereAndKind))",
            details: details,
            figures: figures
        )
    }
}

/// Ages and durations in the units a person reads: `4 s`, `3 min 20 s`, `2 h 3 min`, `3 d 4 h`.
enum AgeText {
    static func describe(seconds: Double) -> String {
        let total = Int64(max(seconds, 0).rounded(.down))
        let (days, hours, minutes, rest) = (total / 86_400, total % 86_400 / 3600, total % 3600 / 60, total % 60)
        func pair(_ big: Int64, _ bigUnit: String, _ small: Int64, _ smallUnit: String) -> String {
            small == 0 ? "\(big) \(bigUnit)" : "\(big) \(bigUnit) \(small) \(smallUnit)"
        }
        if days > 0 { return pair(days, "d", hours, "h") }
        if hours > 0 { return pair(hours, "h", minutes, "min") }
        if minutes > 0 { return pair(minutes, "min", rest, "s") }
        if seconds > 0, seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        return "\(rest) s"
    }
}
