import RdKafka

extension KafkaProbe {
    // MARK: kafka.group.lag

    /// The prefixes whose `kafka.group` check passed: their groups' offsets can be read.
    private var authorizedPrefixes: [String] {
        let passed = Set(
            sink.all.filter { $0.checkID == .kafkaGroup && $0.status == .pass }.compactMap(\.resource)
        )
        return share.groupPrefixes.filter { passed.contains($0) }
    }

    /// The committed offsets of each authorized prefix's group (`<prefix><suffix>`) in every
    /// partition of `counts`, one OffsetFetch per group; a group whose client cannot be created is
    /// reported here and left out.
    func committedOffsets(
        _ counts: [(name: String, partitions: Int)],
        groupHandle: KafkaHandle
    ) async -> [String: Result<[String: [Int32: Int64]], KafkaError>] {
        let partitions = Dictionary(
            counts.map { topic, count in (topic, Array(0..<Int32(clamping: count))) },
            uniquingKeysWith: { first, _ in first }
        )
        let timeout = min(remaining, .seconds(10))
        return await withTaskGroup(of: (String, Result<[String: [Int32: Int64]], KafkaError>)?.self) { group in
            for prefix in authorizedPrefixes {
                let watch = Stopwatch()
                let groupID = prefix + groupSuffix
                let handle: KafkaHandle
                if prefix == share.groupPrefixes.first {
                    handle = groupHandle
                } else {
                    do throws(KafkaHandle.CreateError) {
                        handle = try pooledHandle(groupID: groupID)
                    } catch {
                        sink.add(clientError(.kafkaGroupLag, resource: prefix, error, groupID: groupID, watch: watch))
                        continue
                    }
                }
                group.addTask { (prefix, await handle.committed(partitions, timeout: timeout)) }
            }
            var offsets: [String: Result<[String: [Int32: Int64]], KafkaError>] = [:]
            for await case let (prefix, result)? in group { offsets[prefix] = result }
            return offsets
        }
    }

    /// Reports each authorized prefix's lag: high watermark (from the read) minus committed offset,
    /// per partition, and how old the record at the committed offset is (one more fetch, by
    /// `reader`, of the partitions behind).
    func reportLag(
        _ committed: [String: Result<[String: [Int32: Int64]], KafkaError>],
        samples: [String: Result<KafkaHandle.TopicSample, KafkaError>],
        counts: [(name: String, partitions: Int)],
        limit: Int64,
        reader: KafkaHandle
    ) async {
        let unread = counts.map(\.name).filter { if case .success = samples[$0] { false } else { true } }
        for prefix in share.groupPrefixes {
            guard let outcome = committed[prefix] else { continue }
            let watch = Stopwatch()
            let groupID = prefix + groupSuffix
            var result: CheckResult
            switch outcome {
            case .failure(let error):
                result = Self.lagFailure(prefix: prefix, groupID: groupID, error)
            case .success(let offsets):
                var rows = Self.lagRows(groupID: groupID, committed: offsets, samples: samples)
                await measureLagSeconds(&rows, reader: reader)
                sink.addOffsets(partitions: [], lag: rows)
                result = Self.lag(prefix: prefix, groupID: groupID, rows: rows, limit: limit, unreadTopics: unread)
            }
            result.durationMs = watch.elapsedMs
            sink.add(result)
        }
    }

    /// No shared topic could be read: a lag cannot be measured.
    func reportLagWithoutTopics() {
        guard maxLag != nil else { return }
        for prefix in authorizedPrefixes {
            sink.add(
                CheckResult(
                    .kafkaGroupLag,
                    resource: prefix,
                    status: .skip,
                    code: "not_checked",
                    message: "no readable shared topic to measure the lag of group.id '\(prefix + groupSuffix)' on"
                )
            )
        }
    }

    /// Fills in `lagSeconds`: 0 at the end of a partition; else the age of the record at the
    /// committed offset (the oldest record the group has still to read), read in one fetch.
    private func measureLagSeconds(_ rows: inout [PartitionLag], reader: KafkaHandle) async {
        var starts: [String: [Int32: KafkaHandle.ReadStart]] = [:]
        for row in rows {
            guard let lag = row.lag, let offset = row.committedOffset else { continue }
            if lag == 0 { continue }
            starts[row.topic, default: [:]][Int32(row.partition)] = .offset(offset)
        }
        for index in rows.indices where rows[index].lag == 0 { rows[index].lagSeconds = 0 }
        guard !starts.isEmpty, remaining > .zero else { return }
        let samples = await reader.sample(starts, timeout: min(remaining, .seconds(10)))
        let now = Self.nowMs()
        for index in rows.indices where rows[index].lagSeconds == nil {
            guard case .success(let sample) = samples[rows[index].topic],
                let record = sample.records.first(where: { $0.partition == Int32(rows[index].partition) }),
                let timestamp = record.timestamp
            else { continue }
            rows[index].lagSeconds = Double(max(now - timestamp.milliseconds, 0)) / 1000
        }
    }

