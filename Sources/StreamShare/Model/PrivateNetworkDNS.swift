/// What DNS must answer for a share reached over private networking (PrivateLink, Private Link,
/// Private Service Connect): every Kafka host name resolves to an address of the consumer's private
/// endpoint, through a private DNS zone for the network's DNS domain.
///
/// Give it to ``ShareVerifier/Options/Network/privateDNS`` to add the `network.dns` checks; the network's
/// details come from ``CDXClient/network(resourceID:)``.
public struct PrivateNetworkDNS: Sendable, Hashable {
    /// The network's DNS domain (e.g. `00000.us-east-1.aws.glb.confluent.cloud`), when known.
    public var dnsDomain: String?
    /// The zonal subdomains, by zone id.
    public var zonalSubdomains: [String: String]
    /// The cloud of the private endpoint, when known (names the kind of private DNS zone in hints).
    public var cloud: CloudProvider?

    /// Creates the expectation.
    public init(dnsDomain: String? = nil, zonalSubdomains: [String: String] = [:], cloud: CloudProvider? = nil) {
        self.dnsDomain = dnsDomain
        self.zonalSubdomains = zonalSubdomains
        self.cloud = cloud
    }

    /// The expectation of a shared resource's network.
    public init(network: SharedNetwork, cloud: CloudProvider?) {
        self.init(dnsDomain: network.dnsDomain, zonalSubdomains: network.zonalSubdomains, cloud: cloud)
    }

    /// What to do when a Kafka host name does not resolve to a private address.
    var hint: String {
        let zone: String
        switch cloud {
        case .aws?: zone = "a Route 53 private hosted zone"
        case .azure?: zone = "an Azure Private DNS zone"
        case .gcp?: zone = "a Cloud DNS private zone"
        default: zone = "a private DNS zone"
        }
        let domain = dnsDomain.map { "'\($0)'" } ?? "the network's DNS domain (cdx-verify shares describe ID shows it)"
        var text =
            "Consumers of a private share must resolve its Kafka host names to your private endpoint: create \(zone) "
            + "for \(domain), attached to this network, with a wildcard record pointing at the endpoint"
        if !zonalSubdomains.isEmpty {
            let zones = zonalSubdomains.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }
            text += " and one for each zonal subdomain: " + zones.joined(separator: ", ")
        }
        return text + "; or run where the DNS resolver forwards that domain to such a zone."
    }
}
