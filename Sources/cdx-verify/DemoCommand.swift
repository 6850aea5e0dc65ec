import ArgumentParser
import StreamShare
import StreamShareSandbox

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Sandbox + redeem + verify in one process: the whole flow with no network and no cloud account.",
        discussion: """
            healthy exits 0; faults exits 1 and shows every kind of failure with its hint.

            SCENARIOS (--scenario NAME, or a JSON file: see docs/scenarios.md)
            \(Scenario.helpList)

            EXAMPLES
              cdx-verify demo
              cdx-verify demo --scenario faults
              cdx-verify demo --scenario broker-down --deep --format json
              cdx-verify demo --scenario lagging

            The demo checks freshness and lag with --max-staleness 1h --max-lag 100 unless given.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A built-in scenario (below) or a scenario JSON file.", valueName: "name"))
    var scenario: String = "healthy"

    @OptionGroup var verifyOptions: VerifyOptions
    @OptionGroup var outputOptions: OutputOptions

    /// `--max-staleness` and `--max-lag` of the demo when not given.
    static let freshnessDefaults = (staleness: Duration.seconds(3600), lag: Int64(100))

    func run() async throws {
        // As the watch does (and Go's runtime): the soft descriptor limit up to the hard one. Proving
        // a large cluster's brokers at once takes descriptors that grow with its size squared.
        _ = FileDescriptors.raiseSoftLimit()
        let console = outputOptions.console
        let loaded = try Scenario.loaded(scenario, console: console)
        if loaded.takesBrokersDown { MockAbortNotice.install() }
        try await Sandbox.withSandbox(scenario: loaded) { sandbox in
            console.info(
                "demo: scenario '\(loaded.name)' — CDX API \(sandbox.apiURL.absoluteString), Schema Registry "
                    + "\(sandbox.schemaRegistryURL.absoluteString), Kafka mock cluster \(sandbox.bootstrapServers)"
            )
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("cdx-verify-demo-\(getpid())").path
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let share: PreparedShare
            do {
                let token = try sandbox.mintToken()
                let client = CDXClient(
                    credentials: sandbox.cloudCredentials,
                    configuration: .init(baseURL: sandbox.apiURL),
                    logger: outputOptions.logger
                )
                share = try await client.redeemPrepared(
                    RedeemTokenRequest(token: token),
                    savingTo: directory + "/share.json"
                )
                console.info(
                    "demo: redeemed the token through the CDX API emulator; share saved (mode 0600) in a temporary "
                        + "directory that is removed when the demo ends"
                )
            } catch {
                throw CommandFailure.report(error, console: console)
            }
            // The sandbox's own Cloud API credentials: a refused key is explained by the share's status,
            // and a PrivateLink share's host names are checked. On 127.0.0.1: never through a proxy.
            let cloud = try CloudOptions.parse([
                "--api-url", sandbox.apiURL.absoluteString, "--api-key", sandbox.cloudCredentials.key,
                "--api-secret", sandbox.cloudCredentials.secret.revealed, "--proxy", "",
            ])
            // The demo shows freshness and lag too: its scenarios' records and commits are made for these.
            var verifierOptions = try verifyOptions.verifierOptions(privateNetworking: false, proxy: .direct)
            verifyOptions.checks.freshness.apply(to: &verifierOptions, defaults: Self.freshnessDefaults)
            try await Verifying.verify(
                share,
                options: verifyOptions,
                verifierOptions: verifierOptions,
                wait: verifyOptions.waitPolicy(justRedeemed: true),
                cloud: cloud,
                console: console,
                logger: outputOptions.logger
            )
        }
    }
}
