import ArgumentParser
import StreamShare
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print a share's client configuration (librdkafka, Java, JSON or dotenv).",
        discussion:
            "Secrets are shown as <redacted> unless --reveal-secrets is given; a file written with --output is mode 0600."
    )

    @Option(name: .long, help: "The share file.")
    var share: String

    @Option(name: .long, help: "librdkafka, java, json or env.")
    var format: ConfigFormat = .librdkafka

    @Option(name: .long, help: "Appended to the shared group prefix for group.id.")
    var groupSuffix: String = KafkaClientConfig.defaultGroupSuffix

    @Option(name: .long, help: "A CA bundle for ssl.ca.location.")
    var caFile: String?

    @Option(name: .customShort("X"), help: ArgumentHelp("librdkafka property override.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(name: .long, help: "Write the real secrets (the only command that ever prints one).")
    var revealSecrets = false

    @Option(name: .long, help: "Write to this file (mode 0600, never overwritten) instead of standard output.")
    var output: String?

    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
        let console = outputOptions.console
        let loaded = try Runner.readShare(share, console: console)
        let text: String
        do {
            let kafka = try KafkaClientConfig(
                share: loaded,
                options: .init(
                    groupSuffix: groupSuffix,
                    caLocation: caFile,
                    overrides: try overrides.map { try ConfigProperty(parsing: $0) }
                )
            )
            kafka.warnings.forEach { console.warning($0.message) }
            text = try ClientConfigExporter(kafka: kafka, schemaRegistry: try loaded.endpoints().schemaRegistry)
                .render(format, revealSecrets: revealSecrets)
        } catch {
            throw Runner.fail(error, console: console)
        }
        if let output {
            do {
                try ShareFile.write(Data(text.utf8), to: output, overwrite: false)
            } catch {
                throw Runner.fail(error, console: console)
            }
            console.info("wrote the \(format.rawValue) configuration to \(output) (mode 0600)")
        } else {
            console.output(text)
        }
    }
}
