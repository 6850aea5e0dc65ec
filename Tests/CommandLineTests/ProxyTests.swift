import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `--proxy` and the proxy variables, through a real forward proxy (proxy.py) started by each test.
@Suite("cdx-verify through a forward proxy", .serialized, .timeLimit(.minutes(3)))
struct ProxyTests {
    private static func api(_ sandbox: Sandbox) -> [String] { ["--api-url", sandbox.apiURL.absoluteString] }

    @Test("--proxy: the preview, the redeem and the registry requests go through the proxy; Kafka is noted as direct")
    func proxyFlagRoutesEveryHTTPRequest() async throws {
        try await ForwardProxy.with { proxy in
            try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
                let directory = try Fixture.temporaryDirectory()
                let result = try await CLITests.cli(
                    [
                        "verify", "--token", try sandbox.mintToken().revealed, "--save", directory + "/s.json",
                        "--proxy", proxy.url(), "--format", "json", "--wait", "0s",
                    ] + Self.api(sandbox),
                    environment: CLITests.environment(sandbox)
                )
                #expect(result.status == 0, "\(result.stderr)")
                let apiPort = sandbox.apiURL.port!
                let registryPort = sandbox.schemaRegistryURL.port!
                // The preview and the redeem share the CDX API's connection; the registry has its own.
                // The lines come as the connections end, in any order.
                _ = await proxy.requests(after: 1)
                let requests = proxy.requests
                for expected in ["CONNECT 127.0.0.1:\(apiPort) ", "CONNECT 127.0.0.1:\(registryPort) "] {
                    #expect(requests.contains { $0.hasPrefix(expected) }, "\(expected): \(requests)")
                }
                let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
                let note = try #require(report.notes?.first)
                #expect(note.contains("librdkafka cannot use one"), "\(note)")
                #expect(note.contains(sandbox.bootstrapServers), "\(note)")
            }
        }
    }

    @Test("http_proxy from the environment; no_proxy and --proxy \"\" go direct; HTTP_PROXY is ignored as curl does")
    func environmentVariables() async throws {
        try await ForwardProxy.with { proxy in
            try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
                let env = CLITests.environment(sandbox)
                let list = ["shares", "list"] + Self.api(sandbox)
                func sharesList(_ extra: [String: String], _ arguments: [String] = []) async throws {
                    let result = try await CLITests.cli(list + arguments, environment: env.merging(extra) { $1 })
                    #expect(result.status == 0, "\(extra) \(arguments): \(result.stderr)")
                }
                let listing = "CONNECT 127.0.0.1:\(sandbox.apiURL.port!) "
                // Through the proxy: its access log shows the request.
                for variable in ["http_proxy", "all_proxy", "ALL_PROXY"] {
                    let before = proxy.requests.count
                    try await sharesList([variable: proxy.url()])
                    let requests = await proxy.requests(after: before)
                    #expect(requests.first?.hasPrefix(listing) == true, "\(variable): \(requests)")
                }
                // Not through a proxy: one where nothing listens would have failed the command.
                try await sharesList(["HTTP_PROXY": ForwardProxy.nowhere])
                try await sharesList(["http_proxy": ForwardProxy.nowhere, "NO_PROXY": "127.0.0.1"])
                try await sharesList(["http_proxy": ForwardProxy.nowhere, "no_proxy": "127.0.0.0/8"])
                try await sharesList(["http_proxy": ForwardProxy.nowhere], ["--proxy", ""])
                try await sharesList(["http_proxy": ForwardProxy.nowhere], ["--noproxy", "*"])
                // An unusable variable stops the command, naming it; --proxy "" gets past it.
                let unusable = ["all_proxy": "socks5://svc:hunter2@socks:1080"]
                let refused = try await CLITests.cli(list, environment: env.merging(unusable) { $1 })
                #expect(refused.status == 64, "\(refused.stderr)")
                #expect(
                    refused.stderr.contains("all_proxy") && refused.stderr.contains("--proxy \"\""),
                    "\(refused.stderr)"
                )
                CLITests.expectNoSecrets([refused.stdout, refused.stderr], ["hunter2"])
                try await sharesList(unusable, ["--proxy", ""])
                // And such a proxy does fail it, saying why.
                let failed = try await CLITests.cli(
                    list + ["--proxy", ForwardProxy.nowhere],
                    environment: env
                )
                #expect(failed.status == 2, "\(failed.stderr)")
            }
        }
    }

    @Test("a proxy that wants credentials: given in the URL they work, never printed; without them exit 2 saying so")
    func proxyCredentials() async throws {
        try await ForwardProxy.with(basicAuth: "svc:pr0xy-s3cret") { proxy in
            try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
                let list = ["shares", "list", "--verbose"] + Self.api(sandbox)
                let good = try await CLITests.cli(
                    list + ["--proxy", proxy.url(username: "svc", password: "pr0xy-s3cret")],
                    environment: CLITests.environment(sandbox)
                )
                #expect(good.status == 0, "\(good.stderr)")
                #expect(good.stderr.contains("(with credentials)"), "\(good.stderr)")
                let bad = try await CLITests.cli(
                    list + ["--proxy", proxy.url()],
                    environment: CLITests.environment(sandbox)
                )
                #expect(bad.status == 2, "\(bad.stderr)")
                #expect(bad.stderr.contains("407"), "\(bad.stderr)")
                let refused = try await CLITests.cli(
                    list + ["--proxy", "https://svc:pr0xy-s3cret@127.0.0.1:\(proxy.port)"],
                    environment: CLITests.environment(sandbox)
                )
                #expect(refused.status == 64, "\(refused.stderr)")
                #expect(refused.stderr.contains("https:// proxy"), "\(refused.stderr)")
                CLITests.expectNoSecrets(
                    [good.stdout, good.stderr, bad.stdout, bad.stderr, refused.stdout, refused.stderr],
                    ["pr0xy-s3cret"]
                )
            }
        }
    }
}

extension ProxyTests {
    @Test(
        "an HTTPS registry through the proxy's CONNECT tunnel, by --proxy and by https_proxy; TLS ends at the registry",
        arguments: [true, false]
    )
    func httpsRegistryThroughTheTunnel(flag: Bool) async throws {
        try await ForwardProxy.with { proxy in
            try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
                try await TLSFront.with(backendPort: sandbox.schemaRegistryURL.port!) { front in
                    let directory = try Fixture.temporaryDirectory()
                    var share = sandbox.share()
                    share.schemaRegistryURL = "https://localhost:\(front.port)"
                    try ShareFile.write(try share.jsonData(), to: directory + "/s.json", overwrite: false)
                    let result = try await CLITests.cli(
                        ["verify", "--share", directory + "/s.json", "--ca-file", front.caFile, "--format", "json"]
                            + (flag ? ["--proxy", proxy.url()] : []),
                        environment: flag ? [:] : ["https_proxy": proxy.url()]
                    )
                    #expect(result.status == 0, "\(result.stderr)\(result.stdout)")
                    let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
                    #expect(verdicts(report)["schema_registry.auth"] == "pass:authenticated", "\(verdicts(report))")
                    let requests = await proxy.requests(after: 0)
                    #expect(requests.first?.hasPrefix("CONNECT localhost:\(front.port) ") == true, "\(requests)")
                    // Both settings cover the bootstrap host too: the report says Kafka went direct.
                    #expect(report.notes?.first?.contains("librdkafka cannot use one") == true)
                }
            }
        }
    }
}
