import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// A hostile CDX API whose listings never end: pages, items, bytes and time are all bounded.
@Suite("CDX listings within a budget", .serialized, .timeLimit(.minutes(3)))
struct ListingBudgetTests {
    /// Answers every listing with `items` shares per page (each with `padding` bytes of description)
    /// and a next page, forever, after `delay`; anything else is 404.
    static func endless(
        items: Int,
        padding: Int = 0,
        delay: Duration = .zero
    ) -> @Sendable (LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        { request in
            let path = String(request.path.split(separator: "?").first ?? "")
            guard path == CDXClient.consumerSharesPath || path == CDXClient.consumerSharedResourcesPath else {
                return .json(404, #"{"errors":[{"status":"404","code":"not_found","detail":"no"}]}"#)
            }
            let token = request.path.split(separator: "page_token=pt-").last.flatMap { Int($0) } ?? 0
            let description = String(repeating: "x", count: padding)
            let data = (0..<items).map { index in
                #"{"id":"cs-\#(token)-\#(index)","description":"\#(description)","display_name":"r"}"#
            }
            let body =
                #"{"metadata":{"next":"http://x/p?page_token=pt-\#(token + 1)"},"data":[\#(data.joined(separator: ","))]}"#
            return LocalHTTPServer.Response(
                status: 200,
                headers: [("Content-Type", "application/json")],
                body: Data(body.utf8),
                delay: delay
            )
        }
    }

    static let credentials = ["--api-key", "KEY", "--api-secret", "listing-secret"]

    @Test("shares list against endless pages stops at the page budget with an API error (exit 2)")
    func endlessPagesAreBounded() async throws {
        try await LocalHTTPServer.withServer(handler: Self.endless(items: 100)) { server in
            let result = try await CLITests.cli(
                ["shares", "list", "--api-url", server.baseURL.absoluteString] + Self.credentials
            )
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("listing went beyond its budget"), "\(result.stderr)")
            #expect(result.stderr.contains("more than 100 pages"), "\(result.stderr)")
        }
    }

    @Test("shares list against endless 2 MiB pages stops at the byte budget (exit 2)")
    func largePagesAreBounded() async throws {
        try await LocalHTTPServer.withServer(handler: Self.endless(items: 1, padding: 2 << 20)) { server in
            let result = try await CLITests.cli(
                ["shares", "list", "--format", "json", "--api-url", server.baseURL.absoluteString] + Self.credentials
            )
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("larger than \(32 << 20) bytes"), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("verify's share-resource lookup counts inside --timeout: a slow endless listing cannot delay it")
    func verifyLookupIsInsideTheTimeout() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (path, _) = try WatchTests.shareFile(sandbox)
            try await LocalHTTPServer.withServer(handler: Self.endless(items: 1, delay: .seconds(4))) { server in
                let verify = try BackgroundProcess(
                    CLITests.binary,
                    [
                        "verify", "--share", path, "--timeout", "3s", "--format", "json", "--api-url",
                        server.baseURL.absoluteString,
                    ]
                        + Self.credentials
                )
                defer { verify.kill() }
                // A bounded wait for the process to end at all (it took 100 pages × 4 s before).
                #expect(await verify.waitFor(timeout: .seconds(30)) { stdout, _ in stdout.contains(#""summary""#) })
                let report = try JSONDecoder().decode(VerificationReport.self, from: Data(verify.stdout.text.utf8))
                #expect(report.summary.failed == 0, "\(verdicts(report))")
            }
        }
    }

    @Test("the library: a listing of slow endless pages ends at its deadline with listingTooLong")
    func listingDeadline() async throws {
        try await LocalHTTPServer.withServer(handler: Self.endless(items: 1, delay: .milliseconds(300))) { server in
            let client = CDXClient(
                credentials: CloudAPICredentials(key: "KEY", secret: Secret("listing-secret")),
                configuration: .init(
                    baseURL: server.baseURL,
                    requestTimeout: .seconds(10),
                    listingBudget: .init(deadline: .seconds(1))
                )
            )
            do {
                let shares = try await client.listShares()
                Issue.record("listed \(shares.count) shares")
            } catch let error as CDXAPIError {
                #expect(error.code == .listingTooLong, "\(error)")
                #expect(error.underlying?.contains("longer than") == true, "\(error)")
            }
        }
    }
}
