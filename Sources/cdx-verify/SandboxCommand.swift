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
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run a local emulated Confluent Cloud (CDX API, Schema Registry, Kafka mock cluster) until interrupted.",
        discussion: """
            Prints export lines (CDX_API_URL and the sandbox's Cloud API key and secret) and a fresh token: paste \
            the exports into another terminal and run the printed cdx-verify command. The credentials are \
            throwaway sandbox values, valid only for this process.

            SCENARIOS (--scenario NAME, or a JSON file: see docs/scenarios.md)
            \(Scenario.helpList)

            EXAMPLES
              cdx-verify sandbox
              cdx-verify sandbox --scenario faults --port 8080
              cdx-verify sandbox --scenario scenarios/private-link-outage.json --tokens 3
            """
    )

    @Option(name: .long, help: ArgumentHelp("A built-in scenario (below) or a scenario JSON file.", valueName: "name"))
    var scenario: String = "healthy"

    @Option(name: .long, help: "CDX API port (default: any free port).")
    var port: Int?

    @Option(name: .long, help: "How many tokens to mint.")
    var tokens: Int = 1

    @Flag(name: .long, help: "Exit when the process that started the sandbox ends (scripts, tests).")
    var exitWithParent = false

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535") }
        if !(1...100).contains(tokens) { throw ValidationError("--tokens must be 1…100") }
    }

    func run() async throws {
        let console = Console(quiet: false, noColor: false, environment: Environment.values)
        let loaded = try Scenario.loaded(scenario, console: console)
        if loaded.takesBrokersDown { MockAbortNotice.install() }
        // One signal style for every long-running command: a ServiceGroup turns SIGINT / SIGTERM into a
        // graceful shutdown, which ends the sandbox's scope (its servers stop and release their ports).
        let service = SandboxService(scenario: loaded, port: port ?? 0, tokens: tokens)
        var logger = Logger(label: "cdx-verify.sandbox")
        logger.logLevel = .critical
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)
        ]
        if exitWithParent {
            services.append(
                .init(service: ParentWatch(console: console), successTerminationBehavior: .gracefullyShutdownGroup)
            )
        }
        let configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        try await ServiceGroup(configuration: configuration).run()
        console.info("sandbox stopped")
    }
}

/// Returns once the process that started this one has ended (this one is then another's child),
/// or at the graceful shutdown.
private struct ParentWatch: Service {
    let console: Console
    let parent = getppid()

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while getppid() == parent { try await Task.sleep(for: .milliseconds(200)) }
        }
        if getppid() != parent { console.info("the process that started the sandbox ended (--exit-with-parent)") }
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
            "Sandbox-only settings and credentials (throwaway), ready to paste:",
            "  export CDX_API_URL=\(sandbox.apiURL.absoluteString)",
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
            "  cdx-verify --token \(minted[0].revealed)\(account)",
            "",
            "Serving until interrupted (Ctrl-C).",
        ]
        return lines.joined(separator: "\n")
    }
}

extension Scenario {
    /// Every built-in scenario with its description, one per line, for `--help`: healthy and faults
    /// first, then the others by name.
    static var helpList: String {
        let first = ["healthy", "faults"]
        let names = first.filter { builtIn[$0] != nil } + builtIn.keys.filter { !first.contains($0) }.sorted()
        let width = (names.map(\.count).max() ?? 0) + 2
        // Wrapped here, under the description's column: --help would wrap a long line to column 0.
        let indent = String(repeating: " ", count: 2 + width)
        return names.map { name in
            var lines = ["  " + name + String(repeating: " ", count: max(0, width - name.count))]
            for word in (builtIn[name]?.description ?? "").split(separator: " ") {
                if lines[lines.count - 1].count + word.count + 1 > 78, lines[lines.count - 1] != indent {
                    lines.append(indent)
                }
                let last = lines[lines.count - 1]
                lines[lines.count - 1] = last + (last.hasSuffix(" ") ? "" : " ") + word
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension Scenario {
    /// A built-in scenario or a scenario file; a bad one is reported as invalid input.
    static func loaded(_ nameOrPath: String, console: Console) throws -> Scenario {
        do {
            return try Scenario.load(nameOrPath)
        } catch {
            console.error("\(error)")
            throw Exit.invalidInput
        }
    }
}
