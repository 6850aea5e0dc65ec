/// Runs the Kafka checks of a share: connect, topics (one batched metadata request), groups and,
/// when deep, a bounded read per topic. Results go to the sink as soon as each is known.
struct KafkaProbe: Sendable {
    let share: RedeemedShare
    let config: KafkaClientConfig
    let groupSuffix: String
    let deep: Bool
    let privateNetworking: Bool
    let countRequests: Bool
    let deadline: ContinuousClock.Instant
    let sink: CheckSink
    /// Where handles come from: fresh per verification, or kept between a monitor's runs.
    let pool: KafkaHandlePool

    /// Settings every probe handle carries, whatever the user's overrides: never commit, never
    /// auto-create, report end of partition, identify ourselves.
    private static let probeSettings: [ConfigProperty] = [
        ConfigProperty("client.id", .plain("cdx-verify")),
        ConfigProperty("enable.auto.commit", .plain("false")),
        ConfigProperty("enable.auto.offset.store", .plain("false")),
        ConfigProperty("enable.partition.eof", .plain("true")),
        ConfigProperty("allow.auto.create.topics", .plain("false")),
        ConfigProperty("auto.offset.reset", .plain("latest")),
        ConfigProperty("log.connection.close", .plain("false")),
    ]

    /// Time left; none once the verification was cancelled, so that every loop winds down.
    private var remaining: Duration { Task.isCancelled ? .zero : max(deadline - ContinuousClock.now, .zero) }

    private func properties(groupID: String?) -> [ConfigProperty] {
        var properties = config.properties.filter { $0.key != "group.id" }
        properties.removeAll { property in Self.probeSettings.contains { $0.key == property.key } }
        properties += Self.probeSettings
        if let groupID { properties.append(ConfigProperty("group.id", .plain(groupID))) }
        return properties
    }

    private func pooledHandle(groupID: String?) throws(KafkaHandle.CreateError) -> KafkaHandle {
        try pool.handle(groupID: groupID, debugProtocol: countRequests) { properties(groupID: groupID) }
    }

    func run() async {
        let watch = Stopwatch()
        // The first group's id goes on the main handle: librdkafka starts looking up its coordinator
        // as soon as the handle exists, in parallel with the metadata requests, and the group check
        // then reuses the established connection.
        let primaryGroupID = share.groupPrefixes.first.map { $0 + groupSuffix }
        let reused = pool.contains(groupID: primaryGroupID)
        let handle: KafkaHandle
        let connectHandle: KafkaHandle
        do {
            handle = try pooledHandle(groupID: primaryGroupID)
            // A kept handle's session was authenticated runs ago, and broker sessions outlive a deleted
            // key, a broken DNS record or bootstrap path. So kafka.connect (and the topic metadata) is
            // always proven over a new connection: with a kept handle, by a short-lived client of its own.
            connectHandle =
                reused ? try KafkaHandle(properties: properties(groupID: nil), debugProtocol: countRequests) : handle
        } catch {
            sink.add(clientError(error, watch: watch))
            skipDependents(reason: "the Kafka client could not be created")
            return
        }
        defer {
            if countRequests {
                sink.addRequests(handle.events.requestCounts)
                if reused { sink.addRequests(connectHandle.events.requestCounts) }
            }
        }

        guard let metadata = await connect(connectHandle, watch: watch) else {
            skipDependents(reason: "kafka.connect failed")
            return
        }
        let readable = await checkTopics(connectHandle, metadata: metadata)
        await checkGroups(primary: handle, usableTopic: readable.first)
        if deep {
            let unreadable = share.topics.filter { !readable.contains($0) }
            sink.add(
                unreadable.map {
                    CheckResult(
                        id: "kafka.topic.read",
                        resource: $0,
                        status: .skip,
                        code: "not_checked",
                        message: "kafka.topic failed"
                    )
                }
            )
            await readTopics(readable, primary: primaryGroupID == nil ? nil : handle)
        }
    }

