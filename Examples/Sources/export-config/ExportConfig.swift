import ArgumentParser
import Foundation
import StreamShare

/// Exports a share's client configuration in every format the library offers — one file per
/// `ConfigFormat` — for the programs that will consume the share: the pattern to copy when you hand
/// configuration files to other tools or teams.
///
/// The files hold the real secrets (that is what they are for), so each is written with mode 0600,
/// atomically, by `ShareFile.write`; the secrets are never printed. Only the paths go to standard
/// output.
@main
struct ExportConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-config",
        abstract: "Write a share's client configuration in every format (mode 0600) to a directory."
    )

    @Option(help: "The share file (from `cdx-verify redeem --out FILE`).")
    var share: String

    @Option(help: "The directory to write to (created with mode 0700 when missing).")
    var output = "client-config"

    @Option(help: "Appended to the shared group prefix to form group.id.")
    var groupSuffix = KafkaClientConfig.defaultGroupSuffix

    @Flag(help: "Replace files that already exist.")
    var overwrite = false

    func run() throws {
        let loaded = try ShareFile.read(share)
        let kafka = try KafkaClientConfig(prepared: loaded.prepared, options: .init(groupSuffix: groupSuffix))
        (loaded.warnings + kafka.warnings.map(\.message)).forEach { printError("export-config: warning: \($0)") }
        let exporter = ClientConfigExporter(
            kafka: kafka,
            schemaRegistry: kafka.schemaRegistry,
            origin: .init(share: loaded.share)
        )

        try FileManager.default.createDirectory(
            atPath: output,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        let files = ConfigFormat.allCases.map { ($0, (output as NSString).appendingPathComponent($0.fileName)) }
        // Check every destination first, so that an existing file does not leave a half-done export.
        for (_, path) in files { try ShareFile.checkDestination(path, overwrite: overwrite) }
        for (format, path) in files {
            let document = try exporter.render(format, revealSecrets: true)
            try ShareFile.write(Data(document.utf8), to: path, overwrite: overwrite)
            print(path)
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
