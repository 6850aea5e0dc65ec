import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// Every status of the API definition, against the emulator on a real loopback HTTP server.
@Suite("CDX API client", .timeLimit(.minutes(1)))
struct CDXClientTests {
    @Test("200: returns the share and sends Basic auth, JSON and a User-Agent")
    func success() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            let response = try await test.client().redeem(RedeemTokenRequest(token: token))
            #expect(response.requestID?.hasPrefix("req-") == true)
            #expect(try response.share() == (try Fixture.share()))
            #expect(test.api.redeemRequestCount == 1)
        }
    }

    @Test("400: carries the source pointer of the offending field")
    func badRequest() async throws {
        try await TestAPI.with { test in
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client().redeem(RedeemTokenRequest(token: Secret("")))
            }
            #expect(error?.code == .badRequest)
            #expect(error?.status == 400)
            #expect(error?.errors.first?.source?.pointer == "/token")
            #expect(error?.errors.first?.code == "invalid_token")
            #expect(error?.requestID != nil)
            #expect(error?.description.contains("at /token") == true)
            #expect(error?.mayHaveBeenRedeemed == false)
        }
    }

    @Test("401: carries WWW-Authenticate and says which key to use")
    func unauthorized() async throws {
        try await TestAPI.with { test in
            let wrong = CloudAPICredentials(key: test.api.credentials.key, secret: Secret(Fixture.cloudSecret))
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client(credentials: wrong).redeem(RedeemTokenRequest(token: Secret(Fixture.token)))
            }
            #expect(error?.code == .unauthorized)
            #expect(error?.wwwAuthenticate?.contains("invalid_key") == true)
            #expect(error?.errors.first?.code == "user_unauthenticated")
            #expect(error?.hint.contains("Cloud API key") == true)
            #expect(error?.attempts == 1)
        }
    }

    @Test("403, 404 and 409 are distinct, explained errors; 409 says the token was already redeemed")
    func forbiddenNotFoundConflict() async throws {
        try await TestAPI.with { test in
            let client = test.client()
            test.api.enqueue(.forbidden)
            let forbidden = await #expect(throws: CDXAPIError.self) {
                try await client.redeem(RedeemTokenRequest(token: Secret("x")))
            }
            #expect(forbidden?.code == .forbidden)
            #expect(forbidden?.errors.first?.code == "user_unauthorized")
            // The two real causes: an invitation for another user's e-mail, a service account's key.
            #expect(forbidden?.hint.contains("e-mail") == true)
            #expect(forbidden?.hint.contains("service account") == true)

            let notFound = await #expect(throws: CDXAPIError.self) {
                try await client.redeem(RedeemTokenRequest(token: Secret("unknown")))
            }
            #expect(notFound?.code == .notFound)
            #expect(notFound?.status == 404)

            let token = try test.api.mintToken(for: try Fixture.share())
            _ = try await client.redeem(RedeemTokenRequest(token: token))
            let conflict = await #expect(throws: CDXAPIError.self) {
                try await client.redeem(RedeemTokenRequest(token: token))
            }
            #expect(conflict?.code == .conflict)
            #expect(conflict?.location?.contains("redeem-token-responses") == true)
            #expect(conflict?.errors.first?.code == "resource_already_exists")
            #expect(conflict?.description.contains("already been redeemed") == true)
            #expect(conflict?.hint.contains("verify --share") == true)
        }
    }

    @Test("429 then 200: waits the advised Retry-After, then succeeds")
    func rateLimitedThenSuccess() async throws {
        try await TestAPI.with { test in
            let recorder = SleepRecorder()
            let token = try test.api.mintToken(for: try Fixture.share())
            test.api.enqueue(.rateLimited(seconds: 3), .rateLimited(seconds: 2, useResetHeader: true))
            let response = try await test.client(recorder: recorder).redeem(RedeemTokenRequest(token: token))
            #expect(try response.share().apiKey == "KAFKAKEY1")
            #expect(recorder.waits == [.seconds(3), .seconds(2)])
            #expect(test.api.redeemRequestCount == 3)
        }
    }

    @Test("429 asking for more than the policy allows fails at once with the advised wait")
    func rateLimitedTooLong() async throws {
        try await TestAPI.with { test in
            let recorder = SleepRecorder()
            test.api.enqueue(.rateLimited(seconds: 600))
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client(recorder: recorder).redeem(RedeemTokenRequest(token: Secret("t")))
            }
            #expect(error?.code == .rateLimited)
            #expect(error?.retryAfter == .seconds(600))
            #expect(error?.hint.contains("600 s") == true)
            #expect(recorder.waits.isEmpty)
            #expect(test.api.redeemRequestCount == 1)
        }
    }

    @Test("429 forever stops after the attempt limit")
    func rateLimitedBounded() async throws {
        try await TestAPI.with { test in
            let recorder = SleepRecorder()
            test.api.enqueue(
                .rateLimited(seconds: 1),
                .rateLimited(seconds: 1),
                .rateLimited(seconds: 1),
                .rateLimited(seconds: 1),
                .rateLimited(seconds: 1)
            )
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client(recorder: recorder).redeem(RedeemTokenRequest(token: Secret("t")))
            }
            #expect(error?.code == .rateLimited)
            #expect(error?.attempts == 4)
            #expect(test.api.redeemRequestCount == 4)
            #expect(recorder.waits.count == 3)
        }
    }

    @Test("500: exactly one POST reaches the server, and the error says the token may be spent")
    func serverErrorNotRetried() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            test.api.enqueue(.serverError(afterRedeeming: true))
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client().redeem(RedeemTokenRequest(token: token))
            }
            #expect(error?.code == .serverError)
            #expect(error?.status == 500)
            #expect(error?.mayHaveBeenRedeemed == true)
            #expect(error?.hint.contains("may already be redeemed") == true)
            #expect(test.api.redeemRequestCount == 1)
        }
    }

    @Test("a timeout after the request was sent is not retried")
    func timeoutAfterSend() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            test.api.enqueue(.delay(.seconds(5)))
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client(timeout: .milliseconds(1500)).redeem(RedeemTokenRequest(token: token))
            }
            #expect(error?.code == .timeout)
            #expect(error?.mayHaveBeenRedeemed == true)
            #expect(error?.attempts == 1)
            // On a loaded machine the server may count the request a little after the client gave up.
            for _ in 0..<40 where test.api.redeemRequestCount == 0 { try await Task.sleep(for: .milliseconds(50)) }
            #expect(test.api.redeemRequestCount == 1)
        }
    }

    @Test("an oversized body is cut off at the limit")
    func oversized() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            test.api.enqueue(.oversizedBody(bytes: 300_000))
            let error = await #expect(throws: CDXAPIError.self) {
                try await test.client(maxResponseBytes: 64 * 1024).redeem(RedeemTokenRequest(token: token))
            }
            #expect(error?.code == .responseTooLarge)
            #expect(test.api.redeemRequestCount == 1)
        }
    }

    @Test("a refused connection never reached the server: retried with backoff, then reported")
    func connectionRefused() async throws {
        // A port that was just released: nothing listens there any more.
        let url = try await LocalHTTPServer.withServer(handler: { _ in .init(status: 200) }) { $0.baseURL }
        let recorder = SleepRecorder()
        let client = CDXClient(
            credentials: CloudAPICredentials(key: "k", secret: Secret(Fixture.cloudSecret)),
            configuration: .init(baseURL: url, retryPolicy: RetryPolicy(jitter: { 1 })),
            transport: AsyncHTTPTransport(client: HTTPClientFactory.shared),
            sleep: { try await recorder.sleep($0) },
            logger: nil
        )
        let error = await #expect(throws: CDXAPIError.self) {
            try await client.redeem(RedeemTokenRequest(token: Secret(Fixture.token)))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.mayHaveBeenRedeemed == false)
        #expect(error?.attempts == 4)
        #expect(recorder.waits == [.milliseconds(250), .milliseconds(500), .seconds(1)])
    }

    @Test("redeem(savingTo:) saves a malformed 200 as received, then names the file in the error")
    func malformedSavedFirst() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            test.api.enqueue(.malformedBody)
            let path = try Fixture.temporaryDirectory() + "/share.json"
            let error = await #expect(throws: ShareFileError.self) {
                try await test.client().redeem(RedeemTokenRequest(token: token), savingTo: path)
            }
            #expect(error?.code == .invalidContent)
            #expect(error?.path == path)
            #expect(error?.description.contains("saved as received") == true)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"api_key\": \"K\", \"secret")
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber
            #expect(mode.intValue == 0o600)
        }
    }

    @Test("redeem(savingTo:) writes a valid share and refuses to spend a token on an existing file")
    func savesShare() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            let path = try Fixture.temporaryDirectory() + "/share.json"
            let share = try await test.client().redeem(RedeemTokenRequest(token: token), savingTo: path)
            #expect(share == (try Fixture.share()))
            #expect(try ShareFile.read(path).share == share)
            let another = try test.api.mintToken(for: try Fixture.share())
            let error = await #expect(throws: ShareFileError.self) {
                try await test.client().redeem(RedeemTokenRequest(token: another), savingTo: path)
            }
            #expect(error?.code == .alreadyExists)
            #expect(test.api.redeemRequestCount == 1)
        }
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("backoff doubles, is jittered within its upper half, and is capped")
    func backoff() {
        let low = RetryPolicy(initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(1000), jitter: { 0 })
        let high = RetryPolicy(initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(1000), jitter: { 1 })
        #expect(
            (1...6).map { low.backoff(afterAttempt: $0) } == [50, 100, 200, 400, 500, 500].map { .milliseconds($0) }
        )
        #expect(
            (1...6).map { high.backoff(afterAttempt: $0) }
                == [100, 200, 400, 800, 1000, 1000].map { .milliseconds($0) }
        )
    }

    @Test("bounds attempts, single advised waits and the total wait")
    func bounds() {
        let policy = RetryPolicy(maxAttempts: 3, maxRetryAfter: .seconds(10), maxTotalWait: .seconds(15), jitter: { 0 })
        #expect(policy.decision(attempt: 1, waited: .zero, advisedWait: .seconds(10)) == .retry(after: .seconds(10)))
        #expect(policy.decision(attempt: 1, waited: .zero, advisedWait: .seconds(11)) == .dontRetry)
        #expect(policy.decision(attempt: 2, waited: .seconds(10), advisedWait: .seconds(6)) == .dontRetry)
        #expect(policy.decision(attempt: 3, waited: .zero, advisedWait: .seconds(1)) == .dontRetry)
        #expect(RetryPolicy.never.decision(attempt: 1, waited: .zero, advisedWait: nil) == .dontRetry)
    }

    @Test("a connection failure then success is retried once; TLS failures and lost connections are not")
    func scriptedOutcomes() async throws {
        let ok = TransportResponse(status: 200, headers: [], body: Data(Fixture.responseJSON.utf8))
        for (first, expectedRequests) in [
            (TransportError(kind: .notSent, detail: "refused"), 2),
            (TransportError(kind: .tls, detail: "untrusted"), 1),
            (TransportError(kind: .connectionLostAfterSend, detail: "reset"), 1),
        ] {
            let transport = ScriptedTransport([.failure(first), .response(ok)])
            let client = CDXClient(
                credentials: CloudAPICredentials(key: "k", secret: "s"),
                configuration: .init(),
                transport: transport,
                sleep: { _ in },
                logger: nil
            )
            _ = try? await client.redeem(RedeemTokenRequest(token: "t"))
            #expect(transport.requests == expectedRequests, "\(first.kind)")
        }
    }

    @Test("Retry-After as an HTTP date is honoured relative to the injected clock")
    func httpDateRetryAfter() async throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let later = ServerAdvice.httpDateString(now.addingTimeInterval(7))
        let transport = ScriptedTransport([
            .response(TransportResponse(status: 429, headers: [("Retry-After", later)], body: Data())),
            .response(TransportResponse(status: 200, headers: [], body: Data(Fixture.responseJSON.utf8))),
        ])
        let recorder = SleepRecorder()
        let client = CDXClient(
            credentials: CloudAPICredentials(key: "k", secret: "s"),
            configuration: .init(),
            transport: transport,
            sleep: { try await recorder.sleep($0) },
            now: { now },
            logger: nil
        )
        _ = try await client.redeem(RedeemTokenRequest(token: "t"))
        #expect(recorder.waits == [.seconds(7)])
    }

    @Test("a 2xx other than 200 carrying the share is saved and accepted, never thrown away")
    func otherSuccessStatus() async throws {
        try await TestAPI.with { test in
            let token = try test.api.mintToken(for: try Fixture.share())
            test.api.enqueue(.successStatus(201))
            let path = try Fixture.temporaryDirectory() + "/share.json"
            let share = try await test.client().redeem(RedeemTokenRequest(token: token), savingTo: path)
            #expect(share == (try Fixture.share()))
            #expect(try ShareFile.read(path).share == share)
        }
    }

    @Test("credentials that can be saved nowhere travel in the error, hidden from its description")
    func unsavableResponse() throws {
        let directory = try Fixture.temporaryDirectory()
        let body = Data(Fixture.responseJSON.utf8)
        let error = #expect(throws: ShareFileError.self) {
            try CDXClient.save(
                body,
                to: directory + "/missing-directory/share.json",
                overwrite: false,
                rescueDirectory: URL(fileURLWithPath: directory + "/also-missing")
            )
        }
        #expect(error?.unsavedResponse?.revealed == Fixture.responseJSON)
        #expect(error?.description.contains("could not be saved anywhere") == true)
        for secret in Fixture.allSecrets { #expect(error?.description.contains(secret) == false) }
        #expect("\(String(describing: error))".contains(Fixture.kafkaSecret) == false)
    }
}