    private func clientError(_ error: KafkaHandle.CreateError, watch: Stopwatch) -> CheckResult {
        let message: String
        switch error {
        case .configuration(let configurationError): message = configurationError.description
        case .creation(let text): message = text
        }
        return CheckResult(
            id: "kafka.connect",
            status: .fail,
            code: "client_error",
            message: "librdkafka could not create a client: \(message)",
            hint: "Check the -X overrides and the CA file.",
            durationMs: watch.elapsedMs
        )
    }

    // MARK: kafka.connect

    private func connect(_ handle: KafkaHandle, watch: Stopwatch) async -> ClusterMetadata? {
        let bootstrap = config.bootstrap
        var lastError: KafkaError? = nil
        while remaining > .zero {
            let slice = min(remaining, .seconds(1))
            switch await handle.metadata(topic: nil, timeout: slice) {
            case .success(let metadata):
                let insecure = bootstrap.isInsecure
                sink.add(
                    CheckResult(
                        id: "kafka.connect",
                        status: insecure ? .warn : .pass,
                        code: insecure ? "connected_plaintext" : "connected",
                        message: "connected to \(metadata.brokers.count) broker(s) via \(bootstrap.bootstrapServers) "
                            + (insecure
                                ? "over PLAINTEXT (no TLS, no authentication)"
                                : "(SASL_SSL, authenticated as \(share.apiKey))"),
                        hint: insecure ? "PLAINTEXT is only acceptable for the local sandbox." : nil,
                        durationMs: watch.elapsedMs,
                        details: [
                            "brokers": "\(metadata.brokers.count)",
                            "security_protocol": bootstrap.securityProtocol.rawValue,
                            "metadata_from": metadata.originatingBroker,
                        ]
                    )
                )
                return metadata
            case .failure(let error):
                lastError = error
            }
            await handle.poll()
            if let diagnosis = ConnectionDiagnosis.diagnose(
                events: handle.events.events,
                bootstrap: bootstrap,
                privateNetworking: privateNetworking
            ), diagnosis.isDefinitive {
                sink.add(failure(diagnosis, watch: watch, lastError: lastError))
                return nil
            }
        }
        let waited = Duration.milliseconds(Int64(watch.elapsedMs))
        let diagnosis =
            ConnectionDiagnosis.diagnose(
                events: handle.events.events,
                bootstrap: bootstrap,
                privateNetworking: privateNetworking
            ) ?? .timeout(bootstrap: bootstrap, waited: waited, lastError: lastError)
        sink.add(failure(diagnosis, watch: watch, lastError: lastError))
        return nil
    }

    private func failure(_ diagnosis: ConnectionDiagnosis, watch: Stopwatch, lastError: KafkaError?) -> CheckResult {
        var details = ["stage": diagnosis.stage.rawValue]
        if let evidence = diagnosis.evidence { details["librdkafka"] = share.secret.scrub(evidence) }
        if let lastError { details["last_error"] = lastError.name }
        return CheckResult(
            id: "kafka.connect",
            status: .fail,
            code: diagnosis.stage.rawValue,
            message: diagnosis.message,
            hint: diagnosis.hint,
            durationMs: watch.elapsedMs,
            details: details
        )
    }

    private func skipDependents(reason: String) {
        var skipped: [CheckResult] = []
        for topic in share.topics {
            skipped.append(
                CheckResult(id: "kafka.topic", resource: topic, status: .skip, code: "not_checked", message: reason)
            )
            if deep {
                skipped.append(
                    CheckResult(
                        id: "kafka.topic.read",
                        resource: topic,
                        status: .skip,
                        code: "not_checked",
                        message: reason
                    )
                )
            }
        }
        for prefix in share.groupPrefixes {
            skipped.append(
                CheckResult(id: "kafka.group", resource: prefix, status: .skip, code: "not_checked", message: reason)
            )
        }
        sink.add(skipped)
    }

