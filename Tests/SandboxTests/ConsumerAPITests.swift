import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// Preview and the consumer-share endpoints, against the emulator on a real loopback HTTP server.
@Suite("CDX consumer endpoints", .timeLimit(.minutes(1)))
struct ConsumerAPITests {
    static let privateLinkListing = CDXAPIEmulator.Listing(
        resource: ConsumerSharedResource(
            displayName: "Orders feed",
            description: "Every order, as it happens",
            organizationName: "Acme Data",
            cloud: .aws,
            networkConnectionTypes: [.privateLink],
            schemas: [.init(subject: "orders-value", version: 1, schemaType: "AVRO")]
        ),
        network: SharedNetwork(
            dnsDomain: "00000.us-east-1.aws.glb.confluent.cloud",
            zones: ["use1-az1", "use1-az2", "use1-az4"],
            zonalSubdomains: ["use1-az1": "use1-az1.00000.us-east-1.aws.glb.confluent.cloud"],
            endpoint: .init(kind: "AwsNetwork", privateLinkEndpointService: "com.amazonaws.vpce.us-east-1.vpce-svc-1")
        )
    )

    @Test("preview shows the resources without spending the token; a later redeem works")
    func previewDoesNotSpendTheToken() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share(), listing: Self.privateLinkListing)
            let preview = try await test.client().preview(token)
            #expect(preview.resources.count == 1)
            let resource = try #require(preview.resources.first)
            #expect(resource.displayName == "Orders feed")
            #expect(resource.organizationName == "Acme Data")
            #expect(resource.cloud == .aws)
            #expect(resource.isPrivateLink)
            #expect(resource.schemas.first?.subject == "orders-value")
            #expect(test.api.redeemRequestCount == 0)
            #expect(test.api.previewRequestCount == 1)
            #expect(preview.cloudsMissingAnAccount(in: RedeemTokenRequest(token: token)) == [.aws])
            #expect(preview.cloudsMissingAnAccount(in: RedeemTokenRequest(token: token, awsAccount: "1")).isEmpty)
            #expect(preview.cloudsMissingAnAccount(in: RedeemTokenRequest(token: token, gcpProject: "p")) == [.aws])

            let response = try await test.client().redeem(RedeemTokenRequest(token: token, awsAccount: "123456789012"))
            #expect(try response.share().apiKey == "KAFKAKEY1")
            #expect(test.api.redeemRequestCount == 1)
            #expect(test.api.lastRedeemFields == ["aws_account": "123456789012"])
        }
    }

    @Test("the library refuses to spend a PrivateLink token without the account for its cloud; with it, redeems")
    func redeemGuardsPrivateNetworking() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share(), listing: Self.privateLinkListing)
            let path = try Fixture.temporaryDirectory() + "/share.json"
            let refused = await #expect(throws: PrivateNetworkingAccountMissing.self) {
                try await test.client().redeem(RedeemTokenRequest(token: token, gcpProject: "p"), savingTo: path)
            }
            #expect(refused?.clouds == [.aws])
            #expect(refused?.resources == ["Orders feed"])
            #expect(refused?.description.contains("not redeemed") == true)
            #expect(test.api.redeemRequestCount == 0, "the token was spent")
            #expect(!FileManager.default.fileExists(atPath: path))

            // Told not to check, or with the account: redeemed (the token was never spent above).
            let share = try await test.client().redeem(
                RedeemTokenRequest(token: token, awsAccount: "123456789012"),
                savingTo: path
            )
            #expect(share.apiKey == "KAFKAKEY1")
            #expect(test.api.redeemRequestCount == 1)
            #expect(test.api.previewRequestCount == 2)
        }
    }

    @Test("preview errors: unknown token 404, redeemed token 409, an API without preview answers its status")
    func previewErrors() async throws {
        try await TestAPI.with { test in
            let unknown = await #expect(throws: CDXAPIError.self) {
                try await test.client().preview(Secret("unknown"))
            }
            #expect(unknown?.code == .notFound)
            #expect(unknown?.requestID != nil)
            #expect(unknown?.mayHaveBeenRedeemed == false)

            let token = try test.api.mintToken(for: try Fixture.share())
            _ = try await test.client().redeem(RedeemTokenRequest(token: token))
            let spent = await #expect(throws: CDXAPIError.self) { try await test.client().preview(token) }
            #expect(spent?.code == .conflict)

            test.api.setPreviewStatus(501)
            let old = await #expect(throws: CDXAPIError.self) { try await test.client().preview(token) }
            #expect(old?.status == 501)
        }
    }

    @Test("listing follows metadata.next across pages and returns every share exactly once")
    func listingPages() async throws {
        try await TestAPI.with { test in
            var ids: [String] = []
            for phase in [ConsumerShare.Phase.invited, .active, .expired, .deactivated, .active, .active, .active] {
                ids.append(test.api.addShare(phase: phase))
            }
            let shares = try await test.client().listShares(pageSize: 3)
            #expect(shares.map(\.id) == ids)
            #expect(shares.first?.phase == .invited)
            #expect(shares.first?.inviteExpiresAt != nil)
            #expect(shares[3].phase == .deactivated)
            #expect(shares.first?.providerOrganizationName == "Sandbox Provider Inc.")
            #expect(shares.first?.providerUserName == "provider@example.com")
            // The default page size reads them in one page.
            #expect(try await test.client().listShares().map(\.id) == ids)
        }
    }

    @Test("a listing whose next page repeats itself stops instead of looping")
    func listingStopsOnARepeatedPage() async throws {
        let page = #"{"metadata":{"next":"https://elsewhere.example/x?page_token=same"},"data":[{"id":"cs-1"}]}"#
        let step = ScriptedTransport.Step.response(TransportResponse(status: 200, headers: [], body: Data(page.utf8)))
        let transport = ScriptedTransport([step, step, step])
        let client = CDXClient(
            credentials: CloudAPICredentials(key: "K", secret: Secret(Fixture.cloudSecret)),
            configuration: .init(baseURL: URL(string: "https://api.example")!),
            transport: transport,
            sleep: { _ in },
            logger: nil
        )
        let shares = try await client.listShares()
        #expect(shares.map(\.id) == ["cs-1", "cs-1"])
        #expect(transport.requests == 2)
    }

    @Test("a redeem creates an ACTIVE share with its resources and network; delete hides it unless include_deleted")
    func redeemedShareLifecycle() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share(), listing: Self.privateLinkListing)
            let response = try await test.client().redeem(RedeemTokenRequest(token: token, awsAccount: "123456789012"))
            let id = try #require(try response.share().id)
            let client = test.client()
            let share = try await client.share(id: id)
            #expect(share.phase == .active)
            #expect(share.additionalFields["kind"] == .string("ConsumerShare"))
            let resources = try await client.sharedResources(shareID: id)
            #expect(resources.map(\.displayName) == ["Orders feed"])
            let resourceID = try #require(resources.first?.id)
            let network = try await client.network(resourceID: resourceID)
            #expect(network.endpoint?.privateLinkEndpointService == "com.amazonaws.vpce.us-east-1.vpce-svc-1")
            #expect(network.zones.count == 3)
            #expect(network.dnsDomain == "00000.us-east-1.aws.glb.confluent.cloud")

            try await client.deleteShare(id: id)
            #expect(try await client.listShares().isEmpty)
            let deleted = try await client.listShares(includeDeleted: true)
            #expect(deleted.map(\.id) == [id])
            #expect(deleted.first?.metadata?.deletedAt != nil)
            let gone = await #expect(throws: CDXAPIError.self) { try await client.share(id: id) }
            #expect(gone?.code == .notFound)
            #expect(gone?.requestID != nil)
            #expect(gone?.summary.contains("share") == true)
            #expect(gone?.hint.contains("shares list") == true)
            let again = await #expect(throws: CDXAPIError.self) { try await client.deleteShare(id: id) }
            #expect(again?.status == 404)
        }
    }

    @Test("consumer endpoints need the Cloud API key: 401 with WWW-Authenticate")
    func consumerEndpointsNeedTheKey() async throws {
        try await TestAPI.with { test in
            let wrong = CloudAPICredentials(key: test.api.credentials.key, secret: Secret(Fixture.cloudSecret))
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client(credentials: wrong).listShares()
            }
            #expect(error?.code == .unauthorized)
            #expect(error?.wwwAuthenticate != nil)
            #expect(error?.description.contains(Fixture.cloudSecret) == false)
        }
    }

    @Test("ids that are not one path segment are refused by the library, before any request")
    func dotSegmentIDsAreRefused() async throws {
        let transport = ScriptedTransport([])
        let client = CDXClient(
            credentials: CloudAPICredentials(key: "K", secret: Secret("S")),
            configuration: .init(),
            transport: transport,
            sleep: { _ in },
            logger: nil
        )
        for id in ["", ".", "..", "cs-a\u{1B}[2K", "cs-a\nb"] {
            await #expect(throws: CDXAPIError.self) { try await client.deleteShare(id: id) }
            do {
                _ = try await client.share(id: id)
                Issue.record("\(id.debugDescription) was accepted")
            } catch {
                #expect(error.code == .invalidID, "\(id.debugDescription): \(error)")
            }
            await #expect(throws: CDXAPIError.self) { try await client.network(resourceID: id) }
        }
        #expect(transport.requests == 0)
    }
}
