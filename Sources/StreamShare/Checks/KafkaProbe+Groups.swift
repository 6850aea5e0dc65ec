import RdKafka

extension KafkaProbe {
    // MARK: kafka.group

    /// The committed offsets a group check read, by topic and partition.
    typealias CommittedOffsets = [String: [Int32: Int64]]

    /// Checks every group prefix (and joins each, when deep).
    /// - Parameter lagPartitions: With `--max-lag`, the partitions whose committed offsets the lag
    ///   needs: the group check's one OffsetFetch reads them all.
    /// - Returns: By prefix, the committed offsets read by a group check that passed.
    @discardableResult
    func checkGroups(
        primary: KafkaHandle,
        usableTopic: String?,
        lagPartitions: [String: [Int32]] = [:]
    ) async -> [String: CommittedOffsets] {
        var committed: [String: CommittedOffsets] = [:]
        for (index, prefix) in share.groupPrefixes.enumerated() {
            let watch = Stopwatch()
            let groupID = prefix + groupSuffix
            guard remaining > .zero else { break }
            let handle: KafkaHandle
            if index == 0 {
                handle = primary
            } else {
                do {
                    handle = try pooledHandle(groupID: groupID)
                } catch {
                    sink.add(clientError(.kafkaGroup, resource: prefix, error, groupID: groupID, watch: watch))
                    continue
                }
            }
            let (result, offsets) = await groupResult(
                handle,
                prefix: prefix,
                groupID: groupID,
                topic: usableTopic,
                partitions: lagPartitions,
                watch: watch
            )
            if let offsets { committed[prefix] = offsets }
            if countRequests, index > 0 { sink.addRequests(handle.events.requestCounts) }
            // librdkafka reports a repeated coordinator error once per handle: a kept handle would turn
            // the next run's verdict into a timeout. The next run looks the group up afresh.
            if result.status != .pass { pool.evict(groupID: groupID) }
            sink.add(result)
            if deep {
                await joinGroup(prefix: prefix, topic: usableTopic, passed: result.status == .pass)
            }
        }
        return committed
    }

    private func groupResult(
        _ handle: KafkaHandle,
        prefix: String,
        groupID: String,
        topic: String?,
        partitions: [String: [Int32]],
        watch: Stopwatch
    ) async -> (CheckResult, CommittedOffsets?) {
        let probeTopic = topic ?? share.topics.first ?? "__cdx_verify_probe"
        let timeout = remaining
        var asked = partitions
        if asked[probeTopic]?.contains(0) != true { asked[probeTopic, default: []].append(0) }
        // rd_kafka_committed blocks; a FindCoordinator authorization failure only surfaces as an
        // error event, so poll for it meanwhile: the first verdict wins and the other child is
        // cancelled. A cancelled committed() answers at once (the handle lets the C call end by
        // itself); the poller's consumerPoll holds the poll queue for at most 20 ms and is awaited, so
        // no poll outlives this check and reports into the next one.
        let outcome = await withTaskGroup(of: Result<CommittedOffsets, KafkaError>?.self) { group in
            group.addTask { [asked] in await handle.committed(asked, timeout: timeout) }
            group.addTask {
                while !Task.isCancelled {
                    await handle.consumerPoll(milliseconds: 20)
                    if handle.events.events.contains(where: { $0.code == KafkaError.groupAuthorizationFailed }) {
                        return .failure(KafkaError(code: KafkaError.groupAuthorizationFailed))
                    }
                }
                return nil
            }
            var first: Result<CommittedOffsets, KafkaError>? = nil
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first ?? .failure(KafkaError(code: KafkaError.timedOut))
        }
        let details = ["group_id": groupID]
        switch outcome {
        case .success(let offsets):
            var withOffset = details
            withOffset["committed_offset"] = offsets[probeTopic]?[0].map { "\($0)" } ?? "none"
            return (
                CheckResult(
                    .kafkaGroup,
                    resource: prefix,
                    status: .pass,
                    code: .authorized,
                    message: "group.id '\(groupID)' is authorized (coordinator found, committed offsets readable)",
                    durationMs: watch.elapsedMs,
                    details: withOffset
                ),
                offsets
            )
        case .failure(let error) where error.code == KafkaError.groupAuthorizationFailed:
            return (
                CheckResult(
                    .kafkaGroup,
                    resource: prefix,
                    status: .fail,
                    code: .unauthorized,
                    message: "group.id '\(groupID)' is not authorized (GROUP_AUTHORIZATION_FAILED)",
                    hint:
                        "Consumers must use a group.id starting with the shared prefix '\(prefix)'; if they do, ask the provider "
                        + "to check the share's consumer-group access.",
                    durationMs: watch.elapsedMs,
                    details: details
                ), nil
            )
        case .failure(let error) where error.code == KafkaError.timedOut:
            return (
                CheckResult(
                    .kafkaGroup,
                    resource: prefix,
                    status: .fail,
                    code: .timeout,
                    message: "no answer from the group coordinator for '\(groupID)' in time",
                    hint: "The coordinator may be unavailable; retry, or raise the deadline (--timeout).",
                    durationMs: watch.elapsedMs,
                    details: details
                ), nil
            )
        case .failure(let error):
            return (
                CheckResult(
                    .kafkaGroup,
                    resource: prefix,
                    status: .fail,
                    code: error.code == KafkaError.coordinatorNotAvailable ? .coordinatorUnavailable : .error,
                    message: "checking group.id '\(groupID)' failed: \(error.description)",
                    hint: "Retry; if it persists, report the error to the provider.",
                    durationMs: watch.elapsedMs,
                    details: details.merging(["kafka_error": error.name]) { $1 }
                ), nil
            )
        }
    }