    // MARK: kafka.topic

    /// Checks every shared topic from the all-topics metadata already fetched; only topics missing
    /// from it (unauthorized or nonexistent on a real cluster) get a metadata request of their own,
    /// to tell the two apart. Returns the topics that passed (or only warned), in share order.
    private func checkTopics(_ handle: KafkaHandle, metadata: ClusterMetadata) async -> [String] {
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
                id: "kafka.topic",
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
                    id: "kafka.topic",
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
                id: "kafka.topic",
                resource: topic,
                status: .pass,
                code: "ok",
                message: "topic '\(topic)' is authorized; \(entry.partitions.count) partition(s), all with leaders",
                durationMs: watch.elapsedMs,
                details: details
            )
        case KafkaError.topicAuthorizationFailed:
            return CheckResult(
                id: "kafka.topic",
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
                id: "kafka.topic",
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
                id: "kafka.topic",
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

    // MARK: kafka.group

    private func checkGroups(primary: KafkaHandle, usableTopic: String?) async {
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
                    sink.add(
                        CheckResult(
                            id: "kafka.group",
                            resource: prefix,
                            status: .fail,
                            code: "client_error",
                            message: "librdkafka could not create a client for group.id '\(groupID)'",
                            durationMs: watch.elapsedMs
                        )
                    )
                    continue
                }
            }
            let result = await groupResult(handle, prefix: prefix, groupID: groupID, topic: usableTopic, watch: watch)
            if countRequests, index > 0 { sink.addRequests(handle.events.requestCounts) }
            // librdkafka reports a repeated coordinator error once per handle: a kept handle would turn
            // the next run's verdict into a timeout. The next run looks the group up afresh.
            if result.status != .pass { pool.evict(groupID: groupID) }
            sink.add(result)
            if deep {
                await joinGroup(prefix: prefix, groupID: groupID, topic: usableTopic, passed: result.status == .pass)
            }
        }
    }

    private func groupResult(
        _ handle: KafkaHandle,
        prefix: String,
        groupID: String,
        topic: String?,
        watch: Stopwatch
    ) async -> CheckResult {
        let probeTopic = topic ?? share.topics.first ?? "__cdx_verify_probe"
        let timeout = remaining
        // rd_kafka_committed blocks; a FindCoordinator authorization failure only surfaces as an
        // error event, so poll for it while waiting and stop early when it arrives.
        // The blocking call cannot be cancelled, so it runs unstructured: when the poller sees the
        // authorization failure first, the verdict is returned at once and the call ends on its own.
        let committed = Task { await handle.committed(topic: probeTopic, partition: 0, timeout: timeout) }
        let poller = Task { () -> Result<Int64, KafkaError>? in
            while !Task.isCancelled {
                await handle.consumerPoll(milliseconds: 20)
                if handle.events.events.contains(where: { $0.code == KafkaError.groupAuthorizationFailed }) {
                    return .failure(KafkaError(code: KafkaError.groupAuthorizationFailed))
                }
            }
            return nil
        }
        let outcome =
            await Race.first(of: [
                { @Sendable in await committed.value }, { @Sendable in await poller.value },
            ])
            ?? .failure(KafkaError(code: KafkaError.timedOut))
        // The poller's consumerPoll holds this handle's poll queue for up to 20 ms and cannot be
        // interrupted: wait for it, or runs closer together than that pile polls up on the queue
        // without bound (each holding its suspended tasks), and a late poll reports into the next run.
        poller.cancel()
        _ = await poller.value
        let details = ["group_id": groupID]
        switch outcome {
        case .success(let offset):
            var withOffset = details
            withOffset["committed_offset"] = offset >= 0 ? "\(offset)" : "none"
            return CheckResult(
                id: "kafka.group",
                resource: prefix,
                status: .pass,
                code: "authorized",
                message: "group.id '\(groupID)' is authorized (coordinator found, committed offsets readable)",
                durationMs: watch.elapsedMs,
                details: withOffset
            )
        case .failure(let error) where error.code == KafkaError.groupAuthorizationFailed:
            return CheckResult(
                id: "kafka.group",
                resource: prefix,
                status: .fail,
                code: "unauthorized",
                message: "group.id '\(groupID)' is not authorized (GROUP_AUTHORIZATION_FAILED)",
                hint:
                    "Consumers must use a group.id starting with the shared prefix '\(prefix)'; if they do, ask the provider "
                    + "to check the share's consumer-group access.",
                durationMs: watch.elapsedMs,
                details: details
            )
        case .failure(let error) where error.code == KafkaError.timedOut:
            return CheckResult(
                id: "kafka.group",
                resource: prefix,
                status: .fail,
                code: "timeout",
                message: "no answer from the group coordinator for '\(groupID)' in time",
                hint: "The coordinator may be unavailable; retry, or raise the deadline (--timeout).",
                durationMs: watch.elapsedMs,
                details: details
            )
        case .failure(let error):
            return CheckResult(
                id: "kafka.group",
                resource: prefix,
                status: .fail,
                code: error.code == KafkaError.coordinatorNotAvailable ? "coordinator_unavailable" : "error",
                message: "checking group.id '\(groupID)' failed: \(error.description)",
                hint: "Retry; if it persists, report the error to the provider.",
                durationMs: watch.elapsedMs,
                details: details.merging(["kafka_error": error.name]) { $1 }
            )
        }
    }

    // MARK: kafka.group.join

    /// Deep: joins the group for real (JoinGroup/SyncGroup through a subscription), then leaves.
    private func joinGroup(prefix: String, groupID: String, topic: String?, passed: Bool) async {
        let watch = Stopwatch()
        guard passed, let topic, remaining > .zero else {
            sink.add(
                CheckResult(
                    id: "kafka.group.join",
                    resource: prefix,
                    status: .skip,
                    code: "not_checked",
                    message: topic == nil ? "no readable shared topic to subscribe to" : "kafka.group failed"
                )
            )
            return
        }
        // Leaving the group closes the consumer, so a join always gets a handle of its own.
        guard let handle = try? KafkaHandle(properties: properties(groupID: groupID), debugProtocol: countRequests)
        else {
            return
        }
        let result = await handle.joinAndLeave(topic: topic, timeout: min(remaining, .seconds(15)))
        if countRequests { sink.addRequests(handle.events.requestCounts) }
        switch result {
        case .success(let partitions):
            sink.add(
                CheckResult(
                    id: "kafka.group.join",
                    resource: prefix,
                    status: .pass,
                    code: "joined",
                    message:
                        "group.id '\(groupID)' joined (assigned \(partitions) partition(s) of '\(topic)') and left",
                    durationMs: watch.elapsedMs,
                    details: ["group_id": groupID, "assigned_partitions": "\(partitions)"]
                )
            )
        case .failure(let error):
            let unauthorized = error.code == KafkaError.groupAuthorizationFailed
            sink.add(
                CheckResult(
                    id: "kafka.group.join",
                    resource: prefix,
                    status: .fail,
                    code: unauthorized ? "unauthorized" : (error.code == KafkaError.timedOut ? "timeout" : "error"),
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

    // MARK: kafka.topic.read

    /// Fetching needs a consumer with a `group.id` (librdkafka refuses `assign` without one); it is
    /// never joined and nothing is committed.
    private func readTopics(_ topics: [String], primary: KafkaHandle?) async {
        guard !topics.isEmpty else { return }
        let handle: KafkaHandle
        if let primary {
            handle = primary
        } else {
            do {
                handle = try pooledHandle(groupID: "cdx-verify-probe")
            } catch {
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
                        id: "kafka.topic.read",
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
                        id: "kafka.topic.read",
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
