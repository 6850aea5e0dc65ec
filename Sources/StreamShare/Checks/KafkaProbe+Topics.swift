import RdKafka

extension KafkaProbe {
    // MARK: kafka.topic

    /// What the cluster says about one shared topic, and how long finding out took.
    struct TopicLookup: Sendable {
        var name: String
        var entry: ClusterMetadata.Topic?
        var elapsedMs: Double
        /// The deadline came before a missing topic could be asked for on its own.
        var outOfTime: Bool
    }

    /// Finds every shared topic in the all-topics metadata already fetched; only topics missing
    /// from it (unauthorized or nonexistent on a real cluster) get a metadata request of their own,
    /// to tell the two apart.
    func lookUpTopics(_ handle: KafkaHandle, metadata: ClusterMetadata) async -> [TopicLookup] {
        var lookups: [TopicLookup] = []
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
            lookups.append(
                TopicLookup(name: topic, entry: entry, elapsedMs: watch.elapsedMs, outOfTime: remaining <= .zero)
            )
        }
        return lookups
    }

    /// Reports every topic, now that the brokers that cannot be reached are known.
    /// - Returns: The topics that passed (or only warned), in share order.
    func reportTopics(_ lookups: [TopicLookup], unreachable: [Int32: ClusterMetadata.Broker]) -> [String] {
        var usable: [String] = []
        for lookup in lookups {
            let result = topicResult(lookup, unreachable: unreachable)
            if result.status == .pass || result.status == .warn { usable.append(lookup.name) }
            sink.add(result)
        }
        return usable
    }

    private func topicResult(_ lookup: TopicLookup, unreachable: [Int32: ClusterMetadata.Broker]) -> CheckResult {
        let topic = lookup.name
        guard let entry = lookup.entry else {
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: lookup.outOfTime ? .timeout : .notVisible,
                message: "topic '\(topic)' is not visible to this API key",
                hint: "Ask the provider to check that the share still includes this topic.",
                durationMs: lookup.elapsedMs
            )
        }
        switch entry.error {
        case 0:
            let leaderless = entry.partitions.filter { $0.leader < 0 || $0.error == KafkaError.leaderNotAvailable }
                .count
            let details = ["partitions": "\(entry.partitions.count)", "leaderless_partitions": "\(leaderless)"]
            let stranded = entry.partitions.filter { unreachable[$0.leader] != nil }.sorted { $0.id < $1.id }
            if !stranded.isEmpty {
                let brokers = Set(stranded.map(\.leader)).sorted().compactMap { unreachable[$0] }
                let partitions = stranded.map { "\($0.id)" }.joined(separator: ", ")
                return CheckResult(
                    .kafkaTopic,
                    resource: topic,
                    status: .fail,
                    code: .leaderUnreachable,
                    message: "topic '\(topic)': partition(s) \(partitions) of \(entry.partitions.count) are led by "
                        + brokers.map { "broker \($0.id) (\($0.host):\($0.port))" }.joined(separator: ", ")
                        + ", which cannot be reached: consumers would stall on them",
                    hint: "See the kafka.broker check of that broker: its advertised address must resolve and "
                        + "route from this network.",
                    durationMs: lookup.elapsedMs,
                    details: details.merging([
                        "unreachable_partitions": stranded.map { "\($0.id)" }.joined(separator: ","),
                        "unreachable_brokers": brokers.map { "\($0.id)" }.joined(separator: ","),
                    ]) { $1 }
                )
            }
            if entry.partitions.isEmpty || leaderless > 0 {
                return CheckResult(
                    .kafkaTopic,
                    resource: topic,
                    status: .warn,
                    code: .leaderless,
                    message:
                        "topic '\(topic)' is authorized, but \(leaderless) of \(entry.partitions.count) partition(s) have no leader",
                    hint:
                        "Consumers will stall on those partitions until the cluster elects leaders; retry, and tell the provider if it persists.",
                    durationMs: lookup.elapsedMs,
                    details: details
                )
            }
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .pass,
                code: .ok,
                message: "topic '\(topic)' is authorized; \(entry.partitions.count) partition(s), all with leaders",
                durationMs: lookup.elapsedMs,
                details: details
            )
        case KafkaError.topicAuthorizationFailed:
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: .unauthorized,
                message: "topic '\(topic)' is not authorized for this API key (TOPIC_AUTHORIZATION_FAILED)",
                hint:
                    "The share does not (or no longer does) grant access to this topic: ask the provider to re-share it.",
                durationMs: lookup.elapsedMs,
                details: ["kafka_error": KafkaError(code: entry.error).name]
            )
        case KafkaError.unknownTopicOrPartition:
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: .notFound,
                message: "topic '\(topic)' does not exist on the cluster (UNKNOWN_TOPIC_OR_PART)",
                hint: "The provider may have deleted or renamed it: ask them to check the share.",
                durationMs: lookup.elapsedMs,
                details: ["kafka_error": KafkaError(code: entry.error).name]
            )
        default:
            let error = KafkaError(code: entry.error)
            return CheckResult(
                .kafkaTopic,
                resource: topic,
                status: .fail,
                code: .error,
                message: "metadata for topic '\(topic)' carries an error: \(error.description)",
                hint: "Retry; if it persists, report the error to the provider.",
                durationMs: lookup.elapsedMs,
                details: ["kafka_error": error.name]
            )
        }
    }
}
