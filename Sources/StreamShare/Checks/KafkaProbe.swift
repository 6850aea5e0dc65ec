import RdKafka

/// Runs the Kafka checks of a share: connect, topics (one batched metadata request), groups and,
/// when deep, a bounded read per topic and a join per group. Results go to the sink as soon as each
/// is known; checks that cannot run are left to the ``CheckPlan``.
///
/// One file per check family: `KafkaProbe+Connect`, `+Topics`, `+Groups`, `+Read`.
struct KafkaProbe: Sendable {
    let share: RedeemedShare
    let config: KafkaClientConfig
    let groupSuffix: String
    let deep: Bool
    /// When set, `network.dns` checks every Kafka host name's answers.
    let privateDNS: PrivateNetworkDNS?
    /// The share is reached over private networking (hints speak of the private endpoint).
    var privateNetworking: Bool { privateDNS != nil }
    let resolveHost: @Sendable (String, Duration) async -> HostResolution
    let countRequests: Bool
    let deadline: ContinuousClock.Instant
    let sink: CheckSink
    /// Where handles come from: fresh per verification, or kept between a monitor's runs.
    let pool: KafkaHandlePool
    /// Why no connection is made at all (the credentials would go over a weakened connection), or nil.
    var credentialsWithheld: String? = nil
    /// `kafka.topic.freshness`: the newest record of a topic must be younger than this.
    var maxStaleness: Duration? = nil
    /// `kafka.group.lag`: the consumers' group may be this many records behind, in total.
    var maxLag: Int64? = nil
    /// How many brokers to prove at once, asked once their number is known; nil: as many as the
    /// descriptors free allow.
    var brokerProofs: (@Sendable (_ brokers: Int) -> Int)? = nil

    /// Settings every probe handle carries, whatever the user's overrides: never commit, never
    /// auto-create, report end of partition (at once: a fetch at the end waits 10 ms, not 500: a partition at its end, empty or caught up, is answered within a round trip), identify
    /// ourselves.
    private static let probeSettings: [ConfigProperty] = [
        ConfigProperty("client.id", .plain("cdx-verify")),
        ConfigProperty("enable.auto.commit", .plain("false")),
        ConfigProperty("enable.auto.offset.store", .plain("false")),
        ConfigProperty("enable.partition.eof", .plain("true")),
        ConfigProperty("fetch.wait.max.ms", .plain("10")),
        ConfigProperty("allow.auto.create.topics", .plain("false")),
        ConfigProperty("auto.offset.reset", .plain("latest")),
        ConfigProperty("log.connection.close", .plain("false")),
    ]

    /// Time left; none once the verification was cancelled, so that every loop winds down.
    var remaining: Duration { Task.isCancelled ? .zero : max(deadline - ContinuousClock.now, .zero) }

    /// The properties of a probe handle with `group.id` set to `groupID` (or none).
    func properties(groupID: String?) -> [RdKafkaProperty] {
        var properties = config.properties.filter { $0.key != "group.id" }
        if config.bootstrap.securityProtocol == .saslSSL, config["ssl.ca.location"] == nil {
            properties.append(ConfigProperty("ssl.ca.location", .plain(KafkaClientConfig.hostCABundle)))
        }
        properties.removeAll { property in Self.probeSettings.contains { $0.key == property.key } }
        properties += Self.probeSettings
        if let groupID { properties.append(ConfigProperty("group.id", .plain(groupID))) }
        return properties.map(\.rdKafka)
    }

    /// The pool's handle for `groupID`, created on first use.
    func pooledHandle(groupID: String?) throws(KafkaHandle.CreateError) -> KafkaHandle {
        try pool.handle(groupID: groupID, debugProtocol: countRequests) { properties(groupID: groupID) }
    }

    /// A handle of its own, never pooled (a join closes its consumer; a connect proof needs a new session).
    func ownHandle(groupID: String?) throws(KafkaHandle.CreateError) -> KafkaHandle {
        try pool.unpooledHandle(properties: properties(groupID: groupID), debugProtocol: countRequests)
    }

    func run() async {
        // A private share's host names are checked alongside the connection they decide.
        async let names: Void = checkNames(config.bootstrap.hosts)
        if let credentialsWithheld {
            sink.add(
                CheckResult(.kafkaConnect, status: .skip, code: .credentialsWithheld, message: credentialsWithheld)
            )
        } else {
            await runChecks()
        }
        await names
    }

    private func runChecks() async {
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
            connectHandle = reused ? try ownHandle(groupID: nil) : handle
        } catch {
            sink.add(clientError(.kafkaConnect, resource: nil, error, watch: watch))
            return
        }
        defer {
            if countRequests {
                sink.addRequests(handle.events.requestCounts)
                if reused { sink.addRequests(connectHandle.events.requestCounts) }
            }
        }

