import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// What a hostile provider or CDX API can make the command line print: terminal escapes in names and
/// descriptions, line breaks in file names, and the user's own secrets echoed in an error.
@Suite("hostile text: escapes and echoed secrets", .serialized, .timeLimit(.minutes(3)))
struct HostileTextTests {
    /// Sets the terminal title, writes the clipboard (OSC 52), erases the line, returns to its start and
    /// forges a line; C1 CSI, a line separator and a right-to-left override follow.
    static let hostile =
        "Evil\u{1B}]0;pwned\u{07}\u{1B}]52;c;c2VjcmV0\u{07}\u{1B}[2K\r\nFORGED row\u{9B}31m\u{2028}\u{202E}end"

    /// Every character a terminal could act on, except the line feeds that end the output's own lines.
    static func controls(_ text: String) -> [String] {
        text.unicodeScalars.filter { scalar in
            scalar != "\n"
                && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                    || [0x2028, 0x2029, 0x202E].contains(scalar.value))
        }.map { "U+" + String($0.value, radix: 16, uppercase: true) }
    }

    static func expectPrintable(_ result: ProcessResult, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, text) in [("stdout", result.stdout), ("stderr", result.stderr)] {
            #expect(
                controls(text).isEmpty,
                "\(name): \(controls(text)) in \(text.debugDescription)",
                sourceLocation: sourceLocation
            )
            #expect(
                !text.split(separator: "\n").contains { $0.hasPrefix("FORGED") },
                "\(name) has a forged line: \(text.debugDescription)",
                sourceLocation: sourceLocation
            )
        }
    }

    static func api(_ sandbox: Sandbox) -> [String] { ["--api-url", sandbox.apiURL.absoluteString] }

    static let listing = CDXAPIEmulator.Listing(
        providerUserName: hostile,
        resource: ConsumerSharedResource(
            displayName: hostile,
            description: hostile,
            tags: [hostile],
            organizationName: hostile,
            organizationDescription: hostile,
            cloud: .aws,
            additionalFields: ["extra": .string(hostile)]
        )
    )

    @Test("preview, shares list and shares describe escape a provider's text; their JSON keeps it exact")
    func providerTextIsEscaped() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let env = CLITests.environment(sandbox)
            var share = sandbox.share()
            share.id = "cs-" + Self.hostile
            let token = try sandbox.api.mintToken(for: share, listing: Self.listing)
            let preview = try await CLITests.cli(
                ["preview", "--token", token.revealed] + Self.api(sandbox),
                environment: env
            )
            #expect(preview.status == 0, "\(preview.stderr)")
            #expect(preview.stdout.contains(#"Evil\x1B]0;pwned\x07"#), "\(preview.stdout)")
            Self.expectPrintable(preview)
            let previewJSON = try await CLITests.cli(
                ["preview", "--token", token.revealed, "--format", "json"] + Self.api(sandbox),
                environment: env
            )
            let decoded = try JSONDecoder().decode(SharePreview.self, from: Data(previewJSON.stdout.utf8))
            #expect(decoded.resources.first?.displayName == Self.hostile)

            // Redeemed, the share carries the hostile id into the listing.
            let client = CDXClient(credentials: sandbox.cloudCredentials, configuration: .init(baseURL: sandbox.apiURL))
            _ = try await client.redeem(RedeemTokenRequest(token: token))
            let list = try await CLITests.cli(["shares", "list"] + Self.api(sandbox), environment: env)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains(#"cs-Evil\x1B]0;pwned\x07"#), "\(list.stdout)")
            Self.expectPrintable(list)
            let listJSON = try await CLITests.cli(
                ["shares", "list", "--format", "json"] + Self.api(sandbox),
                environment: env
            )
            let shares = try JSONDecoder().decode([ConsumerShare].self, from: Data(listJSON.stdout.utf8))
            #expect(shares.map(\.id) == ["cs-" + Self.hostile])
            #expect(shares.first?.providerUserName == Self.hostile)
            // An id with control characters is not sent (usage error), and is shown escaped.
            let refused = try await CLITests.cli(
                ["shares", "describe", "cs-" + Self.hostile] + Self.api(sandbox),
                environment: env
            )
            #expect(refused.status == 64, "\(refused.stderr)")
            Self.expectPrintable(refused)
            // A share with a plain id and the hostile resource.
            let plain = sandbox.api.addShare(phase: .active, listing: Self.listing)
            let describe = try await CLITests.cli(["shares", "describe", plain] + Self.api(sandbox), environment: env)
            #expect(describe.status == 0, "\(describe.stderr)")
            #expect(describe.stdout.contains(#"Evil\x1B]0;pwned\x07"#), "\(describe.stdout)")
            Self.expectPrintable(describe)
        }
    }

    @Test("the text report escapes a share's names; the JSON report keeps them exact")
    func reportIsEscaped() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            var share = sandbox.share()
            share.resources.append(.subject(Self.hostile))
            let path = try Fixture.temporaryDirectory() + "/share.json"
            try ShareFile.write(try share.jsonData(), to: path, overwrite: false)
            let text = try await CLITests.cli(["verify", "--share", path, "--timeout", "10s"])
            #expect(text.status == 1, "\(text.stderr)")
            #expect(text.stdout.contains(#"Evil\x1B]0;pwned\x07"#), "\(text.stdout)")
            Self.expectPrintable(text)
            let json = try await CLITests.cli(["verify", "--share", path, "--timeout", "10s", "--format", "json"])
            let report = try JSONDecoder().decode(VerificationReport.self, from: Data(json.stdout.utf8))
            #expect(report.checks.contains { $0.resource == Self.hostile })
        }
    }

    @Test("watch: a share file's name and id with escapes and line breaks cannot forge a log line")
    func watchLogsAreEscaped() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            var share = sandbox.share()
            share.id = "dlz-" + Self.hostile
            try ShareFile.write(try share.jsonData(), to: directory + "/good\u{1B}[2K\nFORGED.json", overwrite: false)
            try ShareFile.write(
                Data("{}".utf8),
                to: directory + "/bad\r\nFORGED line\u{1B}]0;x\u{07}.json",
                overwrite: false
            )
            let watch = try BackgroundProcess(
                CLITests.binary,
                ["watch", "--share-dir", directory, "--interval", "300ms"]
            )
            defer { watch.kill() }
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, stderr in
                    WatchTests.lines(stdout).count >= 1 && stderr.contains("not a share file")
                }
            )
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
            let result = ProcessResult(status: 0, stdout: watch.stdout.text, stderr: watch.stderr.text)
            Self.expectPrintable(result)
            #expect(result.stderr.contains(#"good\x1B[2K\nFORGED.json"#), "\(result.stderr)")
            // The JSON lines keep the id exact.
            let line = try #require(result.stdout.split(separator: "\n").first)
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["share"] as? String == "dlz-" + Self.hostile, "\(line)")
        }
    }

    @Test("an API echoing the token and key:secret in errors[].code, source and X-Request-Id: none is printed")
    func echoedSecretsAreScrubbed() async throws {
        let credentials = CloudAPICredentials(key: "ECHOKEY", secret: Secret("echo-cloud-secret-123"))
        let token = "cdxtk-echo-unspent-token-456"
        let basic = Data("ECHOKEY:echo-cloud-secret-123".utf8).base64EncodedString()
        let body = """
            {"errors":[{"id":"\(token)","status":"400","code":"\(token)","title":"Bad \u{1B}]0;t\u{07}",
            "detail":"see \(basic)","source":{"pointer":"/\(basic)","parameter":"Basic \(basic)"}},
            {"code":"\(basic)","source":{"parameter":"\(token)"}}]}
            """
        try await LocalHTTPServer.withServer(handler: { _ in
            .json(400, body, headers: [("X-Request-Id", "\(token) \(basic)\r\nX-Forged: 1")])
        }) { server in
            let env = [
                "CONFLUENT_CLOUD_API_KEY": credentials.key, "CONFLUENT_CLOUD_API_SECRET": credentials.secret.revealed,
            ]
            let api = ["--api-url", server.baseURL.absoluteString]
            // The token is a secret of the requests that carry it; the Cloud API key's secret, of every one.
            for arguments in [
                ["redeem", "--token", "-", "--out", "s.json"], ["redeem", "--token", "-", "--skip-preview"],
                ["verify", "--token", "-", "--format", "json"], ["preview", "--token", "-", "--format", "json"],
                ["shares", "list", "--format", "json"], ["shares", "describe", "cs-1"],
            ] {
                let result = try await CLITests.cli(arguments + api + ["-v"], stdin: token + "\n", environment: env)
                #expect(result.status == 2, "\(arguments): \(result.stderr)")
                let secrets = [basic, credentials.secret.revealed] + (arguments.contains("--token") ? [token] : [])
                CLITests.expectNoSecrets([result.stdout, result.stderr], secrets)
                Self.expectPrintable(result)
            }
        }
    }
}
