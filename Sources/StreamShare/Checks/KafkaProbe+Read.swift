import RdKafka

extension KafkaProbe {
    // MARK: kafka.topic.read

    /// Fetching needs a consumer with a `group.id` (librdkafka refuses `assign` without one); it is
    /// never joined and nothing is committed.
    func readTopics(_ topics: [String], primary: KafkaHandle?) async {
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
        for topic in topics {
            let watch = Stopwatch()
            guard remaining > .zero else { break }
            let result = await handle.probeFetch(topic: topic, timeout: min(remaining, .seconds(10)))
            switch result {
            case .success:
                sink.add(
                    CheckResult(
                        .kafkaTopicRead,
                        resource: topic,
                        status: .pass,
                        code: "readable",
                        message: "a fetch from '\(topic)' partition 0 succeeded (READ is authorized)",
                        durationMs: watch.elapsedMs
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
