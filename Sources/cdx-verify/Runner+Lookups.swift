import Logging
import StreamShare

/// What `verify` and `watch` look up in the CDX API about a share besides verifying it: its status (to
/// explain an authentication failure) and, before verifying, the private network of a PrivateLink share.
extension Runner {
    /// The most of `--timeout` the look-up of the private network may take (a quarter, and 5 s at most):
    /// it happens before the checks, inside the deadline, and what it takes the checks do not get.
    static func privateNetworkBudget(_ deadline: Duration) -> Duration {
        min(.seconds(5), deadline / 4)
    }

    /// `options` with the DNS the share's PrivateLink resource needs (``privateNetwork(shareID:client:logger:)``),
    /// looked up within ``privateNetworkBudget(_:)`` of the verification's deadline, one attempt per
    /// request; the deadline is shortened by the time the look-up took, so `--timeout` bounds both. A
    /// consumer network without a route to the API (PrivateLink only), or an API that never ends a
    /// listing, loses at most that budget.
    static func withPrivateNetwork(
        of shareID: String,
        cloud: CloudOptions,
        options: ShareVerifier.Options,
        logger: Logger?
    ) async -> ShareVerifier.Options {
        var options = options
        let started = ContinuousClock.now
        let budget = privateNetworkBudget(options.deadline)
        if let client = try? Runner.client(cloud: cloud, logger: logger, retryPolicy: .never, requestTimeout: budget) {
            let network = await withTaskGroup(of: PrivateNetworkDNS?.self) { group in
                group.addTask { await privateNetwork(shareID: shareID, client: client, logger: logger) }
                // The deadline child: when it ends first, the look-up is cancelled.
                group.addTask {
                    try? await Task.sleep(for: budget)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if let network { options.privateDNS = network }
        }
        options.deadline = max(.milliseconds(1), options.deadline - (ContinuousClock.now - started))
        return options
    }

    /// With Cloud API credentials (flags or environment), a lookup of a share's status by id (nil when
    /// it fails, which is logged at `level`); else nil.
    static func shareStatusLookup(
        cloud: CloudOptions,
        logger: Logger?,
        level: Logger.Level = .debug
    ) -> (@Sendable (String) async -> ConsumerShare?)? {
        guard let client = try? Runner.client(cloud: cloud, logger: logger) else { return nil }
        return { id in
            do {
                return try await client.share(id: id)
            } catch {
                logger?.log(
                    level: level,
                    "the status of share \(id) could not be looked up: \((error as? CDXAPIError)?.summary ?? "\(error)")"
                )
                return nil
            }
        }
    }

    /// The DNS a share's PrivateLink resource needs, from the CDX API (its resources, then the first
    /// PrivateLink one's network); nil for a share without one, or when the API cannot tell.
    static func privateNetwork(shareID: String, client: CDXClient, logger: Logger?) async -> PrivateNetworkDNS? {
        do {
            let resources = try await client.sharedResources(shareID: shareID)
            guard let resource = resources.first(where: \.isPrivateLink) else { return nil }
            guard let resourceID = resource.id else { return PrivateNetworkDNS(cloud: resource.cloud) }
            let network = try await client.network(resourceID: resourceID)
            logger?.debug("the share is reached over PrivateLink; network DNS domain \(network.dnsDomain ?? "-")")
            return PrivateNetworkDNS(network: network, cloud: resource.cloud)
        } catch {
            logger?.debug("the share's resources could not be looked up: \(error)")
            return nil
        }
    }

}
