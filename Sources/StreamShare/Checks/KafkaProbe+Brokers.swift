import RdKafka

extension KafkaProbe {
    // MARK: kafka.broker

    /// How long one broker may take to be proven reachable.
    static let brokerProofBudget: Duration = .seconds(10)

    /// `<id> host:port`, the resource of a broker's check.
    static func brokerResource(_ broker: ClusterMetadata.Broker) -> String {
        "\(broker.id) \(BootstrapServers.Endpoint(host: broker.host, port: Int(broker.port)))"
    }

    /// Proves every broker of the cluster reachable with the share's credentials — DNS, TCP, TLS and
    /// SASL, each through a client of its own whose only bootstrap server is that broker's advertised
    /// address. Bootstrap succeeding proves nothing about the others, and a consumer needs every
    /// partition leader.
    ///
    /// All at once when the descriptors allow: each proof's client learns every broker (a socket and
    /// wake-up descriptors for each), so proving N brokers at once holds about 1.6 N² descriptors (24
    /// brokers: over 1,000; `scripts/bench-watch --descriptors`). A run of a pool proves
    /// ``brokerProofs`` at once (what it was admitted with room for); otherwise as many as the free
    /// descriptors allow. No proof starts once the deadline has passed or the run is cancelled: a
    /// broker not tried is reported by the plan as not finished within the deadline, not as unreachable.
    /// - Returns: The brokers that cannot be reached, by id.
    func proveBrokers(_ brokers: [ClusterMetadata.Broker]) async -> [Int32: ClusterMetadata.Broker] {
        sink.owe(brokers.map { CheckPlan.Entry(id: .kafkaBroker, resource: Self.brokerResource($0)) })
        let atOnce = max(
            1,
            brokerProofs?(brokers.count) ?? FileDescriptors.brokerProofsWithinHeadroom(brokers: brokers.count)
        )
        return await withTaskGroup(of: (ClusterMetadata.Broker, Bool).self) { group in
            var pending = brokers[...]
            func startNext() {
                guard remaining > .zero, let broker = pending.popFirst() else { return }
                _ = group.addTaskUnlessCancelled {
                    let result = await proveBroker(broker)
                    sink.add(result)
                    return (broker, result.status == .pass || result.status == .warn)
                }
            }
            for _ in 0..<atOnce { startNext() }
            var unreachable: [Int32: ClusterMetadata.Broker] = [:]
            while let (broker, reached) = await group.next() {
                if !reached { unreachable[broker.id] = broker }
                startNext()
            }
            return unreachable
        }
    }

    private func proveBroker(_ broker: ClusterMetadata.Broker) async -> CheckResult {
        let watch = Stopwatch()
        let resource = Self.brokerResource(broker)
        let endpoint = BootstrapServers.Endpoint(host: broker.host, port: Int(broker.port))
        let servers = BootstrapServers(endpoints: [endpoint], securityProtocol: config.bootstrap.securityProtocol)
        let handle: KafkaHandle
        do {
            var properties = self.properties(groupID: nil).filter { $0.key != "bootstrap.servers" }
            properties.insert(RdKafkaProperty("bootstrap.servers", endpoint.description), at: 0)
            handle = try pool.unpooledHandle(properties: properties, debugProtocol: countRequests)
        } catch {
            return clientError(.kafkaBroker, resource: resource, error, watch: watch)
        }
        defer { if countRequests { sink.addRequests(handle.events.requestCounts) } }
        // A broker that silently drops connections must not hold every topic's verdict (and the deep
        // reads after them) until the verification's deadline: each proof has a budget of its own.
        let proof = await reach(handle, servers: servers, budget: Self.brokerProofBudget) {
            await $0.brokerMetadata(timeout: $1)
        }
        switch proof {
        case .success:
            return CheckResult(
                .kafkaBroker,
                resource: resource,
                status: .pass,
                code: .reachable,
                message: "broker \(broker.id) at \(endpoint) is reachable"
                    + (servers.isInsecure ? "" : " and accepts the share's key"),
                durationMs: watch.elapsedMs,
                details: ["broker_id": "\(broker.id)", "address": endpoint.description]
            )
        case .failure(let unreachable):
            var result = failure(
                .kafkaBroker,
                resource: resource,
                unreachable,
                hint:
                    "Bootstrap works, but broker \(broker.id)'s advertised address \(endpoint) does not answer from this "
                    + "network: consumers stall on the partitions it leads.",
                watch: watch
            )
            result.details["broker_id"] = "\(broker.id)"
            result.details["address"] = endpoint.description
            return result
        }
    }
}
