import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// The built `cdx-verify` binary, run as a user runs it, against the sandbox served by this process.
@Suite("cdx-verify command line", .timeLimit(.minutes(2)))
struct CLITests {
    static var binary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "cdx-verify"
            ).path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent()
                .appendingPathComponent(".build/debug/cdx-verify").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// Runs the binary in a fresh directory, without the caller's Cloud credentials unless given.
    static func cli(
        _ arguments: [String],
        stdin: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        env["CONFLUENT_CLOUD_API_KEY"] = nil
        env["CONFLUENT_CLOUD_API_SECRET"] = nil
        // The sandbox is on 127.0.0.1: a proxy of the machine running the tests must not apply.
        for name in [
            "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
        ] {
            env[name] = nil
        }
        env.merge(environment) { $1 }
        return try await run(
            binary,
            arguments,
            stdin: stdin,
            environment: env,
            directory: try Fixture.temporaryDirectory()
        )
    }

    static func environment(_ sandbox: Sandbox) -> [String: String] {
        [
            "CONFLUENT_CLOUD_API_KEY": sandbox.cloudCredentials.key,
            "CONFLUENT_CLOUD_API_SECRET": sandbox.cloudCredentials.secret.revealed,
        ]
    }

    static func expectNoSecrets(
        _ texts: [String],
        _ secrets: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for text in texts {
            for secret in secrets { #expect(!text.contains(secret), "leaked a secret", sourceLocation: sourceLocation) }
        }
    }

    @Test(
        "usage errors exit 64 with one clear line",
        arguments: [
            (["verify"], "--token"),
            (["verify", "--token", "t", "--share", "s.json"], "cannot be used together"),
            (["verify", "--token", "t"], "CONFLUENT_CLOUD_API_KEY"),
            (["verify", "--share", "s.json", "--quiet", "--verbose"], "--quiet and --verbose"),
            (["verify", "--share", "s.json", "--timeout", "soon"], "timeout"),
            (["verify", "--share", "s.json", "--timeout", "inf"], "timeout"),
            (["verify", "--share", "s.json", "--timeout", "1e17"], "timeout"),
            (["verify", "--share", "s.json", "--timeout", "1e300"], "timeout"),
            (["verify", "--share", "s.json", "--timeout", "0.0001"], "timeout"),
            (["verify", "--share", "s.json", "--timeout", "25h"], "timeout"),
            (["watch", "--share", "s.json", "--interval", "0.1ms"], "interval"),
            (["watch", "--share", "s.json", "--interval", "5ms"], "at least 10ms"),
            (["verify", "--share", "s.json", "-X", "sasl.password:TOPSECRETVALUE"], "rest hidden"),
            (["verify", "--share", "s.json", "-X", "novalue"], "key=value"),
            (["redeem"], "--token is required"),
        ]
    )
    func usageErrors(arguments: [String], expected: String) async throws {
        let result = try await Self.cli(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(!result.stderr.contains("TOPSECRETVALUE"))
    }

    @Test(
        "a usage error quotes the argument back with its control characters escaped, never raw",
        arguments: [
            ["watch", "--share", "s.json", "--interval", "\u{1B}]0;pwned\u{07}5s"],
            ["config", "--share", "s.json", "--format", "java\u{1B}[2J"],
            ["verify", "--share", "s.json", "--timeout", "\u{9B}31m5s"],
        ]
    )
    func usageErrorsAreEscaped(arguments: [String]) async throws {
        let result = try await Self.cli(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(!result.stderr.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{9B}" })
        #expect(result.stderr.contains("\\x1B") || result.stderr.contains("\\x9B"), "\(result.stderr)")
    }

    @Test("--help and --version document the exit codes and the librdkafka version")
    func help() async throws {
        let help = try await Self.cli(["--help"])
        #expect(help.status == 0)
        for code in ["0 ", "1 ", "2 ", "3 ", "64"] { #expect(help.stdout.contains("  \(code)")) }
        let version = try await Self.cli(["--version"])
        #expect(version.stdout.contains("librdkafka \(KafkaLibrary.version)"))
        // Durations are shown as a user writes them.
        let verify = try await Self.cli(["verify", "--help"])
        #expect(verify.stdout.contains("else 30s)"), "\(verify.stdout)")
        let watch = try await Self.cli(["watch", "--help"])
        #expect(watch.stdout.contains("(default: 60s)"), "\(watch.stdout)")
        #expect(!(verify.stdout + watch.stdout).contains("DurationArgument"))
    }

    @Test("redeem + verify end to end: JSON report, share file 0600, no secret anywhere, second redeem is a 409")
    func endToEnd() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let token = try sandbox.mintToken()
            let directory = try Fixture.temporaryDirectory()
            let sharePath = directory + "/share.json"
            let reportPath = directory + "/report.json"
            let result = try await Self.cli(
                [
                    "--token", token.revealed, "--api-url", sandbox.apiURL.absoluteString, "--save", sharePath,
                    "--format",
                    "json",
                    "--output", reportPath,
                ],
                environment: Self.environment(sandbox)
            )
            #expect(result.status == 0, "\(result.stderr)")
            let mode = try FileManager.default.attributesOfItem(atPath: sharePath)[.posixPermissions] as! NSNumber
            #expect(mode.intValue == 0o600)
            let saved = try ShareFile.read(sharePath).share
            let reportText = try String(contentsOfFile: reportPath, encoding: .utf8)
            let report = try JSONDecoder().decode(VerificationReport.self, from: Data(reportText.utf8))
            #expect(report.summary.failed == 0)
            #expect(report.checks.first { $0.id == "kafka.topic" }?.status == .pass)
            #expect(report.checks.contains { $0.id == "schema_registry.subject" && $0.status == .pass })
            let secrets = [
                saved.secret.revealed, saved.schemaRegistrySecret!.revealed, token.revealed,
                sandbox.cloudCredentials.secret.revealed,
            ]
            Self.expectNoSecrets([result.stdout, result.stderr, reportText], secrets)

            let again = try await Self.cli(
                [
                    "--token", token.revealed, "--api-url", sandbox.apiURL.absoluteString, "--save",
                    directory + "/again.json",
                ],
                environment: Self.environment(sandbox)
            )
            #expect(again.status == 2)
            #expect(again.stderr.contains("already been redeemed"))
            #expect(again.stderr.split(separator: "\n").count <= 2)
            #expect(!FileManager.default.fileExists(atPath: directory + "/again.json"))
            Self.expectNoSecrets([again.stdout, again.stderr], secrets)
        }
    }

    @Test("--token - reads the token from standard input; a 429 is waited out")
    func tokenFromStdinAndRateLimit() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let token = try sandbox.mintToken()
            sandbox.api.enqueue(.rateLimited(seconds: 1))
            let result = try await Self.cli(
                ["verify", "--token", "-", "--api-url", sandbox.apiURL.absoluteString, "--format", "json", "--quiet"],
                stdin: token.revealed + "\n",
                environment: Self.environment(sandbox)
            )
            #expect(result.status == 0, "\(result.stderr)")
            #expect(sandbox.api.redeemRequestCount == 2)
            let report = try JSONDecoder().decode(VerificationReport.self, from: Data(result.stdout.utf8))
            #expect(report.schemaVersion == 1)
            #expect(result.stderr.isEmpty, "\(result.stderr)")
        }
    }

    @Test("verify --share exits 1 on a faulty share; config shows secrets only with --reveal-secrets")
    func savedShareAndConfig() async throws {
        try await Sandbox.withSandbox(scenario: .faults) { sandbox in
            let share = sandbox.share()
            let directory = try Fixture.temporaryDirectory()
            let path = directory + "/share.json"
            try ShareFile.write(try share.jsonData(), to: path, overwrite: false)
            let verify = try await Self.cli(["verify", "--share", path, "--format", "junit"])
            #expect(verify.status == 1)
            #expect(verify.stdout.hasPrefix("<?xml"))
            #expect(verify.stdout.contains("<failure type=\"unauthorized\""))

            let hidden = try await Self.cli(["config", "--share", path, "--format", "java"])
            #expect(hidden.status == 0)
            #expect(hidden.stdout.contains("sasl.jaas.config") == false)  // PLAINTEXT sandbox: no SASL
            #expect(!hidden.stdout.contains(share.schemaRegistrySecret!.revealed))
            #expect(hidden.stdout.contains("basic.auth.user.info=<redacted>"))
            let revealed = try await Self.cli([
                "config", "--share", path, "--format", "env", "--reveal-secrets", "--output", directory + "/c.env",
            ])
            #expect(revealed.status == 0)
            let written = try String(contentsOfFile: directory + "/c.env", encoding: .utf8)
            #expect(written.contains(share.schemaRegistrySecret!.revealed))
            let mode =
                try FileManager.default.attributesOfItem(atPath: directory + "/c.env")[.posixPermissions] as! NSNumber
            #expect(mode.intValue == 0o600)

            let missing = try await Self.cli(["verify", "--share", directory + "/nope.json"])
            #expect(missing.status == 3)
            #expect(missing.stderr.contains("nope.json"))
            try Data("{\"api_key\": 1}".utf8).write(to: URL(fileURLWithPath: directory + "/bad.json"))
            let bad = try await Self.cli(["verify", "--share", directory + "/bad.json"])
            #expect(bad.status == 3)
            #expect(bad.stderr.contains("api_key"))
            #expect(!bad.stderr.contains("DecodingError"))
        }
    }

    @Test("demo: healthy exits 0, faults exits 1 with every kind of failure and its hint")
    func demo() async throws {
        let healthy = try await Self.cli(["demo", "--no-color"])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        #expect(healthy.stdout.contains("0 failed"))
        let faults = try await Self.cli(["demo", "--scenario", "faults", "--format", "json"])
        #expect(faults.status == 1)
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(faults.stdout.utf8))
        let codes = Set(report.checks.filter { $0.status == .fail }.map { "\($0.id):\($0.code)" })
        #expect(
            codes == [
                "kafka.topic:unauthorized", "kafka.topic:not_found", "kafka.group:unauthorized",
                "schema_registry.subject:forbidden", "schema_registry.subject:subject_not_found",
            ]
        )
        #expect(report.checks.filter { $0.status == .fail }.allSatisfy { $0.hint != nil })
    }

    @Test("sandbox serves until SIGTERM; verify against it from another process works; it then exits 0")
    func sandboxServes() async throws {
        let sandbox = try BackgroundProcess(Self.binary, ["sandbox", "--scenario", "healthy"])
        defer { sandbox.kill() }
        #expect(
            await sandbox.waitFor(timeout: .seconds(30)) { stdout, _ in stdout.contains("Serving until interrupted") }
        )
        let banner = sandbox.stdout.text
        func value(after prefix: String) -> String? {
            banner.split(separator: "\n").first { $0.contains(prefix) }.map {
                String($0[$0.range(of: prefix)!.upperBound...]).trimmingCharacters(in: .whitespaces)
            }
        }
        let apiURL = try #require(value(after: "CDX API"))
        // The export lines and the command, pasted as printed.
        var exported: [String: String] = [:]
        for line in banner.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("export ") {
            let assignment = line.trimmingCharacters(in: .whitespaces).dropFirst("export ".count)
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            exported[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        #expect(exported["CDX_API_URL"] == apiURL)
        #expect(exported["CONFLUENT_CLOUD_API_KEY"] != nil && exported["CONFLUENT_CLOUD_API_SECRET"] != nil)
        let lines = banner.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let intro = try #require(lines.firstIndex { $0.hasPrefix("In another terminal") })
        let command = lines[intro + 1]
        #expect(command.hasPrefix("cdx-verify --token "))
        let result = try await Self.cli(
            command.split(separator: " ").dropFirst().map(String.init) + ["--format", "json"],
            environment: exported
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(await sandbox.terminate(timeout: .seconds(10)) == 0)
    }

    @Test("every scenario file in scenarios/ loads")
    func scenarioFiles() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        #expect(files.count >= 3)
        for file in files {
            let scenario = try Scenario.load(directory.appendingPathComponent(file).path)
            #expect(!scenario.topics.isEmpty, "\(file)")
        }
        #expect(throws: SandboxError.self) { try Scenario.load("no-such-scenario") }
    }

    @Test(
        "every librdkafka export loads into a consumer of the current librdkafka, with and without the new group protocol"
    )
    func exportsLoadIntoCurrentLibrdkafka() async throws {
        let directory = try Fixture.temporaryDirectory()
        let share = directory + "/share.json"
        try ShareFile.write(Data(Fixture.responseJSON.utf8), to: share, overwrite: false)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/tests/load_with_current_librdkafka.py").path
        let python = try #require(which("python3"))
        for extra in [[], ["--group-suffix", "billing"], ["-X", "auto.offset.reset=earliest"]] {
            let exported = directory + "/export-\(extra.count)-\(extra.last ?? "none").properties"
            let config = try await Self.cli(
                ["config", "--share", share, "--format", "librdkafka", "--reveal-secrets", "--output", exported] + extra
            )
            #expect(config.status == 0, "\(config.stderr)")
            let loaded = try await run(python, [script, exported])
            #expect(loaded.status == 0, "confluent-kafka must be installed (scripts/setup): \(loaded.stderr)")
            let result = try JSONSerialization.jsonObject(with: Data(loaded.stdout.utf8)) as? [String: String]
            #expect(result?["classic"] == "ok", "\(loaded.stdout)")
            #expect(result?["consumer_protocol"] == "ok", "\(loaded.stdout)")
            #expect(result?["librdkafka"]?.hasPrefix("2.") == true, "\(loaded.stdout)")
        }
    }

    @Test("redeem-then-verify waits for a new key by default; --wait 0s reports it at once, with the new-key hint")
    func waitsForNewKey() async throws {
        for wait in [nil, "0s"] {
            try await Sandbox.withSandbox(scenario: .newKey) { sandbox in
                let token = try sandbox.mintToken()
                let directory = try Fixture.temporaryDirectory()
                let result = try await Self.cli(
                    [
                        "--token", token.revealed, "--api-url", sandbox.apiURL.absoluteString, "--save",
                        directory + "/s.json",
                    ]
                        + (wait.map { ["--wait", $0] } ?? []),
                    environment: Self.environment(sandbox)
                )
                if wait == nil {
                    #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                    // Not a terminal: the wait is logged as lines on stderr.
                    #expect(result.stderr.contains("waiting for the new key to become active"), "\(result.stderr)")
                } else {
                    #expect(result.status == 1, "\(result.stdout)")
                    #expect(result.stdout.contains("a new API key can take a few minutes"), "\(result.stdout)")
                    #expect(!result.stderr.contains("waiting for"))
                }
            }
        }
    }

    @Test("a closed standard output ends the command quietly (status 141), never with a trap")
    func closedStandardOutput() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let share = directory + "/share.json"
            try ShareFile.write(try sandbox.share().jsonData(), to: share, overwrite: false)
            let binary = Self.binary
            // The reader closes at once; the report is written after it is gone.
            let result = try await run(
                "/bin/sh",
                ["-c", "\"$0\" verify --share \"$1\" --format json 2>err.txt | true; cat err.txt", binary, share],
                directory: directory
            )
            #expect(result.status == 0)
            #expect(!result.stdout.contains("Fatal error"), "\(result.stdout)")
            #expect(!result.stdout.contains("Illegal instruction"), "\(result.stdout)")
            let status = try await run(
                "/bin/bash",
                ["-c", "set -o pipefail; \"$0\" verify --share \"$1\" --format json | true; echo $?", binary, share],
                directory: directory
            )
            let code = status.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(["141", "0"].contains(code), "\(status.stdout) \(status.stderr)")
        }
    }

    @Test("--output never replaces a share: refused before redeeming, and for a saved share or any share file")
    func outputNeverReplacesShare() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let token = try sandbox.mintToken()
            let sharePath = directory + "/x.json"
            let sameFile = try await Self.cli(
                [
                    "--token", token.revealed, "--api-url", sandbox.apiURL.absoluteString, "--save", sharePath,
                    "--output", sharePath, "--format", "json",
                ],
                environment: Self.environment(sandbox)
            )
            #expect(sameFile.status == 64, "\(sameFile.stderr)")
            #expect(sameFile.stderr.contains("is the share file"))
            #expect(sandbox.api.redeemRequestCount == 0)  // the token is not spent

            let saved = directory + "/saved.json"
            try ShareFile.write(try sandbox.share().jsonData(), to: saved, overwrite: false)
            let before = try Data(contentsOf: URL(fileURLWithPath: saved))
            let overSaved = try await Self.cli(["verify", "--share", saved, "--output", saved])
            #expect(overSaved.status == 64, "\(overSaved.stderr)")
            let other = directory + "/other.json"
            try ShareFile.write(try sandbox.share().jsonData(), to: other, overwrite: false)
            let overOther = try await Self.cli(["verify", "--share", saved, "--output", other])
            #expect(overOther.status == 64, "\(overOther.stderr)")
            #expect(overOther.stderr.contains("holds a share"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: saved)) == before)
            #expect((try? ShareFile.read(other)) != nil)
            let report = try await Self.cli(["verify", "--share", saved, "--output", directory + "/report.json"])
            #expect(report.status == 0, "\(report.stderr)")
        }
    }
}

