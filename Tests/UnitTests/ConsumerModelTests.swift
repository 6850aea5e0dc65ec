import Foundation
import Testing

@testable import StreamShare

/// The consumer-side objects of the CDX API keep what this version does not know.
@Suite("CDX consumer models")
struct ConsumerModelTests {
    @Test("unknown fields and enum values survive decoding and encoding")
    func unknownFieldsSurvive() throws {
        let json = #"""
            {"consumer_shared_resources": [{
              "id": "sr-1", "display_name": "Orders", "cloud": "ORACLE",
              "network_connection_types": ["PRIVATELINK", "QUANTUM_TUNNEL"],
              "schemas": [{"subject": "orders-value", "version": 2, "id": 100, "schema_type": "AVRO", "format": "x"}],
              "sla": {"tier": "gold", "hours": 24}
            }], "next_hint": true}
            """#
        let preview = try JSONDecoder().decode(SharePreview.self, from: Data(json.utf8))
        let resource = try #require(preview.resources.first)
        #expect(resource.cloud?.rawValue == "ORACLE")
        #expect(resource.networkConnectionTypes.map(\.rawValue) == ["PRIVATELINK", "QUANTUM_TUNNEL"])
        #expect(resource.isPrivateLink)
        #expect(resource.additionalFields["sla"] == .object(["tier": .string("gold"), "hours": .number(24)]))
        #expect(resource.schemas.first?.additionalFields["format"] == .string("x"))
        #expect(preview.additionalFields["next_hint"] == .bool(true))
        // A PrivateLink resource on a cloud no flag serves is reported as missing an account.
        #expect(
            preview.cloudsMissingAnAccount(in: RedeemTokenRequest(token: Secret("t"), awsAccount: "1")).map(\.rawValue)
                == ["ORACLE"]
        )

        let again = try JSONDecoder().decode(SharePreview.self, from: try JSONEncoder().encode(preview))
        #expect(again == preview)
    }

    @Test("a shared resource's topic is the last topic= element of its CRN, if any")
    func topicFromTheCRN() {
        func resource(_ name: String?) -> ConsumerSharedResource {
            ConsumerSharedResource(metadata: ObjectMetadata(resourceName: name))
        }
        let crn = "crn://confluent.cloud/organization=o-1/environment=env-1/cloud-cluster=lkc-1/kafka=lkc-1"
        #expect(resource(crn + "/topic=orders.eu-1").topic == "orders.eu-1")
        #expect(resource(crn).topic == nil)
        #expect(resource(crn + "/topic=").topic == nil)
        #expect(resource("crn://confluent.cloud/organization=o-1/shared-resource=sr-1").topic == nil)
        #expect(resource(nil).topic == nil)
        #expect(ConsumerSharedResource().topic == nil)
    }

    @Test("a share's unknown phase and status fields are kept")
    func unknownPhase() throws {
        let json = #"""
            {"id": "cs-1", "status": {"phase": "PAUSED", "reason": "billing"}, "provider_organization_name": "Acme",
             "consumer_user": {"id": "u-1"}, "labels": ["a"]}
            """#
        let share = try JSONDecoder().decode(ConsumerShare.self, from: Data(json.utf8))
        #expect(share.phase?.rawValue == "PAUSED")
        #expect(share.additionalFields["status"] == .object(["reason": .string("billing")]))
        #expect(share.additionalFields["labels"] == .array([.string("a")]))
        let again = try JSONDecoder().decode(ConsumerShare.self, from: try JSONEncoder().encode(share))
        #expect(again == share)
    }

    @Test("a network of an unknown kind keeps its fields")
    func unknownNetworkKind() throws {
        let json = #"""
            {"id": "n-1", "dns_domain": "d.example", "zones": ["z1"], "zonal_subdomains": {"z1": "z1.d.example"},
             "cloud": {"kind": "OciNetwork", "private_endpoint": "ocid1"}, "state": "READY"}
            """#
        let network = try JSONDecoder().decode(SharedNetwork.self, from: Data(json.utf8))
        #expect(network.endpoint?.kind == "OciNetwork")
        #expect(network.endpoint?.additionalFields["private_endpoint"] == .string("ocid1"))
        #expect(network.additionalFields["state"] == .string("READY"))
        #expect(network.zonalSubdomains["z1"] == "z1.d.example")
    }
}
