import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `cdx-verify watch` over a fleet of shares: identity of share files, listings that fail, shards
/// across replicas, and a process short of descriptors, against the sandbox served by this process.
@Suite("cdx-verify watch: fleets", .serialized, .timeLimit(.minutes(6)))
struct FleetTests {
    /// Writes `count` share files (ids `dlz-fleet-N`) into a new directory.
    static func fleet(_ sandbox: Sandbox, count: Int, prefix: String = "dlz-fleet") throws -> String {
        let directory = try Fixture.temporaryDirectory()
        for index in 1...count {
            var share = sandbox.share()
            share.id = "\(prefix)-\(index)"
            try ShareFile.write(try share.jsonData(), to: directory + "/\(index).json", overwrite: false)
        }
        return directory
    }

    /// The share labels /healthz lists.
    static func healthShares(_ port: Int) async throws -> Set<String> {
        let (_, body) = try await WatchTests.get(port, "/healthz")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let shares = try #require(object["shares"] as? [[String: Any]])
        return Set(shares.compactMap { $0["share"] as? String })
    }

    /// Starts a watch of `directory` and waits until each of its `count` shares has a run line. The
    /// caller kills the watch.
    static func watchAllRunning(
        _ directory: String,
        count: Int,
        interval: String = "300ms"
    ) async throws -> (watch: BackgroundProcess, port: Int) {
        let watch = try WatchTests.startWatch([
            "--share-dir", directory, "--interval", interval, "--metrics-address", "127.0.0.1:0",
        ])
        let port = try await WatchTests.metricsPort(watch)
        #expect(
            await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                Set(WatchTests.lines(stdout).map(\.share)).count == count
            }
        )
        return (watch, port)
    }

    /// Starts a watch of `directory` under a hard limit of 160 descriptors, every 2 s, 8 runs at once,
    /// with a metrics port. The caller kills the watch.
    static func watchUnderALowLimit(_ directory: String) throws -> BackgroundProcess {
        try BackgroundProcess(
            "/bin/bash",
            [
                "-c",
                #"ulimit -n 160 && exec "$0" watch --share-dir "$1" --interval 2s --timeout 30s --max-concurrent-runs 8 "#
                    + #"--metrics-address 127.0.0.1:0"#,
                CLITests.binary, directory,
            ]
        )
    }

    @Test("one file under two spellings and a link is one share; a second file with the same id is refused")
    func identity() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Self.fleet(sandbox, count: 1)
            try FileManager.default.createSymbolicLink(atPath: directory + "/link.json", withDestinationPath: "1.json")
            let watch = try WatchTests.startWatch([
                "--share", directory + "/1.json", "--share", directory + "/./1.json", "--share",
                directory + "/link.json",
                "--share-dir", directory, "--interval", "200ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in WatchTests.lines(stdout).count >= 3 })
            #expect(try await Self.healthShares(port) == ["dlz-fleet-1"])
            #expect(Set(WatchTests.lines(watch.stdout.text).map(\.share)) == ["dlz-fleet-1"])
            #expect(watch.stderr.text.contains("watched once"))
            let status = await watch.terminate(timeout: .seconds(10))
            #expect(status == 0)
            // The closing line counts the runs made.
            let runs = WatchTests.lines(watch.stdout.text).count
            let closing = try #require(watch.stderr.text.split(separator: "\n").last { $0.contains("stopped after") })
            let counted = try #require(Int(closing.split(separator: " ").first { Int($0) != nil } ?? ""))
            #expect(counted >= runs)
            #expect(counted > 0)

            // A copy of the file holds the same share id: refused, naming both files.
            try FileManager.default.copyItem(atPath: directory + "/1.json", toPath: directory + "/copy.json")
            let refused = try await run(
                CLITests.binary,
                ["watch", "--share", directory + "/1.json", "--share", directory + "/copy.json"]
            )
            #expect(refused.status == 3)
            #expect(refused.stderr.contains("copy.json") && refused.stderr.contains("1.json"))
            #expect(refused.stderr.contains("dlz-fleet-1"))
        }
    }

    @Test("a listing of --share-dir that fails keeps every share; the directory back, nothing was dropped")
    func failedListing() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Self.fleet(sandbox, count: 3)
            let (watch, port) = try await Self.watchAllRunning(directory, count: 3, interval: "200ms")
            defer { watch.kill() }
            // The path stops being a listable directory for a while (ENOTDIR).
            try FileManager.default.moveItem(atPath: directory, toPath: directory + ".away")
            try "not a directory".write(toFile: directory, atomically: false, encoding: .utf8)
            try await Task.sleep(for: .seconds(6))
            #expect(try await Self.healthShares(port).count == 3, "a failed listing dropped shares")
            #expect(!watch.stderr.text.contains("is gone"))
            #expect(watch.stderr.text.contains("cannot list"))
            try FileManager.default.removeItem(atPath: directory)
            try FileManager.default.moveItem(atPath: directory + ".away", toPath: directory)
            try await Task.sleep(for: .seconds(6))
            #expect(try await Self.healthShares(port).count == 3)
            #expect(!watch.stderr.text.contains("is gone"))
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("a --share-dir file rewritten in place (a new inode) stays one share with its series, reloaded")
    func rewrittenFileKeepsItsSeries() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Self.fleet(sandbox, count: 2)
            let (watch, port) = try await Self.watchAllRunning(directory, count: 2)
            defer { watch.kill() }
            // Redeemed again into the same file: written to a temporary file and renamed over it.
            var again = sandbox.share()
            again.id = "dlz-fleet-1"
            try ShareFile.write(try again.jsonData(), to: directory + "/1.json", overwrite: true)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { _, stderr in
                    stderr.contains("the share file \(directory)/1.json changed")
                }
            )
            try await Task.sleep(for: .seconds(7))  // past a scan of the directory (every 5 s at most)
            let metrics = try await WatchTests.metrics(port, share: "dlz-fleet-1")
            #expect(metrics[#"cdx_verify_healthy{}"#] == 1, "the rewritten share's series are gone")
            #expect(metrics.keys.contains { $0.hasPrefix("cdx_verify_runs_total") })
            #expect(!watch.stderr.text.contains("is gone"))
            #expect(try await Self.healthShares(port) == ["dlz-fleet-1", "dlz-fleet-2"])
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("--shard K/N and CDX_VERIFY_SHARD: three replicas watch disjoint parts of the fleet that make it whole")
    func shards() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Self.fleet(sandbox, count: 12)
            let all = Set((1...12).map { "dlz-fleet-\($0)" })
            var replicas: [(watch: BackgroundProcess, port: Int)] = []
            defer { for replica in replicas { replica.watch.kill() } }
            for index in 1...3 {
                let common = ["--share-dir", directory, "--interval", "500ms", "--metrics-address", "127.0.0.1:0"]
                let watch =
                    index == 3
                    ? try BackgroundProcess(
                        "/usr/bin/env",
                        ["CDX_VERIFY_SHARD=3/3", CLITests.binary, "watch"] + common
                    )
                    : try WatchTests.startWatch(common + ["--shard", "\(index)/3"])
                replicas.append((watch, try await WatchTests.metricsPort(watch)))
            }
            var owned: [Set<String>] = []
            for replica in replicas {
                let expected = all.filter { try! Shard(parsing: "\(owned.count + 1)/3").contains(shareID: $0) }
                #expect(
                    await replica.watch.waitFor(timeout: .seconds(60)) { stdout, _ in
                        Set(WatchTests.lines(stdout).map(\.share)) == expected
                    }
                )
                owned.append(try await Self.healthShares(replica.port))
            }
            #expect(owned.reduce(Set<String>()) { $0.union($1) } == all)
            #expect(owned[0].isDisjoint(with: owned[1]) && owned[1].isDisjoint(with: owned[2]))
            #expect(owned[0].isDisjoint(with: owned[2]))
            for replica in replicas { #expect(await replica.watch.terminate(timeout: .seconds(10)) == 0) }

            let bad = try await run(CLITests.binary, ["watch", "--share-dir", directory, "--shard", "4/3"])
            #expect(bad.status == 64)
            #expect(bad.stderr.contains("--shard"))
        }
    }

    @Test(
        "60 shares, 8 runs at once, 3 brokers, under a hard limit of 160 descriptors: no crash, no share dropped, no verdict about the provider"
    )
    func descriptorExhaustion() async throws {
        // Eight runs that start together each find room for one run; together they need more than the
        // limit leaves (before runs were admitted one reservation at a time: all_brokers_down verdicts).
        var scenario = Scenario.healthy
        scenario.brokers = 3
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let directory = try Self.fleet(sandbox, count: 60)
            let watch = try Self.watchUnderALowLimit(directory)
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            // Every share gets runs, within the limit.
            #expect(
                await watch.waitFor(timeout: .seconds(150)) { stdout, _ in
                    Set(WatchTests.lines(stdout).map(\.share)).count == 60
                }
            )
            #expect(try await Self.healthShares(port).count == 60)
            let lines = WatchTests.lines(watch.stdout.text)
            let failed = lines.flatMap(\.failed)
            #expect(failed.isEmpty, "verdicts while short of descriptors: \(Set(failed).sorted().prefix(10))")
            #expect(!watch.stderr.text.contains("is gone"))
            #expect(!watch.stderr.text.contains("Signal"))
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    /// Opens `count` connections to the port (without waiting for them to be accepted) and holds them
    /// for `seconds`, meanwhile asking GET /metrics back to back on a connection opened before them
    /// (work for the watch while it is short), and GET /livez on a new connection every 5 s. Prints
    /// the /livez statuses (or why there was none), one a line.
    static let holdScript = """
        import http.client, socket, sys, threading, time
        port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
        end = time.time() + seconds
        busy = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        busy.connect()
        def scrape():
            while time.time() < end:
                try:
                    busy.request("GET", "/metrics")
                    busy.getresponse().read()
                except Exception:
                    time.sleep(0.1)
        threading.Thread(target=scrape, daemon=True).start()
        held = []
        for _ in range(count):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            held.append(s)
        while time.time() < end:
            time.sleep(5)
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/livez")
                print(c.getresponse().status, flush=True)
                c.close()
            except Exception as error:
                print(repr(error), flush=True)
        """

    @Test(
        "a client holding 250 metrics connections under a hard limit of 160 descriptors: no trap, the watch answers and runs on, no verdict"
    )
    func heldConnectionsUnderALowLimit() async throws {
        // Before, the connections took every descriptor, and libdispatch's worker-pool monitor, which
        // opens /proc/<tid>/stat once a second while work is queued, trapped: Signal 4 (in 2 of 3 rounds).
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Self.fleet(sandbox, count: 60)
            let watch = try Self.watchUnderALowLimit(directory)
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(60)) { stdout, _ in WatchTests.lines(stdout).count >= 20 })
            let python = try #require(which("python3"))
            let held = try await run(python, ["-c", Self.holdScript, "\(port)", "250", "30"])
            #expect(held.status == 0, "\(held.stderr)")
            let before = WatchTests.lines(watch.stdout.text).count
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in WatchTests.lines(stdout).count >= before + 20
                },
                "runs stopped after the connections were held"
            )
            #expect(try await WatchTests.get(port, "/livez").status == 200)
            let failed = WatchTests.lines(watch.stdout.text).flatMap(\.failed)
            #expect(failed.isEmpty, "verdicts while short of descriptors: \(Set(failed).sorted().prefix(10))")
            #expect(!watch.stderr.text.contains("Signal"))
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("300 shares: the watch's threads stay under 250 (clients follow the runs, not the shares)")
    func threadsBoundedByConcurrency() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Self.fleet(sandbox, count: 300)
            let watch = try WatchTests.startWatch(["--share-dir", directory, "--interval", "10s", "--timeout", "30s"])
            defer { watch.kill() }
            var most = 0
            let deadline = ContinuousClock.now + .seconds(150)
            while ContinuousClock.now < deadline, Set(WatchTests.lines(watch.stdout.text).map(\.share)).count < 300 {
                most = max(most, Self.threads(watch.pid) ?? 0)
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(Set(WatchTests.lines(watch.stdout.text).map(\.share)).count == 300)
            #expect(most > 0)
            #expect(most < 250, "\(most) threads for 300 shares")
            #expect(WatchTests.lines(watch.stdout.text).allSatisfy { $0.failed.isEmpty })
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    /// `Threads:` of /proc/PID/status.
    static func threads(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.split(separator: "\n").first { $0.hasPrefix("Threads:") }
            .flatMap { Int($0.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces)) }
    }
}