extension CLITests {
    @Test("config --output onto an existing file: refused with exit 64 unless --overwrite, never over a share")
    func configOutputExisting() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let share = directory + "/share.json"
            try ShareFile.write(try sandbox.share().jsonData(), to: share, overwrite: false)
            let existing = directory + "/client.properties"
            try Data("old\n".utf8).write(to: URL(fileURLWithPath: existing))

            let refused = try await Self.cli(["config", "--share", share, "--output", existing])
            #expect(refused.status == 64, "\(refused.stderr)")
            #expect(refused.stderr.contains("--output '\(existing)' already exists"), "\(refused.stderr)")
            #expect(refused.stderr.contains("--overwrite"))
            #expect(try String(contentsOfFile: existing, encoding: .utf8) == "old\n")

            let replaced = try await Self.cli(["config", "--share", share, "--output", existing, "--overwrite"])
            #expect(replaced.status == 0, "\(replaced.stderr)")
            #expect(try String(contentsOfFile: existing, encoding: .utf8).contains("bootstrap.servers="))

            // A share, be it the one read or another, is never replaced, --overwrite or not.
            let other = directory + "/other.json"
            try ShareFile.write(try sandbox.share().jsonData(), to: other, overwrite: false)
            for target in [share, other] {
                let before = try Data(contentsOf: URL(fileURLWithPath: target))
                let overShare = try await Self.cli(["config", "--share", share, "--output", target, "--overwrite"])
                #expect(overShare.status == 64, "\(overShare.stderr)")
                #expect(overShare.stderr.contains("holds a share"), "\(overShare.stderr)")
                #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before)
            }
        }
    }

    @Test("--help: every built-in scenario with its line, examples per subcommand, inputs first, no doubled default")
    func helpGuides() async throws {
        func help(_ arguments: [String]) async throws -> String {
            let result = try await Self.cli(arguments + ["--help"])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            // Lines joined, runs of spaces folded: wrapping does not matter.
            return result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        for command in ["sandbox", "demo"] {
            let text = try await help([command])
            for (name, scenario) in StreamShareSandbox.Scenario.builtIn {
                let line =
                    "\(name) "
                    + (scenario.description ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
                #expect(text.contains(line), "\(command) --help lacks: \(line)")
            }
        }
        let subcommands = [
            ["verify"], ["redeem"], ["preview"], ["shares"], ["config"], ["watch"], ["sandbox"], ["demo"],
        ]
        for command in [[]] + subcommands {
            let text = try await help(command)
            #expect(text.contains("EXAMPLES cdx-verify"), "\(command) --help has no examples")
            #expect(text.firstMatch(of: /\(default: [^)]*\)\.? \(default:/) == nil, "\(command): a doubled default")
        }
        for command in [["verify"]] {
            let text = try await help(command)
            let token = try #require(text.range(of: "--token <token>"))
            let noColor = try #require(text.range(of: "--no-color"))
            #expect(token.lowerBound < noColor.lowerBound, "\(command): inputs come first")
            #expect(text.range(of: "--share <share>").map { $0.lowerBound < noColor.lowerBound } == true)
        }
        #expect(try await help([]).contains("CDX_API_URL --api-url"))
    }

    @Test("a child of the tests dies with the test process: its parent-death signal is SIGKILL")
    func childrenDieWithTheTests() async throws {
        // prctl(PR_GET_PDEATHSIG) in the child itself.
        let script = "import ctypes; v = ctypes.c_int(-1); ctypes.CDLL(None).prctl(2, ctypes.byref(v)); print(v.value)"
        let result = try await run("/usr/bin/env", ["python3", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(SIGKILL)")
    }

    @Test("sandbox --exit-with-parent ends when the process that started it is killed")
    func sandboxExitsWithItsParent() async throws {
        // A shell starts the sandbox in the background (which gets no parent-death signal of its own).
        let shell = try BackgroundProcess(
            "/bin/sh",
            ["-c", #""$0" sandbox --exit-with-parent & echo "sandbox $!"; wait"#, Self.binary]
        )
        defer { shell.kill() }
        #expect(
            await shell.waitFor(timeout: .seconds(30)) { stdout, _ in stdout.contains("Serving until interrupted") }
        )
        let line = try #require(shell.stdout.text.split(separator: "\n").first { $0.hasPrefix("sandbox ") })
        let sandbox = try #require(Int32(line.dropFirst("sandbox ".count)))
        shell.kill()
        func running() -> Bool {
            // A process that ended but was not reaped yet is a zombie (state Z), not running.
            guard let stat = try? String(contentsOfFile: "/proc/\(sandbox)/stat", encoding: .utf8) else { return false }
            return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while running(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!running(), "the sandbox outlived its parent")
        if running() { _ = kill(sandbox, SIGKILL) }
        #expect(shell.stderr.text.contains("--exit-with-parent"), "\(shell.stderr.text)")
    }

    @Test("a child of the tests inherits only its standard input, output and error")
    func childrenInheritNoDescriptors() async throws {
        // Keep a descriptor that is not close-on-exec open in this process while the child starts.
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        let listing = try await run("/bin/ls", ["/proc/self/fd"])
        #expect(listing.status == 0, "\(listing.stderr)")
        // 0, 1, 2 and the directory ls itself reads.
        let descriptors = listing.stdout.split(separator: "\n").compactMap { Int($0) }
        #expect(descriptors.filter { $0 > 3 }.isEmpty, "\(descriptors)")
    }
}
