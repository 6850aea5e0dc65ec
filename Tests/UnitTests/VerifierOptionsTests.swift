import StreamShare
import Testing

/// The verifier's options: private networking is one switch.
@Suite("Verifier options")
struct VerifierOptionsTests {
    @Test("private networking is one switch: the DNS expectation and the hints come and go together")
    func privateNetworkingIsOneSwitch() {
        var options = ShareVerifier.Options()
        #expect(!options.privateNetworking)
        #expect(options.privateDNS == nil)

        // The command line sets the expectation from the share's network: the hints follow it.
        options.privateDNS = PrivateNetworkDNS(dnsDomain: "00000.us-east-1.aws.glb.confluent.cloud", cloud: .aws)
        #expect(options.privateNetworking)

        options.privateNetworking = true  // keeps what is known of the network
        #expect(options.privateDNS?.dnsDomain == "00000.us-east-1.aws.glb.confluent.cloud")
        options.privateNetworking = false
        #expect(options.privateDNS == nil)

        #expect(ShareVerifier.Options(privateNetworking: true).privateDNS == PrivateNetworkDNS())
        let both = ShareVerifier.Options(privateNetworking: true, privateDNS: PrivateNetworkDNS(cloud: .gcp))
        #expect(both.privateDNS?.cloud == .gcp)
    }
}
