import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// `cdx-verify config` with the Spring Boot, Python, KafkaJS, .NET and Kubernetes formats.
@Suite("config: the ecosystem formats on the command line")
struct ConfigExportCLITests {
    func sharePath() throws -> String {
        let path = try Fixture.temporaryDirectory() + "/share.json"
        try ShareFile.write(try Fixture.share().jsonData(), to: path, overwrite: false)
        return path
    }

    @Test("every new format is listed by config --help and prints no secret without --reveal-secrets")
    func formatsWithoutSecrets() async throws {
        let help = try await CLITests.cli(["config", "--help"])
        #expect(help.status == 0)
        for format in ["spring", "python", "kafkajs", "dotnet", "k8s-secret", "--namespace"] {
            #expect(help.stdout.contains(format), "config --help does not mention \(format)")
        }
        let path = try sharePath()
        for format in ["spring", "python", "kafkajs", "dotnet", "k8s-secret"] {
            let result = try await CLITests.cli(["config", "--share", path, "--format", format])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stdout.contains(Secret.redactedPlaceholder), "\(format)")
            for secret in Fixture.allSecrets {
                #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(format)")
            }
        }
    }

    @Test("k8s-secret --namespace: the Secret is named from the share id and placed in the namespace")
    func kubernetesNamespace() async throws {
        let path = try sharePath()
        let result = try await CLITests.cli([
            "config", "--share", path, "--format", "k8s-secret", "--namespace", "orders-prod", "--reveal-secrets",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\n  name: cdx-client-dlz-f3a90de\n  namespace: \"orders-prod\"\n"))
        #expect(result.stdout.contains(#"KAFKA_SASL_USERNAME: "KAFKAKEY1""#))
    }

    @Test(
        "--namespace must be a DNS-1123 label and goes with k8s-secret only (usage error, 64)",
        arguments: [
            ["--format", "k8s-secret", "--namespace", "Orders"], ["--format", "java", "--namespace", "orders"],
        ]
    )
    func namespaceUsage(arguments: [String]) async throws {
        let result = try await CLITests.cli(["config", "--share", try sharePath()] + arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--namespace"))
        #expect(result.stdout.isEmpty)
    }
}
