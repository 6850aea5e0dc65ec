import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// The `CDX_VERIFY_*` environment defaults: a flag always wins, then the variable, then the flag's
/// default; a value the flag would refuse is a usage error naming the variable; --help lists them.
@Suite("cdx-verify environment defaults", .timeLimit(.minutes(2)))
struct EnvironmentDefaultsTests {
    /// A healthy sandbox share saved in a new directory.
    private static func savedShare(_ sandbox: Sandbox) throws -> (directory: String, path: String) {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try ShareFile.write(try sandbox.share().jsonData(), to: path, overwrite: false)
        return (directory, path)
    }

    @Test("CDX_VERIFY_SHARE, _FORMAT, _OUTPUT and _TIMEOUT stand for their flags; a flag wins over its variable")
    func verifyFromTheEnvironment() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (directory, path) = try Self.savedShare(sandbox)
            let report = directory + "/report.json"
            // A deadline of 1 ms: no check can finish, so the variable is seen to be used.
            let environment = [
                "CDX_VERIFY_SHARE": path, "CDX_VERIFY_FORMAT": "json", "CDX_VERIFY_OUTPUT": report,
                "CDX_VERIFY_TIMEOUT": "1ms",
            ]
            let fromEnvironment = try await CLITests.cli(["verify"], environment: environment)
            #expect(fromEnvironment.status == 1, "\(fromEnvironment.stderr)")
            #expect(fromEnvironment.stdout.isEmpty)
            let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report)))
            let checks = try #require((written as? [String: Any])?["checks"] as? [[String: Any]])
            #expect(checks.contains { $0["code"] as? String == "timeout" })

            // Flags win: a 30 s deadline, a JUnit report in another file, the share named by --share.
            let other = directory + "/other.json"
            try FileManager.default.copyItem(atPath: path, toPath: other)
            try FileManager.default.removeItem(atPath: path)
            let flags = try await CLITests.cli(
                [
                    "verify", "--share", other, "--format", "junit", "--output", directory + "/flags.xml", "--timeout",
                    "30s",
                ],
                environment: environment
            )
            #expect(flags.status == 0, "\(flags.stderr)")
            #expect(try String(contentsOfFile: directory + "/flags.xml", encoding: .utf8).hasPrefix("<?xml"))
        }
    }

    @Test("CDX_VERIFY_TOKEN redeems like --token and is never shown; with --share it is not used")
    func tokenFromTheEnvironment() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let token = try sandbox.mintToken()
            let directory = try Fixture.temporaryDirectory()
            var environment = CLITests.environment(sandbox)
            environment["CDX_API_URL"] = sandbox.apiURL.absoluteString
            environment["CDX_VERIFY_TOKEN"] = token.revealed
            let redeemed = try await CLITests.cli(
                ["redeem", "--save", directory + "/share.json"],
                environment: environment
            )
            #expect(redeemed.status == 0, "\(redeemed.stderr)")
            #expect(FileManager.default.fileExists(atPath: directory + "/share.json"))
            CLITests.expectNoSecrets([redeemed.stdout, redeemed.stderr], [token.revealed])

            // --share wins over CDX_VERIFY_TOKEN (already spent: a redeem would fail with exit 2).
            let verified = try await CLITests.cli(
                ["verify", "--share", directory + "/share.json"],
                environment: environment
            )
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(sandbox.api.redeemRequestCount == 1)
            CLITests.expectNoSecrets([verified.stdout, verified.stderr], [token.revealed])
        }
    }

    @Test("config and watch read CDX_VERIFY_SHARE; config reads CDX_VERIFY_GROUP_SUFFIX")
    func configAndWatchFromTheEnvironment() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (directory, path) = try Self.savedShare(sandbox)
            let config = try await CLITests.cli(
                ["config"],
                environment: ["CDX_VERIFY_SHARE": path, "CDX_VERIFY_GROUP_SUFFIX": "billing"]
            )
            #expect(config.status == 0, "\(config.stderr)")
            #expect(config.stdout.contains("group.id=share-orders-billing"), "\(config.stdout)")
            let flag = try await CLITests.cli(
                ["config", "--group-suffix", "audit"],
                environment: ["CDX_VERIFY_SHARE": path, "CDX_VERIFY_GROUP_SUFFIX": "billing"]
            )
            #expect(flag.stdout.contains("group.id=share-orders-audit"), "\(flag.stdout)")

            // watch without --share or --share-dir takes the variable's file (here one that is not there).
            let missing = directory + "/missing.json"
            let watch = try await CLITests.cli(["watch"], environment: ["CDX_VERIFY_SHARE": missing])
            #expect(watch.status == 3, "\(watch.stderr)")
            #expect(watch.stderr.contains(missing), "\(watch.stderr)")
        }
    }

    @Test(
        "a variable the flag would refuse is a usage error naming it",
        arguments: zip(
            [
                ["CDX_VERIFY_FORMAT": "xml", "CDX_VERIFY_SHARE": "share.json"],
                ["CDX_VERIFY_TIMEOUT": "soon", "CDX_VERIFY_SHARE": "share.json"],
                ["CDX_VERIFY_TOKEN": "t-1", "CDX_VERIFY_SHARE": "share.json"],
            ],
            ["CDX_VERIFY_FORMAT 'xml'", "CDX_VERIFY_TIMEOUT 'soon'", "CDX_VERIFY_TOKEN and CDX_VERIFY_SHARE"]
        )
    )
    func unusableVariable(environment: [String: String], named: String) async throws {
        let result = try await CLITests.cli(["verify"], environment: environment)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(!result.stderr.contains("t-1"))
    }

    @Test("--help lists every CDX_VERIFY_* variable, and each subcommand's options name theirs")
    func helpListsTheVariables() async throws {
        let root = try await CLITests.cli(["--help"])
        for name in [
            "CDX_VERIFY_TOKEN", "CDX_VERIFY_SHARE", "CDX_VERIFY_FORMAT", "CDX_VERIFY_OUTPUT", "CDX_VERIFY_TIMEOUT",
            "CDX_VERIFY_CA_FILE", "CDX_VERIFY_GROUP_SUFFIX",
        ] {
            #expect(root.stdout.contains(name), "root --help lacks \(name)")
        }
        let expected: [String: [String]] = [
            "verify": [
                "$CDX_VERIFY_TOKEN", "$CDX_VERIFY_SHARE", "$CDX_VERIFY_FORMAT", "$CDX_VERIFY_OUTPUT",
                "$CDX_VERIFY_TIMEOUT", "$CDX_VERIFY_CA_FILE", "$CDX_VERIFY_GROUP_SUFFIX",
            ],
            "redeem": ["$CDX_VERIFY_TOKEN"],
            "preview": ["$CDX_VERIFY_TOKEN"],
            "config": ["$CDX_VERIFY_SHARE", "$CDX_VERIFY_CA_FILE", "$CDX_VERIFY_GROUP_SUFFIX"],
            "watch": ["$CDX_VERIFY_SHARE", "$CDX_VERIFY_TIMEOUT"],
        ]
        for (command, names) in expected {
            let help = try await CLITests.cli([command, "--help"])
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for name in names { #expect(text.contains(name), "\(command) --help lacks \(name)") }
        }
    }
}