        // With --max-staleness or --max-lag every partition is read, on a client of its own: it starts
        // now and learns the cluster's metadata beside the connect check, then reads as soon as the
        // topics are known, beside the group and broker checks, instead of after them.
        let measuring = maxStaleness != nil || maxLag != nil
        let reader = measuring ? try? pooledHandle(groupID: Self.readerGroupID) : nil
        // With --max-lag, the records at the groups' committed offsets are read by a second one, beside
        // the latest records: it connects to every leader while the group checks run.
        let lagReader =
            maxLag != nil && !share.groupPrefixes.isEmpty ? try? pooledHandle(groupID: Self.lagReaderGroupID) : nil
        defer {
            if countRequests {
                for client in [reader, lagReader].compactMap(\.self) { sink.addRequests(client.events.requestCounts) }
            }
        }
        // The warm-ups are not awaited: one still running (a broker out of reach) is cancelled when the
        // checks end, and its call ends by itself on its client's queue.
        async let _ = warmUp(reader)
        async let _ = warmUp(lagReader)
        guard let metadata = await connect(connectHandle, watch: watch) else { return }
        async let brokerNames: Void = checkBrokerNames(metadata.brokers)
        // Every broker is proven in parallel with the topic lookups and the group checks; a topic's
        // verdict waits for them, since a partition led by an unreachable broker stalls consumers.
        async let unreachable = proveBrokers(metadata.brokers)
        let lookups = await lookUpTopics(connectHandle, metadata: metadata)
        let authorized = lookups.first { $0.entry?.error == 0 }?.name
        let partitions = Dictionary(
            lookups.compactMap { lookup in lookup.entry.map { (lookup.name, $0.partitions.count) } },
            uniquingKeysWith: { first, _ in first }
        )
        let authorizedTopics = lookups.filter { $0.entry?.error == 0 }.map(\.name)
        // With --max-lag, every partition of the authorized topics: the group checks' OffsetFetch reads
        // their committed offsets (the lag costs no request of its own for them), and the lag reader
        // connects to their leaders.
        var lagPartitions: [String: [Int32]] = [:]
        if maxLag != nil {
            for topic in authorizedTopics {
                lagPartitions[topic] = Array(0..<Int32(clamping: max(partitions[topic] ?? 1, 1)))
            }
        }
        async let early = readEarly(reader, topics: authorizedTopics, partitions: partitions)
        async let _ = openConnections(lagReader, partitions: lagPartitions)
        let committed = await checkGroups(primary: handle, usableTopic: authorized, lagPartitions: lagPartitions)
        async let lagRead = readCommittedEarly(lagReader, committed, topics: Set(authorizedTopics))
        let brokersDown = await unreachable
        let readable = reportTopics(lookups, unreachable: brokersDown)
        if deep || measuring {
            // The early read stands when no broker is out of reach: it read every authorized topic, and
            // waits until its deadline for a partition whose leader cannot be reached.
            let sampled = brokersDown.isEmpty ? await early : nil
            let sampledAtCommitted = brokersDown.isEmpty ? await lagRead : nil
            // A group check decided by its error events leaves its committed-offset call running on the
            // main handle's queue, up to the deadline: the reads then get a handle of their own.
            await readTopics(
                readable,
                partitions: partitions,
                primary: primaryGroupID != nil && !handle.isBusy ? handle : nil,
                committed: committed,
                reader: reader,
                sampled: sampled,
                sampledAtCommitted: sampledAtCommitted
            )
        }
        await brokerNames
    }

    /// The failure of a check whose librdkafka client could not be created: a configuration that
    /// librdkafka refuses, never a timeout.
    func clientError(
        _ id: CheckID,
        resource: String?,
        _ error: KafkaHandle.CreateError,
        groupID: String? = nil,
        watch: Stopwatch
    ) -> CheckResult {
        let message: String
        switch error {
        case .configuration(let configurationError): message = ConfigurationError(configurationError).description
        case .creation(let text):
            message = config.scrubber(also: [share.secret])(text)
        }
        return CheckResult(
            id,
            resource: resource,
            status: .fail,
            code: .clientError,
            message: "librdkafka could not create a client"
                + (groupID.map { " for group.id '\($0)'" } ?? "") + ": \(message)",
            hint: "Check the -X overrides and the CA file.",
            durationMs: watch.elapsedMs,
            details: groupID.map { ["group_id": $0] } ?? [:]
        )
    }
}
