import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `preview`, the PrivateLink guard before redeeming, and `shares`, run as a user runs them.
@Suite("cdx-verify preview and shares", .serialized, .timeLimit(.minutes(2)))
struct ShareCommandsTests {
    private static func api(_ sandbox: Sandbox) -> [String] { ["--api-url", sandbox.apiURL.absoluteString] }

    @Test("preview prints what the token shares (text and JSON), never the token, and does not spend it")
    func preview() async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let token = try sandbox.mintToken()
            let text = try await CLITests.cli(
                ["preview", "--token", token.revealed] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(text.status == 0, "\(text.stderr)")
            for expected in ["Sandbox Provider Inc.", "Sandbox: privatelink", "AWS", "PRIVATELINK", "orders-value"] {
                #expect(text.stdout.contains(expected), "\(expected): \(text.stdout)")
            }
            let json = try await CLITests.cli(
                ["preview", "--token", "-", "--format", "json"] + Self.api(sandbox),
                stdin: token.revealed + "\n",
                environment: CLITests.environment(sandbox)
            )
            #expect(json.status == 0, "\(json.stderr)")
            let preview = try JSONDecoder().decode(SharePreview.self, from: Data(json.stdout.utf8))
            #expect(preview.resources.first?.networkConnectionTypes == [.privateLink])
            #expect(sandbox.api.redeemRequestCount == 0)
            CLITests.expectNoSecrets(
                [text.stdout, text.stderr, json.stdout, json.stderr],
                [token.revealed, sandbox.cloudCredentials.secret.revealed]
            )
        }
    }

    @Test("preview names the shared topics: one resource per topic, each with its schemas")
    func previewNamesTheTopics() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let token = try sandbox.mintToken()
            let text = try await CLITests.cli(
                ["preview", "--token", token.revealed] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("topic(s): orders, payments"), "\(text.stdout)")
            let rows = text.stdout.split(separator: "\n").map {
                $0.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
            #expect(rows.contains("topic: orders") && rows.contains("topic: payments"), "\(text.stdout)")

            let json = try await CLITests.cli(
                ["preview", "--token", token.revealed, "--format", "json"] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            let preview = try JSONDecoder().decode(SharePreview.self, from: Data(json.stdout.utf8))
            #expect(preview.resources.map(\.topic) == ["orders", "payments"])
            #expect(
                preview.resources.map { $0.schemas.compactMap(\.subject) } == [["orders-value"], ["payments-value"]]
            )
            #expect(sandbox.api.redeemRequestCount == 0)

            // An API that names no topic: said so, not left out silently.
            let unnamed = sandbox.api.mintToken(rawBody: Data("{}".utf8))
            let said = try await CLITests.cli(
                ["preview", "--token", unnamed.revealed] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(said.status == 0, "\(said.stderr)")
            #expect(said.stdout.contains("topic(s): not named by the API"), "\(said.stdout)")
        }
    }

    @Test(
        "a PrivateLink token without an account is refused with exit 3 naming --aws-account; the token is not spent",
        arguments: [["redeem"], ["verify"], []]
    )
    func privateLinkWithoutAccountIsRefused(command: [String]) async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let token = try sandbox.mintToken()
            let result = try await CLITests.cli(
                command + ["--token", token.revealed] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(result.status == 3, "\(result.stderr)")
            #expect(result.stderr.contains("--aws-account"), "\(result.stderr)")
            #expect(result.stderr.contains("not redeemed"), "\(result.stderr)")
            #expect(sandbox.api.redeemRequestCount == 0)
            #expect(sandbox.api.previewRequestCount == 1)
            CLITests.expectNoSecrets([result.stdout, result.stderr], [token.revealed])
        }
    }

    @Test(
        "the account reaches the redeem request, by --aws-account or the Confluent CLI's --aws-account-id",
        arguments: ["--aws-account", "--aws-account-id"]
    )
    func accountReachesTheRedeemRequest(flag: String) async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let token = try sandbox.mintToken()
            let directory = try Fixture.temporaryDirectory()
            let result = try await CLITests.cli(
                ["redeem", "--token", token.revealed, flag, "123456789012", "--out", directory + "/share.json"]
                    + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(result.status == 0, "\(result.stderr)")
            #expect(sandbox.api.lastRedeemFields?["aws_account"] == "123456789012")
            #expect(sandbox.api.redeemRequestCount == 1)
            #expect(sandbox.api.previewRequestCount == 1)
        }
    }

    @Test(
        "a PrivateLink share's Kafka names must resolve privately: after redeeming with an account, from the CDX API later"
    )
    func privateLinkShareChecksDNS() async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let env = CLITests.environment(sandbox)
            func dnsRows(_ arguments: [String], _ environment: [String: String]) async throws -> [String: String] {
                let result = try await CLITests.cli(arguments + ["--format", "json"], environment: environment)
                #expect(result.status == 0, "\(result.stderr)")
                let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
                return verdicts(report).filter { $0.key.hasPrefix("network.dns") }
            }
            let expected = ["network.dns[127.0.0.1]": "pass:private"]
            let redeemed = try await dnsRows(
                [
                    "verify", "--token", try sandbox.mintToken().revealed, "--aws-account", "123456789012", "--save",
                    directory + "/s.json", "--wait", "0s",
                ] + Self.api(sandbox),
                env
            )
            #expect(redeemed == expected)
            let saved = ["verify", "--share", directory + "/s.json"] + Self.api(sandbox)
            // With Cloud API credentials, the share's resource says PRIVATELINK.
            #expect(try await dnsRows(saved, env) == expected)
            // Without them nothing says so, unless --private-dns does.
            #expect(try await dnsRows(saved, [:]).isEmpty)
            #expect(try await dnsRows(saved + ["--private-dns"], [:]) == expected)
        }
    }

    @Test(
        "the deactivated scenario: redeem-then-verify stops at once and every refusal is explained by the share's status",
        arguments: [false, true]
    )
    func deactivatedScenario(demo: Bool) async throws {
        let result: ProcessResult
        if demo {
            result = try await CLITests.cli(["demo", "--scenario", "deactivated", "--format", "json"])
        } else {
            result = try await Sandbox.withSandbox(scenario: .deactivated) { sandbox in
                try await CLITests.cli(
                    ["verify", "--token", try sandbox.mintToken().revealed, "--format", "json"] + Self.api(sandbox),
                    environment: CLITests.environment(sandbox)
                )
            }
        }
        #expect(result.status == 1, "\(result.stderr)")
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
        #expect(
            verdicts(report).filter { $0.value.hasPrefix("fail") } == [
                "kafka.topic[orders]": "fail:unauthorized", "kafka.group[share-orders-]": "fail:unauthorized",
                "schema_registry.auth": "fail:unauthorized",
            ]
        )
        for check in report.checks where check.status == .fail {
            #expect(check.details["share_phase"] == "DEACTIVATED", "\(check.qualifiedID)")
            #expect(check.hint?.hasPrefix("The provider deactivated this share") == true, "\(check.hint ?? "")")
        }
        // The default wait for a new key ends at once: nothing to wait for, no second run.
        #expect(!result.stderr.contains("waiting"), "\(result.stderr)")
    }

    @Test("--skip-preview redeems without asking; an API without preview (501) is said and the redeem goes on")
    func skipPreviewAndOlderAPI() async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let skipped = try await CLITests.cli(
                [
                    "redeem", "--token", try sandbox.mintToken().revealed, "--skip-preview", "--out",
                    directory + "/a.json",
                ]
                    + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(skipped.status == 0, "\(skipped.stderr)")
            #expect(sandbox.api.previewRequestCount == 0)
            #expect(sandbox.api.redeemRequestCount == 1)

            sandbox.api.setPreviewStatus(501)
            let older = try await CLITests.cli(
                ["redeem", "--token", try sandbox.mintToken().revealed, "--out", directory + "/b.json"]
                    + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(older.status == 0, "\(older.stderr)")
            #expect(older.stderr.contains("HTTP 501"), "\(older.stderr)")
            #expect(sandbox.api.previewRequestCount == 1)
            #expect(sandbox.api.redeemRequestCount == 2)
        }
    }

    @Test("unknown fields and values are shown; PrivateLink on an unknown cloud is refused, pointing at --skip-preview")
    func unknownValuesShownAndUnknownCloudRefused() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let listing = CDXAPIEmulator.Listing(
                resource: ConsumerSharedResource(
                    displayName: "Oracle feed",
                    cloud: CloudProvider(rawValue: "ORACLE"),
                    networkConnectionTypes: [.privateLink, NetworkConnectionType(rawValue: "QUANTUM_TUNNEL")],
                    additionalFields: ["sla": .object(["tier": .string("gold")])]
                )
            )
            let token = try sandbox.api.mintToken(for: sandbox.share(), listing: listing)
            let preview = try await CLITests.cli(
                ["preview", "--token", token.revealed] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(preview.status == 0, "\(preview.stderr)")
            for expected in ["ORACLE", "QUANTUM_TUNNEL", "sla (unrecognized)", "gold"] {
                #expect(preview.stdout.contains(expected), "\(expected): \(preview.stdout)")
            }
            let redeem = try await CLITests.cli(
                ["redeem", "--token", token.revealed, "--aws-account", "123456789012"] + Self.api(sandbox),
                environment: CLITests.environment(sandbox)
            )
            #expect(redeem.status == 3, "\(redeem.stderr)")
            #expect(redeem.stderr.contains("ORACLE") && redeem.stderr.contains("--skip-preview"), "\(redeem.stderr)")
            #expect(sandbox.api.redeemRequestCount == 0)
        }
    }

    @Test("a preview refused with 401 stops like a redeem error (exit 2) without redeeming")
    func previewUnauthorized() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let result = try await CLITests.cli(
                ["redeem", "--token", try sandbox.mintToken().revealed] + Self.api(sandbox),
                environment: ["CONFLUENT_CLOUD_API_KEY": "WRONG", "CONFLUENT_CLOUD_API_SECRET": "WRONGSECRET"]
            )
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains("401"), "\(result.stderr)")
            #expect(sandbox.api.redeemRequestCount == 0)
        }
    }

    /// Redeems a token of the sandbox with `cdx-verify redeem` into `directory`/s.json, and reads it back.
    private static func redeemed(_ sandbox: Sandbox, into directory: String) async throws -> RedeemedShare {
        let redeem = try await CLITests.cli(
            ["redeem", "--token", try sandbox.mintToken().revealed, "--out", directory + "/s.json"] + api(sandbox),
            environment: CLITests.environment(sandbox)
        )
        #expect(redeem.status == 0, "\(redeem.stderr)")
        return try ShareFile.read(directory + "/s.json").share
    }

    @Test("a refused key is explained by the share's status: a typo while ACTIVE, the provider when DEACTIVATED")
    func statusExplainsRefusedKey() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let env = CLITests.environment(sandbox)
            // The registry secret in the file is wrong: schema_registry.auth is refused (401).
            var share = try await Self.redeemed(sandbox, into: directory)
            let id = try #require(share.id)
            share.schemaRegistrySecret = Secret("typo-in-the-secret")
            try ShareFile.write(try share.jsonData(), to: directory + "/typo.json", overwrite: false)
            let arguments = ["verify", "--share", directory + "/typo.json", "--format", "json"] + Self.api(sandbox)

            func authCheck(_ environment: [String: String]) async throws -> CheckResult {
                let result = try await CLITests.cli(arguments, environment: environment)
                #expect(result.status == 1, "\(result.stderr)")
                CLITests.expectNoSecrets([result.stdout, result.stderr], ["typo-in-the-secret"])
                let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
                return try #require(report.checks.first { $0.id == "schema_registry.auth" })
            }
            let active = try await authCheck(env)
            #expect(active.code == "unauthorized")
            #expect(active.details["share_phase"] == "ACTIVE")
            #expect(active.hint?.contains("the provider has not ended it") == true, "\(active.hint ?? "")")

            sandbox.api.setPhase(.deactivated, ofShare: id)
            let deactivated = try await authCheck(env)
            #expect(deactivated.details["share_phase"] == "DEACTIVATED")
            #expect(deactivated.hint?.contains("The provider deactivated this share") == true)

            // Without Cloud API credentials nothing is looked up: the usual hint.
            var bare = env
            bare["CONFLUENT_CLOUD_API_KEY"] = nil
            bare["CONFLUENT_CLOUD_API_SECRET"] = nil
            let unexplained = try await authCheck(bare)
            #expect(unexplained.details["share_phase"] == nil)
        }
    }

    @Test("waiting for a new key stops as soon as the share turns out deactivated")
    func deactivatedShareEndsTheWait() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let env = CLITests.environment(sandbox)
            var share = try await Self.redeemed(sandbox, into: directory)
            sandbox.api.setPhase(.deactivated, ofShare: try #require(share.id))
            share.schemaRegistrySecret = Secret("revoked")
            try ShareFile.write(try share.jsonData(), to: directory + "/revoked.json", overwrite: false)
            let started = ContinuousClock.now
            let result = try await CLITests.cli(
                ["verify", "--share", directory + "/revoked.json", "--wait", "60s", "--format", "json"]
                    + Self.api(sandbox),
                environment: env
            )
            #expect(result.status == 1, "\(result.stderr)")
            // Not a timing assertion: the wait of 60 s was not spent.
            #expect(ContinuousClock.now - started < .seconds(40))
            #expect(result.stdout.contains("The provider deactivated this share"))
        }
    }

    @Test("shares list, describe (with the PrivateLink network), delete needing --force, --include-deleted")
    func sharesLifecycle() async throws {
        try await Sandbox.withSandbox(scenario: .privateLink) { sandbox in
            let token = try sandbox.mintToken()
            let directory = try Fixture.temporaryDirectory()
            let env = CLITests.environment(sandbox)
            let redeem = try await CLITests.cli(
                ["redeem", "--token", token.revealed, "--aws-account", "123456789012", "--out", directory + "/s.json"]
                    + Self.api(sandbox),
                environment: env
            )
            #expect(redeem.status == 0, "\(redeem.stderr)")
            let invited = sandbox.api.addShare(phase: .invited)
            let id = try #require(try ShareFile.read(directory + "/s.json").share.id)

            let list = try await CLITests.cli(["shares", "list"] + Self.api(sandbox), environment: env)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains(id) && list.stdout.contains("ACTIVE"), "\(list.stdout)")
            #expect(list.stdout.contains(invited) && list.stdout.contains("INVITED"), "\(list.stdout)")

            let describe = try await CLITests.cli(["shares", "describe", id] + Self.api(sandbox), environment: env)
            #expect(describe.status == 0, "\(describe.stderr)")
            for expected in [
                "ACTIVE", "com.amazonaws.vpce", "us-east-1.aws.glb.confluent.cloud", "use1-az1", "PRIVATELINK",
            ] {
                #expect(describe.stdout.contains(expected), "\(expected): \(describe.stdout)")
            }
            let json = try await CLITests.cli(
                ["shares", "describe", id, "--format", "json"] + Self.api(sandbox),
                environment: env
            )
            #expect(json.status == 0, "\(json.stderr)")
            #expect(json.stdout.contains("\"private_link_endpoint_service\""), "\(json.stdout)")

            let refused = try await CLITests.cli(["shares", "delete", id] + Self.api(sandbox), environment: env)
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(refused.stderr.contains(id) && refused.stderr.contains("--force"), "\(refused.stderr)")
            #expect(
                try await CLITests.cli(["shares", "list"] + Self.api(sandbox), environment: env).stdout.contains(id)
            )

            let deleted = try await CLITests.cli(
                ["shares", "delete", id, "--force"] + Self.api(sandbox),
                environment: env
            )
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let after = try await CLITests.cli(["shares", "list"] + Self.api(sandbox), environment: env)
            #expect(!after.stdout.contains(id), "\(after.stdout)")
            let all = try await CLITests.cli(
                ["shares", "list", "--include-deleted", "--format", "json"] + Self.api(sandbox),
                environment: env
            )
            let shares = try JSONDecoder().decode([ConsumerShare].self, from: Data(all.stdout.utf8))
            #expect(shares.contains { $0.id == id && $0.metadata?.deletedAt != nil })

            let missing = try await CLITests.cli(["shares", "describe", id] + Self.api(sandbox), environment: env)
            #expect(missing.status == 2, "\(missing.stderr)")
            #expect(missing.stderr.contains("404"), "\(missing.stderr)")

            let share = try ShareFile.read(directory + "/s.json").share
            CLITests.expectNoSecrets(
                [list, describe, json, refused, deleted, after, all, missing].flatMap { [$0.stdout, $0.stderr] },
                [token.revealed, sandbox.cloudCredentials.secret.revealed, share.secret.revealed]
            )
        }
    }
}
