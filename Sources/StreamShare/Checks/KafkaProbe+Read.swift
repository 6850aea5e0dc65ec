import RdKafka

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KafkaProbe {
    // MARK: kafka.topic.read

    /// Partitions read per topic at most (the first ones) when only `--deep` reads: freshness and lag
    /// read them all.
    static let sampledPartitions = 16

    /// Reads the latest record of each partition of every readable topic, once, for every check that
    /// needs it: `kafka.topic.read` (deep: READ is proven by the broker's first answer, and the
    /// records' first bytes tell which schema ids consumers meet, see ``RecordEncoding``),
    /// `kafka.topic.freshness` (the records' timestamps) and `kafka.group.lag` (the high watermarks the
    /// fetch answered, against the group's committed offsets, read meanwhile).
    ///
    /// Fetching needs a consumer with a `group.id` (librdkafka refuses `assign` without one); it is
    /// never joined and nothing is committed.
    /// - Parameters:
    ///   - partitions: Each topic's partition count, from its metadata.
    ///   - primary: The handle to read with (nil: a pooled probe handle).
    ///   - committed: By prefix, the committed offsets the group checks read (those that passed).
    func readTopics(
        _ topics: [String],
        partitions: [String: Int],
        primary: KafkaHandle?,
        committed: [String: CommittedOffsets]
    ) async {
        let watch = Stopwatch()
        let measuring = maxStaleness != nil || maxLag != nil
        guard !topics.isEmpty else {
            reportLagWithoutTopics()
            return
        }
        let handle: KafkaHandle
        if let primary {
            handle = primary
        } else {
            do {
                handle = try pooledHandle(groupID: "cdx-verify-probe")
            } catch {
                for id in readingChecks {
                    sink.add(topics.map { clientError(id, resource: $0, error, watch: watch) })
                }
                return
            }
        }
        defer { if countRequests, primary == nil { sink.addRequests(handle.events.requestCounts) } }
        let counts = topics.map { topic in
            let count = max(partitions[topic] ?? 1, 1)
            return (name: topic, partitions: measuring ? count : min(count, Self.sampledPartitions))
        }
        // The records at the groups' committed offsets (how far behind in time) are read meanwhile, by
        // another client when the read has the group's (a client runs one call at a time).
        async let atCommitted: [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]] =
            maxLag == nil ? [:] : readCommitted(committed, topics: Set(topics), countRequests: primary != nil)
        let results = await handle.sampleLatest(counts, timeout: min(remaining, .seconds(10)))
        let now = Self.nowMs()
        if deep { reportReads(results, counts: counts, watch: watch) }
        if measuring {
            sink.addOffsets(partitions: Self.partitionStates(results, counts: counts), lag: [])
        }
        if let maxStaleness {
            for (topic, count) in counts {
                var result =
                    switch results[topic] ?? .failure(KafkaError(code: KafkaError.timedOut)) {
                    case .success(let sample):
                        Self.freshness(topic: topic, sample: sample, partitions: count, limit: maxStaleness, nowMs: now)
                    case .failure(let error): readFailure(.kafkaTopicFreshness, topic: topic, error)
                    }
                result.durationMs = watch.elapsedMs
                sink.add(result)
            }
        }
        if let maxLag {
            reportLag(committed, samples: results, atCommitted: await atCommitted, counts: counts, limit: maxLag)
        }
    }

    /// The checks a read serves, for a failure that hits them all.
    private var readingChecks: [CheckID] {
        (deep ? [.kafkaTopicRead] : []) + (maxStaleness != nil ? [.kafkaTopicFreshness] : [])
    }

    private func reportReads(
        _ results: [String: Result<KafkaHandle.TopicSample, KafkaError>],
        counts: [(name: String, partitions: Int)],
        watch: Stopwatch
    ) {
        for (topic, count) in counts {
            switch results[topic] ?? .failure(KafkaError(code: KafkaError.timedOut)) {
            case .success(let sample):
                sink.addRecords(RecordEncoding(partitions: count, samples: sample.records), topic: topic)
                sink.add(
                    CheckResult(
                        .kafkaTopicRead,
                        resource: topic,
                        status: .pass,
                        code: .readable,
                        message: "fetched the latest record of \(count) partition(s) of '\(topic)' "
                            + "(READ is authorized; \(sample.records.count) record(s))",
                        durationMs: watch.elapsedMs,
                        details: ["partitions_read": "\(count)", "records": "\(sample.records.count)"]
                    )
                )
            case .failure(let error):
                var result = readFailure(.kafkaTopicRead, topic: topic, error)
                result.durationMs = watch.elapsedMs
                sink.add(result)
            }
        }
    }

    /// A read of `topic` failed: READ refused, no answer in time, or another error.
    func readFailure(_ id: CheckID, topic: String, _ error: KafkaError) -> CheckResult {
        let unauthorized = error.code == KafkaError.topicAuthorizationFailed
        return CheckResult(
            id,
            resource: topic,
            status: .fail,
            code: unauthorized ? .unauthorized : (error.code == KafkaError.timedOut ? .timeout : .error),
            message: unauthorized
                ? "reading '\(topic)' is not authorized (DESCRIBE works, READ does not)"
                : "reading '\(topic)' failed: \(error.description)",
            hint: unauthorized ? "Ask the provider to grant READ on the topic through the share." : "Retry.",
            details: ["kafka_error": error.name]
        )
    }

    /// Every partition answered, with its end and its latest record's timestamp.
    static func partitionStates(
        _ results: [String: Result<KafkaHandle.TopicSample, KafkaError>],
        counts: [(name: String, partitions: Int)]
    ) -> [PartitionState] {
        counts.flatMap { topic, _ -> [PartitionState] in
            guard case .success(let sample) = results[topic] else { return [] }
            let records = Dictionary(sample.records.map { ($0.partition, $0) }) { first, _ in first }
            return sample.highWatermarks.keys.sorted().map { partition in
                PartitionState(
                    topic: topic,
                    partition: Int(partition),
                    highWatermark: sample.highWatermarks[partition] ?? 0,
                    latestRecordTimestampMs: records[partition]?.timestamp?.milliseconds,
                    timestampType: records[partition]?.timestamp?.kind.rawValue
                )
            }
        }
    }

    /// Now, in milliseconds since the Unix epoch (what record timestamps count in).
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