    /// One row per partition read: its lag when the group committed there (a committed offset past
    /// the high watermark, from a read a moment older, counts as 0).
    static func lagRows(
        groupID: String,
        committed: [String: [Int32: Int64]],
        samples: [String: Result<KafkaHandle.TopicSample, KafkaError>]
    ) -> [PartitionLag] {
        samples.keys.sorted().flatMap { topic -> [PartitionLag] in
            guard case .success(let sample) = samples[topic] else { return [] }
            return sample.highWatermarks.keys.sorted().map { partition in
                let offset = committed[topic]?[partition]
                let end = sample.highWatermarks[partition] ?? 0
                return PartitionLag(
                    groupID: groupID,
                    topic: topic,
                    partition: Int(partition),
                    highWatermark: end,
                    committedOffset: offset,
                    lag: offset.map { max(end - $0, 0) }
                )
            }
        }
    }

    /// The verdict on a group's lag, from its rows.
    static func lag(
        prefix: String,
        groupID: String,
        rows: [PartitionLag],
        limit: Int64,
        unreadTopics: [String] = []
    ) -> CheckResult {
        let committed = rows.filter { $0.lag != nil }
        var details = ["group_id": groupID]
        if !unreadTopics.isEmpty { details["topics_unread"] = unreadTopics.joined(separator: ",") }
        var figures: [String: Double] = [
            "max_lag": Double(limit), "partitions_without_commit": Double(rows.count - committed.count),
        ]
        // An empty partition without a commit is no concern; one holding records may be far behind.
        let unknown = rows.filter { $0.lag == nil && $0.highWatermark > 0 }.count
        let withoutText =
            unknown > 0 ? "; \(unknown) partition(s) holding records have no committed offset (no_commit)" : ""
        guard !committed.isEmpty else {
            return CheckResult(
                .kafkaGroupLag,
                resource: prefix,
                status: .pass,
                code: "no_commit",
                message: "group.id '\(groupID)' has committed no offset on the shared topics "
                    + "(its consumers have not started, or do not commit): no lag to measure",
                details: details,
                figures: figures
            )
        }
        let total = committed.reduce(Int64(0)) { $0 + ($1.lag ?? 0) }
        let worst = committed.max { ($0.lag ?? 0) < ($1.lag ?? 0) }!
        figures["lag"] = Double(total)
        figures["max_partition_lag"] = Double(worst.lag ?? 0)
        details["worst_partition"] = "\(worst.topic)/\(worst.partition)"
        let seconds = committed.compactMap(\.lagSeconds).max()
        if let seconds { figures["lag_seconds"] = seconds }
        let behindInTime = seconds.map { $0 > 0 ? ", \(AgeText.describe(seconds: $0)) behind" : "" } ?? ""
        guard total <= limit else {
            return CheckResult(
                .kafkaGroupLag,
                resource: prefix,
                status: .fail,
                code: "lag",
                message: "group.id '\(groupID)' is \(total) record(s) behind on the shared topics\(behindInTime) "
                    + "(worst: \(worst.topic)/\(worst.partition), \(worst.lag ?? 0)), over the limit of \(limit)"
                    + withoutText,
                hint: "Its consumers are not keeping up, or are stopped: check that they run, and scale them out "
                    + "(up to one consumer per partition); raise --max-lag if this backlog is expected.",
                details: details,
                figures: figures
            )
        }
        return CheckResult(
            .kafkaGroupLag,
            resource: prefix,
            status: .pass,
            code: "within_limit",
            message: "group.id '\(groupID)' is \(total) record(s) behind on the shared topics\(behindInTime) "
                + "(limit \(limit))" + withoutText,
            details: details,
            figures: figures
        )
    }

    private static func lagFailure(prefix: String, groupID: String, _ error: KafkaError) -> CheckResult {
        let unauthorized = error.code == KafkaError.groupAuthorizationFailed
        let timedOut = error.code == KafkaError.timedOut
        return CheckResult(
            .kafkaGroupLag,
            resource: prefix,
            status: .fail,
            code: unauthorized ? "unauthorized" : (timedOut ? "timeout" : "error"),
            message: unauthorized
                ? "reading the committed offsets of group.id '\(groupID)' is not authorized"
                : "reading the committed offsets of group.id '\(groupID)' failed: \(error.description)",
            hint: unauthorized
                ? "Ask the provider to check the share's consumer-group access."
                : "Retry, or raise the deadline (--timeout).",
            details: ["group_id": groupID, "kafka_error": error.name]
        )
    }
}
