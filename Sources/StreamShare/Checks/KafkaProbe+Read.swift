import RdKafka

extension KafkaProbe {
    // MARK: kafka.topic.read

    /// Partitions read per topic at most (the first ones).
    static let sampledPartitions = 16

    /// Reads the latest record of each partition (up to ``sampledPartitions``) of every topic: READ is
    /// proven by the broker's first answer, and the records' first bytes tell which schema ids
    /// consumers meet (``RecordEncoding``, for the `schema_registry.record_schema` checks).
    ///
    /// Fetching needs a consumer with a `group.id` (librdkafka refuses `assign` without one); it is
    /// never joined and nothing is committed.
    /// - Parameter partitions: Each topic's partition count, from its metadata.
    func readTopics(_ topics: [String], partitions: [String: Int], primary: KafkaHandle?) async {
        guard !topics.isEmpty else { return }
        let watch = Stopwatch()
        let handle: KafkaHandle
        if let primary {
            handle = primary
        } else {
            do {
                handle = try pooledHandle(groupID: "cdx-verify-probe")
            } catch {
                sink.add(topics.map { clientError(.kafkaTopicRead, resource: $0, error, watch: watch) })
                return
            }
        }
        defer { if countRequests, primary == nil { sink.addRequests(handle.events.requestCounts) } }
        let counts = topics.map { (name: $0, partitions: min(max(partitions[$0] ?? 1, 1), Self.sampledPartitions)) }
        let results = await handle.sampleLatest(counts, timeout: min(remaining, .seconds(10)))
        for (topic, count) in counts {
            switch results[topic] ?? .failure(KafkaError(code: KafkaError.timedOut)) {
            case .success(let samples):
                sink.addRecords(RecordEncoding(partitions: count, samples: samples), topic: topic)
                sink.add(
                    CheckResult(
                        .kafkaTopicRead,
                        resource: topic,
                        status: .pass,
                        code: "readable",
                        message: "fetched the latest record of \(count) partition(s) of '\(topic)' "
                            + "(READ is authorized; \(samples.count) record(s))",
                        durationMs: watch.elapsedMs,
                        details: ["partitions_read": "\(count)", "records": "\(samples.count)"]
                    )
                )
            case .failure(let error):
                let unauthorized = error.code == KafkaError.topicAuthorizationFailed
                sink.add(
                    CheckResult(
                        .kafkaTopicRead,
                        resource: topic,
                        status: .fail,
                        code: unauthorized ? "unauthorized" : (error.code == KafkaError.timedOut ? "timeout" : "error"),
                        message: unauthorized
                            ? "reading '\(topic)' is not authorized (DESCRIBE works, READ does not)"
                            : "reading '\(topic)' failed: \(error.description)",
                        hint: unauthorized
                            ? "Ask the provider to grant READ on the topic through the share." : "Retry.",
                        durationMs: watch.elapsedMs,
                        details: ["kafka_error": error.name]
                    )
                )
            }
        }
    }
}
