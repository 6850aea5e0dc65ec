import ArgumentParser
import Dispatch
import Foundation
import StreamShare
import StreamShareSandbox

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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
        let sandbox = try await Sandbox.start(scenario: loaded, apiPort: port)
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
        lines += [
            "",
            "In another terminal (after the exports above):",
            "  cdx-verify --api-url \(sandbox.apiURL.absoluteString) --token \(minted[0].revealed)",
            "",
            "Serving until interrupted (Ctrl-C).",
        ]
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        await Self.waitForTermination()
        await sandbox.stop()
        console.info("sandbox stopped")
    }

    /// Suspends until SIGINT or SIGTERM.
    static func waitForTermination() async {
        let sources: [any DispatchSourceSignal] = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
        }
        let stream = AsyncStream<Void> { continuation in
            for source in sources {
                source.setEventHandler { continuation.yield() }
                source.resume()
            }
        }
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
        sources.forEach { $0.cancel() }
    }
}
