import RdKafka

extension KafkaProbe {
    // MARK: network.dns

    /// How long one host name may take to resolve.
    static let nameBudget: Duration = .seconds(5)

    /// The broker host names that the bootstrap hosts did not cover: owed, then checked.
    func checkBrokerNames(_ brokers: [ClusterMetadata.Broker]) async {
        guard privateDNS != nil else { return }
        let bootstrap = Set(config.bootstrap.hosts.map { $0.lowercased() })
        let hosts = BootstrapServers.distinct(brokers.map(\.host)).filter { !bootstrap.contains($0.lowercased()) }
        sink.owe(hosts.map { CheckPlan.Entry(id: .networkDNS, resource: $0) })
        await checkNames(hosts)
    }

    /// Resolves every host at once; each must resolve, and only to private addresses.
    func checkNames(_ hosts: [String]) async {
        guard let privateDNS else { return }
        await withTaskGroup(of: Void.self) { group in
            for host in hosts {
                group.addTask { sink.add(await nameResult(host, privateDNS)) }
            }
        }
    }

    private func nameResult(_ host: String, _ expectation: PrivateNetworkDNS) async -> CheckResult {
        let watch = Stopwatch()
        let budget = min(remaining, Self.nameBudget)
        let resolution = await resolveHost(host, budget)
        switch resolution {
        case .addresses(let addresses):
            let exposed = addresses.filter { !HostResolver.isPrivate($0) }
            let details = ["addresses": addresses.joined(separator: ",")]
            guard exposed.isEmpty else {
                return CheckResult(
                    .networkDNS,
                    resource: host,
                    status: .fail,
                    code: .publicAddress,
                    message: "\(host) resolves to the public address(es) \(exposed.joined(separator: ", ")), not to "
                        + "a private endpoint: consumers here would not go through the share's private network",
                    hint: expectation.hint,
                    durationMs: watch.elapsedMs,
                    details: details
                )
            }
            return CheckResult(
                .networkDNS,
                resource: host,
                status: .pass,
                code: .`private`,
                message: "\(host) resolves to private address(es) \(addresses.joined(separator: ", "))",
                durationMs: watch.elapsedMs,
                details: details
            )
        case .failed(let reason):
            return CheckResult(
                .networkDNS,
                resource: host,
                status: .fail,
                code: .notResolved,
                message: "\(host) does not resolve (\(reason))",
                hint: expectation.hint,
                durationMs: watch.elapsedMs
            )
        case .timedOut:
            return CheckResult(
                .networkDNS,
                resource: host,
                status: .fail,
                code: .timeout,
                message: "no DNS answer for \(host) within \(budget.formattedSeconds)",
                hint: "Check this host's DNS resolver. " + expectation.hint,
                durationMs: watch.elapsedMs
            )
        }
    }
}
