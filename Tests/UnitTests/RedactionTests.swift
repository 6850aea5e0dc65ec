import Foundation
import Logging
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// Every textual path Swift offers, applied to every type that holds a secret.
@Suite("Secrets never leak")
struct RedactionTests {
    static func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        let mirror = Mirror(reflecting: value)
        var reflected = ""
        for child in mirror.children { reflected += "\(child.label ?? ""): \(child.value)\n" }
        return [
            String(describing: value),
            String(reflecting: value),
            "\(value)",
            dumped,
            reflected,
        ]
    }

    static func expectNoSecrets(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        for (index, text) in renderings(value).enumerated() {
            for secret in Fixture.allSecrets + ["SRKEY1:SRSEC"] {
                #expect(!text.contains(secret), "rendering \(index) leaks: \(text)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("Secret shows only the placeholder")
    func secret() {
        let secret = Secret(Fixture.kafkaSecret)
        Self.expectNoSecrets(secret)
        #expect(Self.renderings(secret)[0] == Secret.redactedPlaceholder)
        #expect(Mirror(reflecting: secret).children.isEmpty)
        #expect(secret.revealed == Fixture.kafkaSecret)
    }

    @Test("a share, a request, credentials and a raw response hide their secrets")
    func modelTypes() throws {
        let share = try Fixture.share()
        Self.expectNoSecrets(share)
        #expect(share.description.contains("KAFKAKEY1"))
        Self.expectNoSecrets(RedeemTokenRequest(token: Secret(Fixture.token), awsAccount: "0000"))
        Self.expectNoSecrets(CloudAPICredentials(key: "CK", secret: Secret(Fixture.cloudSecret)))
        Self.expectNoSecrets(RedeemResponse(body: Data(Fixture.responseJSON.utf8), requestID: "r-1"))
    }

    @Test("client configurations hide their secrets")
    func configurations() throws {
        let share = try Fixture.share()
        let kafka = try KafkaClientConfig(share: share)
        Self.expectNoSecrets(kafka)
        Self.expectNoSecrets(kafka.properties)
        let registry = try #require(try share.endpoints().schemaRegistry)
        Self.expectNoSecrets(registry)
        Self.expectNoSecrets(registry.clientProperties)
        Self.expectNoSecrets(ClientConfigExporter(kafka: kafka, schemaRegistry: registry))
    }

    @Test("errors scrub secrets a server echoes back")
    func errors() async throws {
        let echo = ScriptedTransport([
            .response(
                TransportResponse(
                    status: 401,
                    headers: [("X-Request-Id", "r-9")],
                    body: Data(
                        #"{"errors":[{"status":"401","title":"Bad key","detail":"secret \#(Fixture.cloudSecret) rejected"}]}"#
                            .utf8
                    )
                )
            )
        ])
        let client = CDXClient(
            credentials: CloudAPICredentials(key: "CK", secret: Secret(Fixture.cloudSecret)),
            configuration: .init(baseURL: URL(string: "http://127.0.0.1:1")!),
            transport: echo,
            sleep: { _ in },
            logger: nil
        )
        let error = await #expect(throws: CDXAPIError.self) {
            try await client.redeem(RedeemTokenRequest(token: Secret(Fixture.token)))
        }
        let unwrapped = try #require(error)
        Self.expectNoSecrets(unwrapped)
        #expect(unwrapped.description.contains("secret <redacted> rejected"))
    }

    @Test("errors scrub the token, the Authorization header (base64 of key:secret) and URL user-info a server echoes")
    func errorsScrubEverythingEchoed() async throws {
        let credentials = CloudAPICredentials(key: "CK", secret: Secret(Fixture.cloudSecret))
        let basic = Data("CK:\(Fixture.cloudSecret)".utf8).base64EncodedString()
        let detail =
            "token \(Fixture.token) with Authorization: Basic \(basic) (or just \(basic)) via https://u:pw@proxy.example/x"
        let echo = ScriptedTransport([
            .response(
                TransportResponse(
                    status: 400,
                    headers: [("X-Request-Id", "r-10"), ("Location", "https://u:pw@api.example/cdx")],
                    body: try JSONSerialization.data(withJSONObject: [
                        "errors": [["status": "400", "title": "Bad", "detail": detail]]
                    ])
                )
            )
        ])
        let client = CDXClient(
            credentials: credentials,
            configuration: .init(baseURL: URL(string: "http://127.0.0.1:1")!),
            transport: echo,
            sleep: { _ in },
            logger: nil
        )
        let error = try #require(
            await #expect(throws: CDXAPIError.self) {
                try await client.redeem(RedeemTokenRequest(token: Secret(Fixture.token)))
            }
        )
        for text in [error.description, error.summary, error.hint, error.location ?? ""] {
            #expect(!text.contains(Fixture.token), "\(text)")
            #expect(!text.contains(basic), "\(text)")
            #expect(!text.contains(Fixture.cloudSecret), "\(text)")
            #expect(!text.contains("u:pw@"), "\(text)")
        }
        #expect(error.summary.contains("<redacted>"))
    }
}
