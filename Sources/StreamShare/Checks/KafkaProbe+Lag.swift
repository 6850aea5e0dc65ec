import RdKafka

extension KafkaProbe {
    // MARK: kafka.group.lag

    /// The prefixes whose `kafka.group` check passed: their groups' offsets can be read.
    private var authorizedPrefixes: [String] {
        let passed = Set(
            sink.all.filter { $0.id == .kafkaGroup && $0.status == .pass }.compactMap(\.resource)
        )
        return share.groupPrefixes.filter { passed.contains($0) }
    }

    /// Reads the record at each committed offset of every group (the oldest record it has still to
    /// read), a fetch per group, on the pooled probe client.
    /// - Parameters:
    ///   - countRequests: The probe client is not the one that read the latest records (whose
    ///     requests are counted there).
    ///   - except: A client whose requests are counted elsewhere.
    /// - Returns: By prefix, what the read found.
    func readCommitted(
        _ committed: [String: CommittedOffsets],
        topics: Set<String>,
        countRequests counting: Bool,
        except counted: KafkaHandle?
    ) async -> [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]] {
        guard !committed.isEmpty, let reader = try? pooledHandle(groupID: Self.readerGroupID) else { return [:] }
        defer { if countRequests, counting, reader !== counted { sink.addRequests(reader.events.requestCounts) } }
        return await readCommitted(committed, topics: topics, with: reader)
    }

    /// Reads the record at each committed offset of every group with `reader`, a fetch per group.
    /// - Returns: By prefix, what the read found.
    func readCommitted(
        _ committed: [String: CommittedOffsets],
        topics: Set<String>,
        with reader: KafkaHandle
    ) async -> [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]] {
        var samples: [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]] = [:]
        for prefix in share.groupPrefixes {
            guard let offsets = committed[prefix], remaining > .zero else { continue }
            var starts: [String: [Int32: KafkaHandle.ReadStart]] = [:]
            for (topic, partitions) in offsets where topics.contains(topic) {
                starts[topic] = partitions.mapValues { .offset($0) }
            }
            guard !starts.isEmpty else { continue }
            samples[prefix] = await reader.sample(starts, timeout: min(remaining, .seconds(10)))
        }
        return samples
    }

    /// Reports each authorized prefix's lag: high watermark (from the read) minus committed offset
    /// (read by its group check), per partition, and how old the record at the committed offset is.
    func reportLag(
        _ committed: [String: CommittedOffsets],
        samples: [String: Result<KafkaHandle.TopicSample, KafkaError>],
        atCommitted: [String: [String: Result<KafkaHandle.TopicSample, KafkaError>]],
        counts: [(name: String, partitions: Int)],
        limit: Int64
    ) {
        let unread = counts.map(\.name).filter { if case .success = samples[$0] { false } else { true } }
        for prefix in share.groupPrefixes {
            guard let offsets = committed[prefix] else { continue }
            let watch = Stopwatch()
            let groupID = prefix + groupSuffix
            var rows = Self.lagRows(groupID: groupID, committed: offsets, samples: samples)
            Self.measureLagSeconds(&rows, atCommitted: atCommitted[prefix] ?? [:], nowMs: Self.nowMs())
            sink.addOffsets(partitions: [], lag: rows)
            var result = Self.lag(prefix: prefix, groupID: groupID, rows: rows, limit: limit, unreadTopics: unread)
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
                    code: .notChecked,
                    message: "no readable shared topic to measure the lag of group.id '\(prefix + groupSuffix)' on"
                )
            )
        }
    }

    /// Fills in `lagSeconds`: 0 at the end of a partition; else the age of the record at the
    /// committed offset (the oldest record the group has still to read), when it was read.
    static func measureLagSeconds(
        _ rows: inout [PartitionLag],
        atCommitted: [String: Result<KafkaHandle.TopicSample, KafkaError>],
        nowMs: Int64
    ) {
        for index in rows.indices {
            let row = rows[index]
            guard let lag = row.lag, let offset = row.committedOffset else { continue }
            guard lag > 0 else {
                rows[index].lagSeconds = 0
                continue
            }
            guard case .success(let sample) = atCommitted[row.topic],
                let record = sample.records.first(where: { $0.partition == Int32(row.partition) }),
                record.offset >= offset,
                let timestamp = record.timestamp
            else { continue }
            rows[index].lagSeconds = Double(max(nowMs - timestamp.milliseconds, 0)) / 1000
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
                code: .noCommit,
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
                code: .lag,
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
            code: .withinLimit,
            message: "group.id '\(groupID)' is \(total) record(s) behind on the shared topics\(behindInTime) "
                + "(limit \(limit))" + withoutText,
            details: details,
            figures: figures
        )
    }
}