    // MARK: kafka.group.join

    /// The group a deep join uses: under the shared prefix, never the consumers' own `group.id`
    /// (joining theirs would rebalance the running consumers, and fail spuriously when they use
    /// another assignor or the new group protocol), and new on every run.
    static func probeGroupID(prefix: String) -> String {
        prefix + "cdx-verify-probe-" + String(UInt32.random(in: .min ... .max), radix: 16)
    }

    /// Deep: joins a probe group under the prefix for real (JoinGroup/SyncGroup through a
    /// subscription), then leaves it at once. Runs only when the group check passed (else the plan
    /// reports it as skipped).
    private func joinGroup(prefix: String, topic: String?, passed: Bool) async {
        let watch = Stopwatch()
        let groupID = Self.probeGroupID(prefix: prefix)
        guard passed, remaining > .zero else { return }
        guard let topic else {
            sink.add(
                CheckResult(
                    .kafkaGroupJoin,
                    resource: prefix,
                    status: .skip,
                    code: .notChecked,
                    message: "no readable shared topic to subscribe to"
                )
            )
            return
        }
        // Leaving the group closes the consumer, so a join always gets a handle of its own.
        let handle: KafkaHandle
        do {
            handle = try ownHandle(groupID: groupID)
        } catch {
            sink.add(clientError(.kafkaGroupJoin, resource: prefix, error, groupID: groupID, watch: watch))
            return
        }
        let result = await handle.joinAndLeave(topic: topic, timeout: min(remaining, .seconds(15)))
        if countRequests { sink.addRequests(handle.events.requestCounts) }
        switch result {
        case .success(let partitions):
            sink.add(
                CheckResult(
                    .kafkaGroupJoin,
                    resource: prefix,
                    status: .pass,
                    code: .joined,
                    message:
                        "probe group '\(groupID)' joined (assigned \(partitions) partition(s) of '\(topic)') and left",
                    durationMs: watch.elapsedMs,
                    details: ["group_id": groupID, "assigned_partitions": "\(partitions)"]
                )
            )
        case .failure(let error):
            let unauthorized = error.code == KafkaError.groupAuthorizationFailed
            sink.add(
                CheckResult(
                    .kafkaGroupJoin,
                    resource: prefix,
                    status: .fail,
                    code: unauthorized ? .unauthorized : (error.code == KafkaError.timedOut ? .timeout : .error),
                    message: unauthorized
                        ? "joining group '\(groupID)' is not authorized (READ on the group is missing)"
                        : "joining group '\(groupID)' failed: \(error.description)",
                    hint: unauthorized
                        ? "Ask the provider to grant READ on the shared group prefix '\(prefix)'."
                        : "Retry, or raise the deadline (--timeout).",
                    durationMs: watch.elapsedMs,
                    details: ["group_id": groupID, "kafka_error": error.name]
                )
            )
        }
    }
}
