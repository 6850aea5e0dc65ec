import ArgumentParser
import Logging
import ServiceLifecycle
import StreamShare
import StreamShareSandbox

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run a local emulated Confluent Cloud (CDX API, Schema Registry, Kafka mock cluster) until interrupted.",
        discussion: """
            Prints the API URL, the sandbox's Cloud API key and secret and a fresh token; in another terminal run the \
            printed cdx-verify command. The credentials are throwaway sandbox values, valid only for this process.
            Built-in scenarios: healthy, faults; or a JSON file (see docs/scenarios.md).
            """
    )

    @Option(name: .long, help: "healthy, faults, or a scenario JSON file.")
    var scenario: String = "healthy"

    @Option(name: .long, help: "CDX API port (default: any free port).")
    var port: Int = 0

    @Option(name: .long, help: "How many tokens to mint.")
    var tokens: Int = 1

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535") }
        if !(1...100).contains(tokens) { throw ValidationError("--tokens must be 1…100") }
    }

    func run() async throws {
        let console = Console(quiet: false, noColor: false, environment: Environment.values)
        let loaded = try Runner.loadScenario(scenario, console: console)
        // One signal style for every long-running command: a ServiceGroup turns SIGINT / SIGTERM into a
        // graceful shutdown, which ends the sandbox's scope (its servers stop and release their ports).
        let service = SandboxService(scenario: loaded, port: port, tokens: tokens)
        var logger = Logger(label: "cdx-verify.sandbox")
        logger.logLevel = .critical
        let configuration = ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        try await ServiceGroup(configuration: configuration).run()
        console.info("sandbox stopped")
    }
}

/// Runs the sandbox until the graceful shutdown, after printing how to use it.
private struct SandboxService: Service {
    let scenario: Scenario
    let port: Int
    let tokens: Int

    func run() async throws {
        try await Sandbox.withSandbox(scenario: scenario, apiPort: port) { sandbox in
            StandardStreams.writeOut((try Self.banner(sandbox, tokens: tokens) + "\n"))
            // Returns at the graceful shutdown (SIGINT, SIGTERM), or throws when cancelled.
            try? await gracefulShutdown()
        }
    }

    private static func banner(_ sandbox: Sandbox, tokens: Int) throws -> String {
        let loaded = sandbox.scenario
        let minted = try (0..<tokens).map { _ in try sandbox.mintToken() }
        let credentials = sandbox.cloudCredentials
        var lines = [
            "cdx-verify sandbox: scenario '\(loaded.name)'\(loaded.description.map { " — \($0)" } ?? "")",
            "  CDX API          \(sandbox.apiURL.absoluteString)",
            "  Schema Registry  \(sandbox.schemaRegistryURL.absoluteString)",
            "  Kafka            PLAINTEXT://\(sandbox.bootstrapServers) (librdkafka mock cluster)",
            "",
            "Sandbox-only credentials (throwaway):",
            "  export CONFLUENT_CLOUD_API_KEY=\(credentials.key)",
            "  export CONFLUENT_CLOUD_API_SECRET=\(credentials.secret.revealed)",
        ]
        for token in minted { lines.append("  token: \(token.revealed)") }
        // A PrivateLink share is refused without the consumer's account for its cloud.
        var account = ""
        if (loaded.networkConnectionTypes ?? []).contains(NetworkConnectionType.privateLink.rawValue),
            let flag = TokenOptions.accountFlag(for: CloudProvider(rawValue: loaded.cloud ?? "AWS"))
        {
            account = " \(flag) " + (flag == "--aws-account" ? "123456789012" : "EXAMPLE-ID")
        }
        lines += [
            "",
            "In another terminal (after the exports above):",
            "  cdx-verify --api-url \(sandbox.apiURL.absoluteString) --token \(minted[0].revealed)\(account)",
            "",
            "Serving until interrupted (Ctrl-C).",
        ]
        return lines.joined(separator: "\n")
    }
}
