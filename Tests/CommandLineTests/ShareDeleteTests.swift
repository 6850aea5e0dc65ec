import Foundation
import StreamShareSandbox
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// `shares delete ID --force` deletes the share that was typed and checked, or nothing.
@Suite("cdx-verify shares delete: the id typed, checked and deleted", .timeLimit(.minutes(2)))
struct ShareDeleteTests {
    /// The emulator behind a front that can swap the share a GET answers for another, and records the
    /// requests that reached it.
    final class Front: Sendable {
        let api = CDXAPIEmulator()
        let requests = Mutex<[String]>([])
        /// GET of this share answers that share instead.
        let swap = Mutex<(asked: String, answered: String)?>(nil)

        func handle(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
            requests.withLock { $0.append("\(request.method) \(request.path)") }
            if let swap = swap.withLock({ $0 }), request.method == "GET",
                request.path == CDXClient.consumerSharesPath + "/" + swap.asked
            {
                var rewritten = request
                rewritten.path = CDXClient.consumerSharesPath + "/" + swap.answered
                return api.handle(rewritten)
            }
            return api.handle(request)
        }

        var env: [String: String] {
            [
                "CONFLUENT_CLOUD_API_KEY": api.credentials.key,
                "CONFLUENT_CLOUD_API_SECRET": api.credentials.secret.revealed,
            ]
        }
    }

    static func withFront(_ body: (Front, [String]) async throws -> Void) async throws {
        let front = Front()
        try await LocalHTTPServer.withServer(handler: { front.handle($0) }) { server in
            try await body(front, ["--api-url", server.baseURL.absoluteString])
        }
    }

    @Test(
        "ids that are not one path segment are refused with exit 64 before any request",
        arguments: ["", ".", "..", "cs-a/../cs-b", "cs-a?x=1", "cs-a#x", "cs-a%2F..", "cs-a\u{1B}[2K", "cs-a\nb"]
    )
    func malformedIDsAreRefused(id: String) async throws {
        try await Self.withFront { front, api in
            for command in ["delete", "describe"] {
                let result = try await CLITests.cli(
                    ["shares", command, id, "--force"].filter { command == "delete" || $0 != "--force" } + api,
                    environment: front.env
                )
                #expect(result.status == 64, "\(command) \(id.debugDescription): \(result.stderr)")
                #expect(result.stderr.contains("share id"), "\(result.stderr)")
            }
            #expect(front.requests.withLock { $0 }.isEmpty, "\(front.requests.withLock { $0 })")
        }
    }

    @Test("a share read back with another id is not deleted; the deleted share is named by the id typed")
    func swappedAnswerIsNotDeleted() async throws {
        try await Self.withFront { front, api in
            let asked = front.api.addShare(phase: .active)
            let other = front.api.addShare(phase: .active)
            front.swap.withLock { $0 = (asked, other) }
            let refused = try await CLITests.cli(["shares", "delete", asked, "--force"] + api, environment: front.env)
            #expect(refused.status == 2, "\(refused.stderr)")
            #expect(refused.stderr.contains(asked) && refused.stderr.contains(other), "\(refused.stderr)")
            #expect(!front.requests.withLock { $0 }.contains { $0.hasPrefix("DELETE") })
            #expect(!refused.stderr.contains("deleted share"), "\(refused.stderr)")

            front.swap.withLock { $0 = nil }
            let deleted = try await CLITests.cli(["shares", "delete", asked, "--force"] + api, environment: front.env)
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(deleted.stderr.contains("deleted share \(asked)"), "\(deleted.stderr)")
            #expect(
                front.requests.withLock { $0 }.filter { $0.hasPrefix("DELETE") } == [
                    "DELETE \(CDXClient.consumerSharesPath)/\(asked)"
                ]
            )
        }
    }
}
