import StreamShare
import Testing

/// The verifier's options: private networking is one switch.
@Suite("Verifier options")
struct VerifierOptionsTests {
    @Test("private networking is one switch: the DNS expectation and the hints come and go together")
    func privateNetworkingIsOneSwitch() {
        var options = ShareVerifier.Options()
        #expect(!options.network.privateNetworking)
        #expect(options.network.privateDNS == nil)

        // The command line sets the expectation from the share's network: the hints follow it.
        options.network.privateDNS = PrivateNetworkDNS(
            dnsDomain: "00000.us-east-1.aws.glb.confluent.cloud",
            cloud: .aws
        )
        #expect(options.network.privateNetworking)

        options.network.privateNetworking = true  // keeps what is known of the network
        #expect(options.network.privateDNS?.dnsDomain == "00000.us-east-1.aws.glb.confluent.cloud")
        options.network.privateNetworking = false
        #expect(options.network.privateDNS == nil)

        #expect(
            ShareVerifier.Options(network: .init(privateDNS: PrivateNetworkDNS(cloud: .gcp))).network.privateNetworking
        )
    }

    @Test("options are grouped by side, each with the defaults of the flat form")
    func groupedDefaults() {
        let options = ShareVerifier.Options()
        #expect(options.deadline == .seconds(30) && !options.deep && options.caFile == nil)
        #expect(options.kafka.groupSuffix == KafkaClientConfig.defaultGroupSuffix)
        #expect(options.kafka.overrides.isEmpty && !options.kafka.allowPlaintext && !options.kafka.countRequests)
        #expect(options.kafka.maxStaleness == nil && options.kafka.maxLag == nil)
        #expect(options.schemaRegistry.concurrency == HTTPClientFactory.maxConnectionsPerHost)
        #expect(options.schemaRegistry.requestsPerSecond == 10)
        #expect(options.network.privateDNS == nil && !options.network.privateNetworking)
    }
}
