import ArgumentParser
import Foundation
import StreamShare

/// A consumer entry point that proves the share works *before* it consumes: the pattern to copy into
/// your own consumer's `main`.
///
/// 1. Read the share saved by `cdx-verify redeem` (or by `CDXClient.redeem(_:savingTo:)`).
/// 2. Verify it with `ShareVerifier`, deep: READ on every topic and a real group join are proven, not
///    only DESCRIBE, so a consumer that starts will not be denied a moment later.
/// 3. When a check failed, print each one with its hint and exit 1 — the consumer is never started.
/// 4. Otherwise build the consumer's configuration from the same share and options with
///    `KafkaClientConfig` and start the consumer: here `kcat`, reading a librdkafka properties file
///    (mode 0600) that is deleted when it exits. A librdkafka-based consumer of your own takes the
///    same properties (`KafkaClientConfig.properties`).
@main
struct PreflightConsumer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight-consumer",
        abstract: "Verify a share, then consume its first topic with kcat — or refuse to start.",
        discussion: """
            Exit status: kcat's when the consumer ran (128 + N when it was ended by signal N); 1 when the \
            share failed verification, could not be read, or kcat is not installed.
            """
    )

    @Option(help: "The share file (from `cdx-verify redeem --out FILE`).")
    var share: String

    @Option(help: "Appended to the shared group prefix to form group.id.")
    var groupSuffix = KafkaClientConfig.defaultGroupSuffix

    @Option(help: "Seconds the verification may take.")
    var timeout = 30

    @Flag(inversion: .prefixedNo, help: "Prove READ and a group join (the default for a pre-flight).")
    var deep = true

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        // A consumer that cannot start anyway should not make the user wait for a network check first.
        guard let kcat = KcatConsumer.find() else {
            printError("preflight: kcat is not on PATH; install it (apt-get install kcat, brew install kcat) and retry")
            throw ExitCode.failure
        }
        let loaded = try ShareFile.read(share)
        loaded.warnings.forEach { printError("preflight: warning: \($0)") }
        guard let topic = loaded.share.topics.first else {
            printError("preflight: the share has no topic to consume")
            throw ExitCode.failure
        }

        let options = ShareVerifier.Options(
            deadline: .seconds(timeout),
            deep: deep,
            kafka: .init(groupSuffix: groupSuffix)
        )
        let report = try await ShareVerifier(options: options).verify(prepared: loaded.prepared)
        do {
            // Warnings (e.g. PLAINTEXT on the local sandbox) do not stop a consumer; pass
            // `strict: true` to refuse them too.
            try report.requirePassing(strict: false)
        } catch {
            printError(
                "preflight: refusing to start the consumer: \(error.problems.count) of \(report.summary.total) "
                    + "checks failed"
            )
            for problem in error.problems { printError(Self.describe(problem)) }
            throw ExitCode.failure
        }
        for warning in report.checks where warning.status == .warn {
            printError("preflight: warning: \(warning.qualifiedID): \(warning.message)")
        }

        // Build the consumer's configuration with the options the verification used, so that what
        // starts is what was proven (the same group.id in particular).
        let kafka = try KafkaClientConfig(prepared: loaded.prepared, options: .init(verifierOptions: options))
        printError(
            "preflight: \(report.summary.passed) of \(report.summary.total) checks passed "
                + "(\(report.summary.warned) warned); consuming '\(topic)' as group '\(kafka.groupID ?? "-")' with kcat"
        )
        let status = try await kcat.consume(topic: topic, configuration: kafka)
        if status != 0 { throw ExitCode(status) }
    }

    /// A failed check as two lines: what failed and why, then what to do about it.
    private static func describe(_ check: CheckResult) -> String {
        var text = "  - \(check.id)"
        if let resource = check.resource { text += " [\(resource)]" }
        text += " (\(check.code)): \(check.message)"
        if let hint = check.hint { text += "\n      hint: \(hint)" }
        return text
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
