import ArgumentParser
import StreamShare

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

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract:
            "Print a share's client configuration for librdkafka, Java, Spring Boot, Python, KafkaJS, .NET or Kubernetes.",
        discussion: """
            Formats (--format):
              librdkafka  librdkafka properties: kcat -F, Go, Rust, node-rdkafka, C/C++
              java        Java client properties: sasl.jaas.config, serializer keys
              json        {"kafka": {…}, "schema_registry": {…}}, librdkafka names
              env         dotenv (KAFKA_BOOTSTRAP_SERVERS=…): POSIX shells, dotenv
              spring      Spring Boot application.properties (spring.kafka.*)
              python      a module: consumer_config (confluent_kafka.Consumer),
                          schema_registry_config (SchemaRegistryClient), topics
              kafkajs     a CommonJS module: new Kafka(config.kafka),
                          kafka.consumer(config.consumer), config.topics
              dotnet      appsettings.json, Confluent.Kafka names (Kafka, SchemaRegistry)
              k8s-secret  a Kubernetes Secret cdx-client-<share id>, the env keys,
                          for envFrom; --namespace NS sets its namespace

            Secrets are shown as <redacted> unless --reveal-secrets is given;
            a file written with --output is mode 0600.

            EXAMPLES
              cdx-verify config --share share.json
              cdx-verify config --share share.json --format java --reveal-secrets --output client.properties
              cdx-verify config --share share.json --format k8s-secret --namespace payments --output secret.yaml
            """
    )

    @Option(name: .long, help: EnvironmentDefault.share.help("The share file"))
    var share: String?

    @Option(name: .long, help: "The format (see Formats above).")
    var format: ConfigFormat = .librdkafka

    @Option(name: .long, help: "The namespace of the k8s-secret Secret (a DNS-1123 label).")
    var namespace: String?

    @Option(name: .long, help: EnvironmentDefault.groupSuffixHelp)
    var groupSuffix: String?

    @Option(name: .long, help: EnvironmentDefault.caFile.help("A CA bundle for ssl.ca.location"))
    var caFile: String?

    @Option(name: .customShort("X"), help: ArgumentHelp("librdkafka property override.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(name: .long, help: "Write the real secrets (the only command that ever prints one).")
    var revealSecrets = false

    @Option(name: .long, help: "Write to this file (mode 0600) instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Replace an existing --output file (never one that holds a share).")
    var overwrite = false

    @OptionGroup var outputOptions: OutputOptions

    /// `--share`, else `CDX_VERIFY_SHARE` (validate() makes sure there is one).
    private var sharePath: String { share ?? EnvironmentDefault.share.value ?? "" }

    func validate() throws {
        if share == nil, EnvironmentDefault.share.value == nil {
            throw ValidationError("--share is required (or CDX_VERIFY_SHARE)")
        }
        guard let namespace else { return }
        guard format == .k8sSecret else { throw ValidationError("--namespace applies to --format k8s-secret only") }
        guard ClientConfigExporter.isDNS1123Label(namespace) else {
            throw ValidationError(
                "--namespace: '\(namespace.prefix(80))' is not a DNS-1123 label (at most 63 of a-z, 0-9 and '-', "
                    + "starting and ending with a letter or digit)"
            )
        }
    }

    func run() async throws {
        let console = outputOptions.console
        let loaded = try ShareFiles.read(sharePath, console: console)
        let text: String
        do {
            let kafka = try KafkaClientConfig(
                prepared: loaded,
                options: .init(
                    groupSuffix: groupSuffix ?? EnvironmentDefault.groupSuffix.value
                        ?? KafkaClientConfig.defaultGroupSuffix,
                    caLocation: caFile ?? EnvironmentDefault.caFile.value,
                    overrides: try overrides.map { try ConfigProperty(parsing: $0) }
                )
            )
            kafka.warnings.forEach { console.warning($0.message) }
            text = try ClientConfigExporter(
                kafka: kafka,
                schemaRegistry: kafka.schemaRegistry,
                origin: .init(share: loaded.share),
                namespace: namespace
            )
            .render(format, revealSecrets: revealSecrets)
        } catch {
            throw CommandFailure.report(error, console: console)
        }
        if let output {
            try checkOutput(output, console: console)
            do {
                try ShareFile.write(Data(text.utf8), to: output, overwrite: overwrite)
            } catch let error where error.code == .alreadyExists {
                // Created by someone else since the check.
                throw outputExists(output, console: console)
            } catch {
                throw CommandFailure.report(error, console: console)
            }
            console.info("wrote the \(format.rawValue) configuration to \(output) (mode 0600)")
        } else {
            console.output(text)
        }
    }

    /// An existing `--output` file is replaced only with `--overwrite`, and never when it holds a share
    /// (its credentials may exist nowhere else).
    private func checkOutput(_ path: String, console: Console) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard overwrite else { throw outputExists(path, console: console) }
        if ShareFiles.sameFile(path, sharePath) || ShareFiles.holdsShare(path) {
            console.error(
                "--output '\(path)' holds a share (api_key, secret); it is never overwritten",
                hint: "choose another --output file (the share file is what --share reads)"
            )
            throw Exit.usage
        }
    }

    private func outputExists(_ path: String, console: Console) -> ExitCode {
        console.error(
            "--output '\(path)' already exists",
            hint: "choose another --output file, or add --overwrite to replace it"
        )
        return Exit.usage
    }
}
