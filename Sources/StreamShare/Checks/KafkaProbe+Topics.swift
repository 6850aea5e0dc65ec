import RdKafka

extension KafkaProbe {
    // MARK: kafka.topic

    /// Checks every shared topic from the all-topics metadata already fetched; only topics missing
    /// from it (unauthorized or nonexistent on a real cluster) get a metadata request of their own,
    /// to tell the two apart. Returns the topics that passed (or only warned), in share order.
    func checkTopics(_ handle: KafkaHandle, metadata: ClusterMetadata) async -> [String] {
        var usable: [String] = []
        for topic in share.topics {
            let watch = Stopwatch()
            var entry = metadata.topics[topic]
            if entry == nil, remaining > .zero {
                if case .success(let single) = await handle.metadata(
                    topic: topic,
                    timeout: min(remaining, .seconds(10))
                ) {
                    entry = single.topics[topic]
                }
            }
            let result = topicResult(topic, entry, watch: watch)
            if result.status == .pass || result.status == .warn { usable.append(topic) }
            sink.add(result)
        }
        return usable
    }

    private func topicResult(_ topic: String, _ entry: ClusterMetadata.Topic?, watch: Stopwatch) -> CheckResult {
        guard let entry else {
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: remaining > .zero ? "not_visible" : "timeout",
                message: "topic '\(topic)' is not visible to this API key",
                hint: "Ask the provider to check that the share still includes this topic.",
                durationMs: watch.elapsedMs
            )
        }
        switch entry.error {
        case 0:
            let leaderless = entry.partitions.filter { $0.leader < 0 || $0.error == KafkaError.leaderNotAvailable }
                .count
            let details = ["partitions": "\(entry.partitions.count)", "leaderless_partitions": "\(leaderless)"]
            if entry.partitions.isEmpty || leaderless > 0 {
                return CheckResult(
                    .kafkaTopic,
                    resource: topic,
                    status: .warn,
                    code: "leaderless",
                    message:
                        "topic '\(topic)' is authorized, but \(leaderless) of \(entry.partitions.count) partition(s) have no leader",
                    hint:
                        "Consumers will stall on those partitions until the cluster elects leaders; retry, and tell the provider if it persists.",
                    durationMs: watch.elapsedMs,
                    details: details
                )
            }
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .pass,
                code: "ok",
                message: "topic '\(topic)' is authorized; \(entry.partitions.count) partition(s), all with leaders",
                durationMs: watch.elapsedMs,
                details: details
            )
        case KafkaError.topicAuthorizationFailed:
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: "unauthorized",
                message: "topic '\(topic)' is not authorized for this API key (TOPIC_AUTHORIZATION_FAILED)",
                hint:
                    "The share does not (or no longer does) grant access to this topic: ask the provider to re-share it.",
                durationMs: watch.elapsedMs,
                details: ["kafka_error": KafkaError(code: entry.error).name]
            )
        case KafkaError.unknownTopicOrPartition:
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: "not_found",
                message: "topic '\(topic)' does not exist on the cluster (UNKNOWN_TOPIC_OR_PART)",
                hint: "The provider may have deleted or renamed it: ask them to check the share.",
                durationMs: watch.elapsedMs,
                details: ["kafka_error": KafkaError(code: entry.error).name]
            )
        default:
            let error = KafkaError(code: entry.error)
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: "error",
                message: "metadata for topic '\(topic)' carries an error: \(error.description)",
                hint: "Retry; if it persists, report the error to the provider.",
                durationMs: watch.elapsedMs,
                details: ["kafka_error": error.name]
            )
        }
    }
}
