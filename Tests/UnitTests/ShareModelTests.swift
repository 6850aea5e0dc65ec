import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

@Suite("Share model")
struct ShareModelTests {
    @Test("decodes the seed's response shape with every resource kind")
    func decodesSeedShape() throws {
        let share = try Fixture.share()
        #expect(share.id == "dlz-f3a90de")
        #expect(share.apiVersion == "cdx/v1")
        #expect(share.kind == "RedeemTokenResponse")
        #expect(
            share.metadata?.resourceName
                == "crn://confluent.cloud/organization=9bb441c4/redeem-token-response=rtr-12345"
        )
        #expect(share.metadata?.createdAt == "2006-01-02T15:04:05-07:00")
        #expect(share.apiKey == "KAFKAKEY1")
        #expect(share.secret.revealed == Fixture.kafkaSecret)
        #expect(share.kafkaBootstrapURL == "SASL://pkc-xxxxx.us-west-2.aws.confluent.cloud:9092")
        #expect(share.schemaRegistryAPIKey == "SRKEY1")
        #expect(share.schemaRegistrySecret?.revealed == Fixture.registrySecret)
        #expect(share.schemaRegistryURL == "https://psrc-xxxxx.us-west-2.aws.confluent.cloud")
        #expect(share.topics == ["orders"])
        #expect(share.groupPrefixes == ["share-orders-"])
        #expect(share.subjects == ["orders-value"])
        #expect(share.resources.count == 4)
    }

    @Test("keeps a resource kind it does not know, with all its fields")
    func keepsUnknownKind() throws {
        let share = try Fixture.share()
        #expect(share.unsupportedResources.count == 1)
        guard case .unknown(let kind, let fields) = share.unsupportedResources.first else {
            Issue.record("expected an unknown resource")
            return
        }
        #expect(kind == "Connector")
        #expect(fields["connector"] == .string("lcc-123"))
        #expect(fields["extra"] == .object(["n": .number(1)]))
        #expect(fields["kind"] == .string("Connector"))
    }

    @Test("round-trips with the API's field names")
    func roundTrips() throws {
        let share = try Fixture.share()
        let data = try share.jsonData()
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        #expect(
            Set(object.keys) == [
                "api_version", "kind", "id", "metadata", "api_key", "secret", "kafka_bootstrap_url",
                "schema_registry_api_key", "schema_registry_secret", "schema_registry_url", "resources",
            ]
        )
        let resources = object["resources"] as! [[String: Any]]
        #expect(resources[0]["topic"] as? String == "orders")
        #expect(resources[1]["group_prefix"] as? String == "share-orders-")
        #expect(resources[2]["subject"] as? String == "orders-value")
        #expect(resources[3]["connector"] as? String == "lcc-123")
        #expect((object["metadata"] as! [String: Any])["resource_name"] != nil)
        let decodedAgain = try RedeemedShare(jsonData: data)
        #expect(decodedAgain == share)
    }

    @Test(
        "names the missing field",
        arguments: [
            ("api_key", "api_key"), ("secret", "secret"), ("kafka_bootstrap_url", "kafka_bootstrap_url"),
            ("resources", "resources"),
        ]
    )
    func namesMissingField(removed: String, expectedField: String) throws {
        let data = try Fixture.json { $0.removeValue(forKey: removed) }
        #expect(throws: ShareValidationError(field: expectedField, reason: "is missing")) {
            try RedeemedShare(jsonData: data)
        }
    }

    @Test("names a missing field inside a resource")
    func namesMissingResourceField() throws {
        let data = try Fixture.json { object in
            object["resources"] = [["kind": "Topic", "topic": "a"], ["kind": "Topic"]]
        }
        #expect(throws: ShareValidationError(field: "resources[1].topic", reason: "is missing")) {
            try RedeemedShare(jsonData: data)
        }
        let noKind = try Fixture.json { $0["resources"] = [["topic": "a"]] }
        #expect(throws: ShareValidationError(field: "resources[0].kind", reason: "is missing")) {
            try RedeemedShare(jsonData: noKind)
        }
    }

    @Test("rejects a share without resources (minItems: 1)")
    func rejectsEmptyResources() throws {
        let data = try Fixture.json { $0["resources"] = [] as [Any] }
        let error = #expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: data) }
        #expect(error?.field == "resources")
        #expect(error?.reason.contains("minItems") == true)
    }

    @Test("rejects wrong types, another kind, bad JSON and unusable URLs, naming the field")
    func rejectsInvalidDocuments() throws {
        let wrongType = try Fixture.json { $0["api_key"] = 42 }
        #expect(
            (#expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: wrongType) })?.field == "api_key"
        )
        let otherKind = try Fixture.json { $0["kind"] = "KafkaCluster" }
        #expect(
            (#expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: otherKind) })?.field == "kind"
        )
        let notJSON = Data("{\"api_key\": ".utf8)
        #expect((#expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: notJSON) })?.field == nil)
        let badBootstrap = try Fixture.json { $0["kafka_bootstrap_url"] = "http://broker:9092" }
        #expect(
            (#expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: badBootstrap) })?.field
                == "kafka_bootstrap_url"
        )
        let subjectsWithoutRegistry = try Fixture.json { $0.removeValue(forKey: "schema_registry_url") }
        #expect(
            (#expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: subjectsWithoutRegistry) })?.field
                == "schema_registry_url"
        )
    }

    @Test("encodes the redeem request with the seed's field names, omitting absent ones")
    func encodesRequest() throws {
        let request = RedeemTokenRequest(token: Secret(Fixture.token), awsAccount: "000000000000", gcpProject: "proj")
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(request)) as! [String: String]
        #expect(object == ["token": Fixture.token, "aws_account": "000000000000", "gcp_project": "proj"])
    }

    @Test("unusable registry fields refuse a share with subjects, and mean no registry for a Kafka-only share")
    func registryFieldsOnlyMatterWithSubjects() throws {
        let withSubjects = try Fixture.json { $0["schema_registry_api_key"] = "" }
        #expect(throws: ShareValidationError.self) { try RedeemedShare(jsonData: withSubjects) }
        let kafkaOnly = try Fixture.json { object in
            object["schema_registry_api_key"] = ""
            object["resources"] = [["kind": "Topic", "topic": "orders"]]
        }
        let share = try RedeemedShare(jsonData: kafkaOnly)
        #expect(try share.endpoints().schemaRegistry == nil)
        #expect(try KafkaClientConfig(share: share)["bootstrap.servers"] != nil)
    }

    @Test(
        "a key repeated in one object is refused, naming it (JSON readers keep different copies)",
        arguments: [
            (#","secret":"other""#, "secret"),
            (#","se\u0063ret":"other""#, "secret"),
            (#","resources":[]"#, "resources"),
        ]
    )
    func duplicateKeys(extra: String, field: String) throws {
        var text = Fixture.responseJSON.trimmingCharacters(in: .whitespacesAndNewlines)
        text.removeLast()  // the closing brace
        let error = #expect(throws: ShareValidationError.self) {
            try RedeemedShare(jsonData: Data((text + extra + "}").utf8))
        }
        #expect(error?.field == field)
        #expect(error?.description.contains("more than once") == true)
        #expect(error?.description.contains("other") == false)
    }

    @Test("keys repeated in different objects, and one share's keys, are fine")
    func distinctKeysAccepted() throws {
        #expect(try RedeemedShare(jsonData: Data(Fixture.responseJSON.utf8)) == Fixture.share())
        let nested = try Fixture.json { object in
            object["resources"] = [["kind": "Topic", "topic": "a"], ["kind": "Topic", "topic": "b"]]
        }
        #expect(try RedeemedShare(jsonData: nested).topics == ["a", "b"])
    }
}
