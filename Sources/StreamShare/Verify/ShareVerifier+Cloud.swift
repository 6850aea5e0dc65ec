public import Logging

/// What a verifier given a ``CDXClient`` asks Confluent Cloud about the share it verifies: before the
/// checks, the private network of a PrivateLink share (so that `network.dns` checks what the share
/// needs); after them, when the key is refused, the share's status (so that the hints say whether the
/// provider ended the share or the key in use is wrong).
extension ShareVerifier {
    /// The most of the deadline one look-up may take: a quarter, and 5 s at most. The private-network
    /// look-up happens inside the deadline, so what it takes the checks do not get.
    static func lookupBudget(_ deadline: Duration) -> Duration {
        min(.seconds(5), deadline / 4)
    }

    /// This verifier for `share`: with a CDX client and the share's id, its options carry the DNS of the
    /// share's PrivateLink resource (when it has one), and the deadline is shortened by the time the
    /// look-up took, so that the deadline bounds both. A consumer network without a route to the API,
    /// or an API that never ends a listing, loses at most ``lookupBudget(_:)``.
    func resolvingNetwork(of share: RedeemedShare) async -> ShareVerifier {
        guard let cdx, let id = share.id else { return self }
        let started = ContinuousClock.now
        var resolved = self
        let logger = self.logger
        let budget = Self.lookupBudget(options.deadline)
        if let network = await Deadline.answer(
            within: budget,
            { await cdx.privateNetworkDNS(shareID: id, logger: logger) }
        ) {
            resolved.options.network.privateDNS = network
        }
        resolved.options.deadline = max(.milliseconds(1), options.deadline - (ContinuousClock.now - started))
        return resolved
    }

    /// The share's status on Confluent Cloud, within ``lookupBudget(_:)``; nil without a CDX client or
    /// a share id, or when the API cannot tell (logged at `debug`).
    func status(of share: RedeemedShare) async -> ConsumerShare? {
        guard let cdx, let id = share.id else { return nil }
        let logger = self.logger
        return await Deadline.answer(within: Self.lookupBudget(options.deadline)) { () async -> ConsumerShare? in
            do throws(CDXAPIError) {
                return try await cdx.share(id: id)
            } catch {
                logger.debug("the status of share \(id) could not be looked up: \(error.summary)")
                return nil
            }
        }
    }
}

extension CDXClient {
    /// The DNS a share's PrivateLink resource needs: its resources, then the first PrivateLink one's
    /// network. Nil for a share without one, or when the API cannot tell (logged at `debug`).
    /// - Parameters:
    ///   - shareID: The consumer share's id.
    ///   - logger: Where a failed look-up is said.
    /// - Returns: The private network's DNS, for ``ShareVerifier/Options/Network/privateDNS``.
    public func privateNetworkDNS(shareID: String, logger: Logger? = nil) async -> PrivateNetworkDNS? {
        do throws(CDXAPIError) {
            let resources = try await sharedResources(shareID: shareID)
            guard let resource = resources.first(where: \.isPrivateLink) else { return nil }
            guard let resourceID = resource.id else { return PrivateNetworkDNS(cloud: resource.cloud) }
            let network = try await network(resourceID: resourceID)
            logger?.debug("the share is reached over PrivateLink; network DNS domain \(network.dnsDomain ?? "-")")
            return PrivateNetworkDNS(network: network, cloud: resource.cloud)
        } catch {
            logger?.debug("the share's resources could not be looked up: \(error.summary)")
            return nil
        }
    }
}
