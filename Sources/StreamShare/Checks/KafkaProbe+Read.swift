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

    /// The `group.id` of the clients that read (never joined, nothing committed: `assign` needs one).
    static let readerGroupID = "cdx-verify-probe"

    /// The `group.id` of the client that reads the records at the groups' committed offsets early.
    static let lagReaderGroupID = "cdx-verify-probe-lag"

    /// Has the reader learn the cluster's metadata (every partition's leader), so that its end lookup
    /// and fetches need no metadata request of their own.
    func warmUp(_ reader: KafkaHandle?) async {
        guard let reader else { return }
        _ = await reader.metadata(topic: nil, timeout: min(remaining, .seconds(10)))
    }

    /// Reads the latest record of every partition of `topics` with `reader`, before the checks that
    /// decide which topics are readable have finished (nil without a reader).
    func readEarly(
        _ reader: KafkaHandle?,
        topics: [String],
        partitions: [String: Int]
    ) async -> [String: Result<KafkaHandle.TopicSample, KafkaError>]? {
        guard let reader, !topics.isEmpty else { return nil }
        return await reader.sampleLatest(
            readCounts(topics, partitions: partitions),
            timeout: min(remaining, .seconds(10))
        )
    }

    /// Has `client` connect to the leader of every partition in `partitions` (by topic), by looking up
    /// their ends (one ListOffsets per leader), so that a fetch later needs no new connection.
    func openConnections(_ client: KafkaHandle?, partitions: [String: [Int32]]) async {
        guard let client, !partitions.isEmpty else { return }
        _ = await client.endOffsets(partitions, timeout: min(remaining, .seconds(10)))
    }

    /// Reads the record at each committed offset of every group with `client`, before the checks that
    /// decide which topics are readable have finished (nil without a client).
    func readCommittedEarly(
        _ client: KafkaHandle?,
        _ committed: [String: CommittedOffsets],
        topics: Set<String>
    ) async -> [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]]? {
        guard let client else { return nil }
        return await readCommitted(committed, topics: topics, with: client)
    }

    /// The partitions read of each topic: all of them when measuring, else the first ones.
    private func readCounts(_ topics: [String], partitions: [String: Int]) -> [(name: String, partitions: Int)] {
        let measuring = maxStaleness != nil || maxLag != nil
        return topics.map { topic in
            let count = max(partitions[topic] ?? 1, 1)
            return (name: topic, partitions: measuring ? count : min(count, Self.sampledPartitions))
        }
    }

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
    ///   - reader: The client that read early (its requests are counted by the caller).
    ///   - sampled: What `reader` read early, covering every topic in `topics` (nil: read now).
    ///   - sampledAtCommitted: The records at the committed offsets, read early (nil: read now).
    func readTopics(
        _ topics: [String],
        partitions: [String: Int],
        primary: KafkaHandle?,
        committed: [String: CommittedOffsets],
        reader: KafkaHandle? = nil,
        sampled: [String: Result<KafkaHandle.TopicSample, KafkaError>]? = nil,
        sampledAtCommitted: [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]]? = nil
    ) async {
        let watch = Stopwatch()
        guard !topics.isEmpty else {
            reportLagWithoutTopics()
            return
        }
        let counts = readCounts(topics, partitions: partitions)
        if let sampled, let reader {
            // The records at the groups' committed offsets (how far behind in time) were read beside, by a
            // client of their own; without one they are read now, by the client whose connections to
            // every leader are up.
            var atCommitted = sampledAtCommitted ?? [:]
            if maxLag != nil, sampledAtCommitted == nil {
                atCommitted = await readCommitted(committed, topics: Set(topics), with: reader)
            }
            let wanted = Set(topics)
            report(
                sampled.filter { wanted.contains($0.key) },
                counts: counts,
                committed: committed,
                atCommitted: atCommitted,
                watch: watch
            )
            return
        }
        let handle: KafkaHandle
        if let primary {
            handle = primary
        } else {
            do {
                handle = try pooledHandle(groupID: Self.readerGroupID)
            } catch {
                for id in readingChecks {
                    sink.add(topics.map { clientError(id, resource: $0, error, watch: watch) })
                }
                return
            }
        }
        defer { if countRequests, primary == nil, handle !== reader { sink.addRequests(handle.events.requestCounts) } }
        // The records at the groups' committed offsets (how far behind in time) are read meanwhile, by
        // another client when the read has the group's (a client runs one call at a time).
        async let atCommitted: [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]] =
            maxLag == nil
            ? [:] : readCommitted(committed, topics: Set(topics), countRequests: primary != nil, except: reader)
        let results = await handle.sampleLatest(counts, timeout: min(remaining, .seconds(10)))
        report(results, counts: counts, committed: committed, atCommitted: await atCommitted, watch: watch)
    }

    /// Reports every check the read serves.
    private func report(
        _ results: [String: Result<KafkaHandle.TopicSample, KafkaError>],
        counts: [(name: String, partitions: Int)],
        committed: [String: CommittedOffsets],
        atCommitted: [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]],
        watch: Stopwatch
    ) {
        let measuring = maxStaleness != nil || maxLag != nil
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
            reportLag(committed, samples: results, atCommitted: atCommitted, counts: counts, limit: maxLag)
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
