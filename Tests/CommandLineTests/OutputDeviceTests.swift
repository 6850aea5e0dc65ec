import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `--output` onto what is not a regular file (a FIFO, `/dev/null`, `/dev/stdout`) writes to it and
/// never replaces it; a report file is created with mode 0600.
@Suite("--output onto devices, FIFOs and new files", .timeLimit(.minutes(2)))
struct OutputDeviceTests {
    /// The environment of the command, without the machine's proxies (the sandbox is on 127.0.0.1).
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            environment[name] = nil
        }
        environment["CONFLUENT_CLOUD_API_KEY"] = nil
        environment["CONFLUENT_CLOUD_API_SECRET"] = nil
        return environment
    }

    /// A saved share of the sandbox, in a new directory.
    static func savedShare(_ sandbox: Sandbox) throws -> (directory: String, share: String) {
        let directory = try Fixture.temporaryDirectory()
        try ShareFile.write(try sandbox.share().jsonData(), to: directory + "/share.json", overwrite: false)
        return (directory, directory + "/share.json")
    }

    @Test("--output onto a FIFO writes through it: the FIFO stays, its reader gets the report")
    func fifo() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (directory, share) = try Self.savedShare(sandbox)
            let fifo = directory + "/report.fifo"
            try #require(mkfifo(fifo, 0o600) == 0)
            // Both bounded: a command that never opens the FIFO for writing leaves its reader waiting.
            async let reader = run("/usr/bin/timeout", ["30", "/bin/cat", fifo])
            let result = try await run(
                "/usr/bin/timeout",
                ["30", CLITests.binary, "verify", "--share", share, "--format", "json", "--output", fifo],
                environment: Self.environment,
                directory: directory
            )
            #expect(result.status == 0, "\(result.stderr)")
            let read = try await reader
            #expect(read.stdout.contains(#""schema_version""#), "\(read.status) \(read.stderr)")
            var info = stat()
            #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")
        }
    }

    @Test("a new report file has mode 0600, and replacing a report keeps it a regular 0600 file")
    func newFileMode() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (directory, share) = try Self.savedShare(sandbox)
            let report = directory + "/report.json"
            for _ in 0..<2 {
                let result = try await CLITests.cli([
                    "verify", "--share", share, "--format", "json", "--output", report,
                ])
                #expect(result.status == 0, "\(result.stderr)")
                var info = stat()
                #expect(lstat(report, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
                #expect(info.st_mode & 0o777 == 0o600, "mode \(String(info.st_mode & 0o777, radix: 8))")
            }
            #expect(try String(contentsOfFile: report, encoding: .utf8).contains(#""schema_version""#))
        }
    }

    @Test(
        "--output /dev/null and /dev/stdout as root, in a private mount namespace: neither is replaced",
        .enabled(
            if: geteuid() == 0 && which("unshare") != nil,
            "needs root and unshare(1) for a private /dev (never the machine's own)"
        )
    )
    func devicesAsRoot() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (directory, share) = try Self.savedShare(sandbox)
            // A tmpfs on /dev inside a private mount namespace, with a null device and /dev/stdout as
            // Linux has them; the machine's /dev is never touched.
            let script = """
                set -u
                mount -t tmpfs tmpfs /dev || exit 90
                mknod -m 666 /dev/null c 1 3 && mknod -m 444 /dev/urandom c 1 9 || exit 91
                ln -s /proc/self/fd /dev/fd && ln -s /proc/self/fd/1 /dev/stdout || exit 92
                timeout 30 "$0" verify --share "$1" --format json --output /dev/null
                echo "null-status=$?"
                echo "null-type=$(stat -c %F /dev/null)"
                timeout 30 "$0" verify --share "$1" --format json --output /dev/stdout > "$2"
                echo "stdout-status=$?"
                echo "stdout-type=$(stat -c %F /dev/stdout)"
                """
            let result = try await run(
                which("unshare")!,
                [
                    "-m", "--propagation", "private", "/bin/sh", "-c", script, CLITests.binary, share,
                    directory + "/out",
                ],
                environment: Self.environment,
                directory: directory
            )
            #expect(result.stdout.contains("null-status=0"), "\(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("null-type=character special file"), "\(result.stdout)")
            #expect(result.stdout.contains("stdout-status=0"), "\(result.stdout) \(result.stderr)")
            #expect(result.stdout.contains("stdout-type=symbolic link"), "\(result.stdout)")
            let written = (try? String(contentsOfFile: directory + "/out", encoding: .utf8)) ?? ""
            #expect(written.contains(#""schema_version""#))
        }
    }
}
