import AsyncHTTPClient
import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `cdx-verify watch`, run as a user runs it, against the sandbox served by this test process (so
/// the test can change the sandbox while the watch runs). Metrics are read by Prometheus' own
/// Python parser (prometheus_client), not by string matching.
@Suite("cdx-verify watch", .timeLimit(.minutes(3)))
struct WatchTests {
    /// One JSON line of the watch's standard output.
    struct RunLine: Decodable {
        var timestamp: String
        var share: String
        var run: Int
        var summary: VerificationReport.Summary
        var failed: [String]
        var durationMs: Int

        /// When the run completed and when it started.
        var span: (start: Date, end: Date)? {
            guard let end = Fixture.date(timestamp) else { return nil }
            return (end.addingTimeInterval(-Double(durationMs) / 1000), end)
        }
    }

    static func lines(_ stdout: String) -> [RunLine] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return stdout.split(separator: "\n").compactMap { try? decoder.decode(RunLine.self, from: Data($0.utf8)) }
    }

    static func shareFile(_ sandbox: Sandbox) throws -> (path: String, share: RedeemedShare) {
        let share = sandbox.share()
        let path = try Fixture.temporaryDirectory() + "/share.json"
        try ShareFile.write(try share.jsonData(), to: path, overwrite: false)
        return (path, share)
    }

    static func startWatch(_ arguments: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(CLITests.binary, ["watch"] + arguments)
    }

    /// The metrics port the watch printed on stderr.
    static func metricsPort(_ watch: BackgroundProcess) async throws -> Int {
        let marker = "serving metrics on http://127.0.0.1:"
        #expect(await watch.waitFor(timeout: .seconds(30)) { _, stderr in stderr.contains(marker) })
        let stderr = watch.stderr.text
        let rest = try #require(stderr.range(of: marker).map { stderr[$0.upperBound...] })
        return try #require(Int(rest.prefix { $0.isNumber }))
    }

    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClientFactory.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"),
            timeout: .seconds(5)
        )
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Parses the exposition text with prometheus_client's parser: `name{k="v",…}` → value, the
    /// `share` label left out of the key. Every sample must carry a `share` label; with `share`, only
    /// that share's samples are returned.
    static func metrics(_ port: Int, share: String? = nil) async throws -> [String: Double] {
        let (status, text) = try await get(port, "/metrics")
        #expect(status == 200)
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            wanted = sys.argv[1] if len(sys.argv) > 1 else None
            out = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    labels = dict(sample.labels)
                    if "share" not in labels:
                        sys.exit(f"{sample.name} has no share label")
                    if wanted is not None and labels.pop("share") != wanted:
                        continue
                    labels.pop("share", None)
                    text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                    out[f"{sample.name}{{{text}}}"] = sample.value
            print(json.dumps(out))
            """
        let parsed = try await run("/usr/bin/env", ["python3", "-c", script] + (share.map { [$0] } ?? []), stdin: text)
        #expect(parsed.status == 0, "prometheus_client rejected the exposition text: \(parsed.stderr)")
        return try JSONDecoder().decode([String: Double].self, from: Data(parsed.stdout.utf8))
    }

    @Test(
        "with Cloud API credentials, cdx_verify_share_phase shows the share's status: 1 for DEACTIVATED, 0 for the rest"
    )
    func sharePhase() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            var share = sandbox.share()
            share.id = sandbox.api.addShare(phase: .deactivated)
            let path = try Fixture.temporaryDirectory() + "/share.json"
            try ShareFile.write(try share.jsonData(), to: path, overwrite: false)
            let watch = try Self.startWatch([
                "--share", path, "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
                "--api-url", sandbox.apiURL.absoluteString, "--api-key", sandbox.cloudCredentials.key,
                "--api-secret", sandbox.cloudCredentials.secret.revealed,
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in Self.lines(stdout).count >= 2 })
            let metrics = try await Self.metrics(port)
            #expect(
                metrics.filter { $0.key.hasPrefix("cdx_verify_share_phase") } == [
                    #"cdx_verify_share_phase{phase="ACTIVE"}"#: 0, #"cdx_verify_share_phase{phase="DEACTIVATED"}"#: 1,
                    #"cdx_verify_share_phase{phase="EXPIRED"}"#: 0, #"cdx_verify_share_phase{phase="INVITED"}"#: 0,
                ]
            )
            CLITests.expectNoSecrets(
                [watch.stdout.text, watch.stderr.text],
                [sandbox.cloudCredentials.secret.revealed, share.secret.revealed]
            )
        }
    }

    @Test("metrics and /healthz follow the sandbox: healthy, a topic revoked, restored; each change logged once")
    func followsSandbox() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (path, share) = try Self.shareFile(sandbox)
            let watch = try Self.startWatch([
                "--share", path, "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)

            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in Self.lines(stdout).count >= 3 })
            let health = try await Self.get(port, "/healthz")
            #expect(health.status == 200, "\(health.body)")
            #expect(health.body.contains(#""status":"ok""#))
            var metrics = try await Self.metrics(port)
            #expect(metrics[#"cdx_verify_check_passed{check="kafka.topic",resource="orders"}"#] == 1)
            #expect(metrics[#"cdx_verify_check_passed{check="schema_registry.subject",resource="orders-value"}"#] == 1)
            #expect(metrics[#"cdx_verify_check_passed{check="kafka.connect",resource=""}"#] == 1)
            #expect(metrics[#"cdx_verify_check_duration_seconds{check="kafka.group",resource="share-orders-"}"#] != nil)
            #expect(metrics[#"cdx_verify_healthy{}"#] == 1)
            // No Cloud API credentials: no status phase.
            #expect(!metrics.keys.contains { $0.hasPrefix("cdx_verify_share_phase") })
            #expect((metrics[#"cdx_verify_runs_total{outcome="warn"}"#] ?? 0) >= 3)  // the sandbox is PLAINTEXT: warn
            #expect(metrics[#"cdx_verify_runs_total{outcome="fail"}"#] == 0)
            #expect(metrics[#"cdx_verify_checks{status="fail"}"#] == 0)
            let lastRun = try #require(metrics[#"cdx_verify_last_run_timestamp_seconds{}"#])
            #expect(abs(lastRun - Date().timeIntervalSince1970) < 60)
            #expect((metrics[#"cdx_verify_run_duration_seconds_count{}"#] ?? 0) >= 3)
            // Every run: /schemas/types, the listing and one read by id, each answered 200.
            #expect((metrics[#"cdx_verify_registry_requests_total{status="200"}"#] ?? 0) >= 3 * 2)
            #expect(metrics[#"cdx_verify_registry_requests_total{status="429"}"#] == nil)
            #expect(try await Self.get(port, "/readyz").status == 200)
            #expect(try await Self.get(port, "/livez").status == 200)

            // The interval is kept from start to start: no run begins sooner than the interval after the
            // one before. A report's started_at is taken once the run is admitted, which on a loaded
            // machine lags the schedule by a few ms (a run 13 ms late, then one on time, read as 287 ms
            // in one of 10 full runs): hence the slack of 40 ms.
            let spans = Self.lines(watch.stdout.text).compactMap(\.span)
            for (earlier, later) in zip(spans, spans.dropFirst()) {
                #expect(later.start.timeIntervalSince(earlier.start) >= 0.26)
            }

            // The provider revokes the topic.
            sandbox.cluster.setTopicError("orders", .topicAuthorizationFailed)
            #expect(
                await watch.waitFor(timeout: .seconds(60)) { stdout, _ in
                    Self.lines(stdout).suffix(3).allSatisfy { $0.failed == ["kafka.topic[orders]"] }
                        && Self.lines(stdout).filter { $0.failed == ["kafka.topic[orders]"] }.count >= 3
                }
            )
            let unhealthy = try await Self.get(port, "/healthz")
            #expect(unhealthy.status == 503)
            #expect(unhealthy.body.contains("kafka.topic[orders]"))
            #expect(unhealthy.body.contains("unauthorized"))
            // Not ready (the share cannot be consumed), but alive: nothing a restart would fix.
            let notReady = try await Self.get(port, "/readyz")
            #expect(notReady.status == 503)
            #expect(notReady.body.contains("kafka.topic[orders]"))
            #expect(try await Self.get(port, "/livez").status == 200)
            metrics = try await Self.metrics(port)
            #expect(metrics[#"cdx_verify_check_passed{check="kafka.topic",resource="orders"}"#] == 0)
            #expect(metrics[#"cdx_verify_check_passed{check="kafka.topic",resource="payments"}"#] == 1)
            #expect(metrics[#"cdx_verify_healthy{}"#] == 0)
            #expect((metrics[#"cdx_verify_runs_total{outcome="fail"}"#] ?? 0) >= 3)
            #expect(metrics[#"cdx_verify_checks{status="fail"}"#] == 1)

            // …and restores it.
            sandbox.cluster.setTopicError("orders", nil)
            #expect(
                await watch.waitFor(timeout: .seconds(60)) { stdout, _ in
                    Self.lines(stdout).suffix(2).allSatisfy { $0.failed.isEmpty }
                        && Self.lines(stdout).last?.failed.isEmpty == true
                        && Self.lines(stdout).reversed().prefix { $0.failed.isEmpty }.count >= 2
                }
            )
            #expect(try await Self.get(port, "/healthz").status == 200)

            let exit = await watch.terminate(timeout: .seconds(10))
            #expect(exit == 0)
            let stderr = watch.stderr.text
            let logged = stderr.split(separator: "\n")
            #expect(logged.filter { $0.contains("kafka.topic[orders]: pass → fail") }.count == 1, "\(stderr)")
            #expect(logged.filter { $0.contains("kafka.topic[orders]: fail → pass") }.count == 1, "\(stderr)")
            #expect(logged.filter { $0.contains("kafka.topic[payments]") }.isEmpty)
            // The closing line counts the runs made, one JSON line each.
            let runs = Self.lines(watch.stdout.text).count
            #expect(runs >= 8)
            #expect(logged.last?.hasSuffix("stopped after \(runs) run(s)") == true, "\(stderr)")
            CLITests.expectNoSecrets(
                [watch.stdout.text, stderr],
                [share.secret.revealed, share.schemaRegistrySecret?.revealed ?? "-"]
            )
            // The port is released: a new server can listen on it.
            try await LocalHTTPServer.withServer(port: port, handler: { _ in .init(status: 204) }) { _ in }
        }
    }

    @Test("two shares, one failing: both in the metrics and the lines, 503 on /readyz, ?share= for each")
    func twoShares() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { healthy in
            try await Sandbox.withSandbox(scenario: .faults) { faults in
                let (good, goodShare) = try Self.shareFile(healthy)
                let (bad, badShare) = try Self.shareFile(faults)
                let goodName = try #require(goodShare.id)
                let badName = try #require(badShare.id)
                let watch = try Self.startWatch([
                    "--share", good, "--share", bad, "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
                ])
                defer { watch.kill() }
                let port = try await Self.metricsPort(watch)
                #expect(
                    await watch.waitFor(timeout: .seconds(60)) { stdout, _ in
                        let lines = Self.lines(stdout)
                        return lines.filter { $0.share == goodName }.count >= 2
                            && lines.filter { $0.share == badName }.count >= 2
                    }
                )
                let lines = Self.lines(watch.stdout.text)
                #expect(lines.filter { $0.share == goodName }.allSatisfy { $0.failed.isEmpty })
                #expect(lines.filter { $0.share == badName }.allSatisfy { $0.failed.contains("kafka.topic[payments]") })
                // Runs of one share never overlap.
                for name in [goodName, badName] {
                    let spans = lines.filter { $0.share == name }.compactMap(\.span)
                    // Timestamps have millisecond precision: a millisecond of slack (as boundedConcurrency).
                    for (earlier, later) in zip(spans, spans.dropFirst()) {
                        #expect(later.start >= earlier.end.addingTimeInterval(-0.001))
                    }
                }

                let goodMetrics = try await Self.metrics(port, share: goodName)
                let badMetrics = try await Self.metrics(port, share: badName)
                #expect(goodMetrics[#"cdx_verify_healthy{}"#] == 1)
                #expect(badMetrics[#"cdx_verify_healthy{}"#] == 0)
                #expect(goodMetrics[#"cdx_verify_check_passed{check="kafka.topic",resource="orders"}"#] == 1)
                #expect(badMetrics[#"cdx_verify_check_passed{check="kafka.topic",resource="payments"}"#] == 0)
                #expect(badMetrics.keys.contains { $0.hasPrefix("cdx_verify_info{") && $0.contains(badName) })

                let ready = try await Self.get(port, "/readyz")
                #expect(ready.status == 503)
                #expect(ready.body.contains(badName) && ready.body.contains(goodName))
                #expect(try await Self.get(port, "/readyz?share=\(goodName)").status == 200)
                #expect(try await Self.get(port, "/healthz?share=\(badName)").status == 503)
                #expect(try await Self.get(port, "/healthz?share=no-such-share").status == 404)
                #expect(try await Self.get(port, "/livez").status == 200)
                #expect(await watch.terminate(timeout: .seconds(10)) == 0)
            }
        }
    }

    @Test("--max-concurrent-runs 1: runs of three shares never overlap one another")
    func boundedConcurrency() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            // Slow registry answers: each run takes a few hundred milliseconds.
            sandbox.schemaRegistry.setDelay(.milliseconds(150))
            let directory = try Fixture.temporaryDirectory()
            var arguments = ["--interval", "100ms", "--max-concurrent-runs", "1"]
            for index in 1...3 {
                var share = sandbox.share()
                share.id = "dlz-bounded-\(index)"
                try ShareFile.write(try share.jsonData(), to: directory + "/\(index).json", overwrite: false)
                arguments += ["--share", directory + "/\(index).json"]
            }
            let watch = try Self.startWatch(arguments)
            defer { watch.kill() }
            #expect(
                await watch.waitFor(timeout: .seconds(60)) { stdout, _ in
                    Set(Self.lines(stdout).map(\.share)).count == 3 && Self.lines(stdout).count >= 9
                }
            )
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
            let spans = Self.lines(watch.stdout.text).compactMap(\.span).sorted { $0.start < $1.start }
            #expect(spans.count >= 9)
            // Timestamps have millisecond precision: a millisecond of slack.
            for (earlier, later) in zip(spans, spans.dropFirst()) {
                #expect(later.start >= earlier.end.addingTimeInterval(-0.002), "\(earlier) overlaps \(later)")
            }
        }
    }

    @Test("--share-dir: a share file added is watched, one removed is dropped with its series")
    func shareDirectory() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let directory = try Fixture.temporaryDirectory()
            let first = sandbox.share()
            try ShareFile.write(try first.jsonData(), to: directory + "/first.json", overwrite: false)
            // Not a share: skipped, and the watch goes on.
            try "{}".write(toFile: directory + "/notes.json", atomically: true, encoding: .utf8)
            // A --share file outside the directory is watched too, and not taken for a removed one.
            var named = sandbox.share()
            named.id = "dlz-named"
            let namedPath = try Fixture.temporaryDirectory() + "/named.json"
            try ShareFile.write(try named.jsonData(), to: namedPath, overwrite: false)
            let watch = try Self.startWatch([
                "--share-dir", directory, "--share", namedPath, "--interval", "200ms", "--metrics-address",
                "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)
            let firstName = try #require(first.id)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                    Set(Self.lines(stdout).map(\.share)) == [firstName, "dlz-named"]
                }
            )

            // A second share appears (a new file name: no share id clash with the first).
            var second = sandbox.share()
            second.id = "dlz-second"
            try ShareFile.write(try second.jsonData(), to: directory + "/second.json", overwrite: false)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                    Self.lines(stdout).contains { $0.share == "dlz-second" }
                }
            )
            #expect(try await Self.metrics(port, share: "dlz-second")[#"cdx_verify_healthy{}"#] == 1)
            #expect(try await Self.get(port, "/readyz").status == 200)

            // …and is taken away: its series go, the first share goes on.
            try FileManager.default.removeItem(atPath: directory + "/second.json")
            var gone = false
            for _ in 0..<100 where !gone {
                try await Task.sleep(for: .milliseconds(100))
                gone = try await Self.metrics(port, share: "dlz-second").isEmpty
            }
            #expect(gone, "the removed share's series are still served")
            #expect(try await Self.get(port, "/healthz?share=dlz-second").status == 404)
            #expect(try await Self.metrics(port, share: firstName)[#"cdx_verify_healthy{}"#] == 1)
            #expect(try await Self.metrics(port, share: "dlz-named")[#"cdx_verify_healthy{}"#] == 1)
            #expect(!watch.stderr.text.contains("named.json is gone"))
            #expect(watch.stderr.text.contains("notes.json is not a share file"))
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("503 before the first run; a run that outlasts the interval delays the next; SIGTERM mid-run exits 0")
    func slowRuns() async throws {
        try await Sandbox.withSandbox(
            // 500 ms round trips: a run takes several seconds, so /healthz is asked long before the first
            // run ends even on a loaded machine (at 250 ms a run once ended first).
            scenario: Scenario(name: "slow", brokerRTTMs: 500, topics: [.init(name: "orders")])
        ) { sandbox in
            let (path, _) = try Self.shareFile(sandbox)
            let watch = try Self.startWatch([
                "--share", path, "--interval", "200ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)
            // A run costs about eight 500 ms round trips here; the server answers long before it ends.
            let starting = try await Self.get(port, "/healthz")
            #expect(Self.lines(watch.stdout.text).isEmpty)
            #expect(starting.status == 503)
            #expect(starting.body.contains("no run has completed yet"))
            #expect(await watch.waitFor(timeout: .seconds(60)) { stdout, _ in Self.lines(stdout).count >= 3 })
            let runs = Self.lines(watch.stdout.text)
            #expect(runs.map(\.run) == Array(1...runs.count))
            let spans = runs.compactMap(\.span)
            #expect(spans.count == runs.count)
            for (earlier, later) in zip(spans, spans.dropFirst()) {
                #expect(earlier.end.timeIntervalSince(earlier.start) > 0.2)  // each run outlasts the interval …
                #expect(later.start >= earlier.end.addingTimeInterval(-0.005))  // … and the next never overlaps it
            }
            // SIGTERM while a run is in flight (runs here take longer than the interval).
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            let exit = await watch.terminate(timeout: .seconds(10))
            let took = ContinuousClock.now - started
            #expect(exit == 0)
            // The requirement is one second (the graceful shutdown is capped at 800 ms); the margin is for
            // a loaded CI machine. A shutdown that waited for the run would take its 30 s deadline.
            #expect(took < .seconds(2), "stopping took \(took)")
            print("watch: SIGTERM during a run → exit \(exit ?? -1) after \(took)")
        }
    }

    @Test("soak: hundreds of runs keep their connections, without file descriptor or memory growth")
    func soak() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (path, _) = try Self.shareFile(sandbox)
            // A run's deadline child is cancelled when the run ends, so no timer outlives its run; the
            // deadline is generous because a loaded CI machine (a build next to the tests) once took more
            // than 2 s for a run, and a timeout here would say nothing about leaks.
            let watch = try Self.startWatch([
                "--share", path, "--interval", "10ms", "--timeout", "10s", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)
            let pid = watch.pid

            func sample(after runs: Int) async throws -> (fds: Int, rssKiB: Int, sockets: [UInt64: Int]) {
                #expect(await watch.waitFor(timeout: .seconds(120)) { stdout, _ in Self.lines(stdout).count >= runs })
                _ = try await Self.get(port, "/metrics")  // a scrape per sample, like Prometheus
                // Every run opens and closes a client of its own (kafka.connect's new connection), so a
                // single look may catch one in flight: the fewest open over 100 looks (half a second) is
                // the steady count.
                var fds = Int.max
                for _ in 0..<100 {
                    fds = min(fds, try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count)
                    try await Task.sleep(for: .milliseconds(5))
                }
                let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                let rss = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
                    .split(separator: " ").compactMap { Int($0) }.first
                return (fds, try #require(rss), try Self.tcpSockets(pid))
            }
            let warm = try await sample(after: 200)
            let later = try await sample(after: 800)
            print(
                "watch soak: run 200 → \(warm.fds) fds, \(warm.rssKiB) KiB RSS; run 800 → \(later.fds) fds, \(later.rssKiB) KiB RSS"
            )
            // A leak of one descriptor a run would show as hundreds; a few may belong to a scrape in flight.
            #expect(later.fds <= warm.fds + 4, "file descriptors grew from \(warm.fds) to \(later.fds)")
            // Connections kept for 600 runs: the same sockets (inodes) to the Schema Registry and to the
            // broker (the group client's coordinator connection) at both samples.
            let registryPort = try #require(sandbox.schemaRegistryURL.port)
            let brokerPort = try #require(Int(sandbox.bootstrapServers.split(separator: ":").last ?? ""))
            let kept = Set(warm.sockets.keys).intersection(later.sockets.keys)
            #expect(kept.contains { warm.sockets[$0] == registryPort }, "no Schema Registry connection was kept")
            #expect(kept.contains { warm.sockets[$0] == brokerPort }, "no broker connection was kept")
            print(
                "watch soak: kept sockets \(kept.map { warm.sockets[$0] ?? 0 }.sorted()); registry \(registryPort), bootstrap \(sandbox.bootstrapServers)"
            )
            // Every run creates and destroys a client (kafka.connect's new connection): a leak of 1.7 KiB
            // a run would show as 1 MiB here. (A backlog of unawaited 20 ms polls once grew 1 KiB a run.)
            #expect(later.rssKiB - warm.rssKiB < 1024, "RSS grew from \(warm.rssKiB) to \(later.rssKiB) KiB")
            let failedRuns = Self.lines(watch.stdout.text).filter { !$0.failed.isEmpty }.map(\.failed)
            // What the watch logged about a check that turned (its code and message), for a failure here.
            let changes = watch.stderr.text.split(separator: "\n").filter { $0.contains("fail") }.prefix(5)
            #expect(
                failedRuns.isEmpty,
                "\(failedRuns.count) runs failed: \(Set(failedRuns.joined())); \(changes.joined(separator: " | "))"
            )
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    /// The process's TCP sockets: inode → remote port (from /proc/PID/fd and /proc/net/tcp{,6}).
    static func tcpSockets(_ pid: Int32) throws -> [UInt64: Int] {
        var inodes = Set<UInt64>()
        for fd in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
                target.hasPrefix("socket:[")
            else { continue }
            if let inode = UInt64(target.dropFirst("socket:[".count).dropLast()) { inodes.insert(inode) }
        }
        var sockets: [UInt64: Int] = [:]
        for table in ["/proc/\(pid)/net/tcp", "/proc/\(pid)/net/tcp6"] {
            // Read to the end: /proc files have no size, and a single read may return one page only.
            guard let file = FileHandle(forReadingAtPath: table) else { continue }
            let text = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
            try? file.close()
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                guard fields.count > 9, let inode = UInt64(fields[9]), inodes.contains(inode),
                    let port = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }), port != 0
                else { continue }
                sockets[inode] = port
            }
        }
        return sockets
    }

    @Test("the metrics server: 405 and HEAD, and abandoned connections are closed without starving /healthz")
    func metricsServerHardening() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (path, _) = try Self.shareFile(sandbox)
            let watch = try Self.startWatch([
                "--share", path, "--interval", "500ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in Self.lines(stdout).count >= 1 })
            let python = try #require(which("python3"))
            // 100 connections opened and abandoned (half a request line on each), then, after the idle
            // timeout, a real request: it must be answered, and the abandoned ones closed by the server.
            let script = """
                import http.client, json, socket, sys, time
                port = int(sys.argv[1])
                socks = []
                for _ in range(100):
                    s = socket.create_connection(("127.0.0.1", port), timeout=5)
                    s.sendall(b"GET /metr")
                    socks.append(s)
                time.sleep(12)
                closed = 0
                for s in socks:
                    s.settimeout(0.5)
                    try:
                        closed += s.recv(1) == b""
                    except (socket.timeout, OSError):
                        pass
                def ask(method, path):
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    c.request(method, path)
                    r = c.getresponse()
                    return r.status, r.getheader("Allow"), len(r.read())
                health = ask("GET", "/healthz")
                head = ask("HEAD", "/healthz")
                post = ask("POST", "/metrics")
                print(json.dumps({"closed": closed, "health": health[0], "head": [head[0], head[2]],
                                  "post": [post[0], post[1]]}))
                """
            let result = try await run(python, ["-c", script, "\(port)"])
            #expect(result.status == 0, "\(result.stderr)")
            let answer = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            #expect((answer["closed"] as? Int ?? 0) >= 60, "\(result.stdout)")
            #expect([200, 503].contains(answer["health"] as? Int ?? 0), "\(result.stdout)")
            #expect((answer["head"] as? [Int])?.last == 0, "\(result.stdout)")
            #expect((answer["post"] as? [Any])?.first as? Int == 405, "\(result.stdout)")
            #expect((answer["post"] as? [Any])?.last as? String == "GET, HEAD", "\(result.stdout)")
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("a share mounted as a Kubernetes Secret (..data swapped atomically) is reloaded")
    func reloadsKubernetesSecret() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            // The layout kubelet writes: share.json -> ..data/share.json, ..data -> ..<timestamp>.
            let directory = try Fixture.temporaryDirectory()
            let manager = FileManager.default
            func version(_ name: String, _ share: RedeemedShare) throws {
                try manager.createDirectory(atPath: directory + "/" + name, withIntermediateDirectories: false)
                try ShareFile.write(try share.jsonData(), to: directory + "/\(name)/share.json", overwrite: false)
            }
            let share = sandbox.share()
            try version("..2026_12_01_first", share)
            try manager.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..2026_12_01_first")
            try manager.createSymbolicLink(atPath: directory + "/share.json", withDestinationPath: "..data/share.json")
            let watch = try Self.startWatch(["--share", directory + "/share.json", "--interval", "200ms"])
            defer { watch.kill() }
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in Self.lines(stdout).count >= 2 })

            var renewed = share
            renewed.id = "dlz-rotated"
            renewed.resources.append(.subject("ghost-value"))
            try version("..2026_12_01_second", renewed)
            // Swap ..data atomically, as kubelet does: a new link, renamed over the old one.
            try manager.createSymbolicLink(
                atPath: directory + "/..data_tmp",
                withDestinationPath: "..2026_12_01_second"
            )
            #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                    Self.lines(stdout).last?.failed == ["schema_registry.subject[ghost-value]"]
                }
            )
            #expect(watch.stderr.text.contains("now verifying share dlz-rotated"), "\(watch.stderr.text)")
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
        }
    }

    @Test("a share file redeemed again is picked up before the next run; an unusable one is reported once")
    func reloadsShareFile() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (path, share) = try Self.shareFile(sandbox)
            let watch = try Self.startWatch([
                "--share", path, "--interval", "200ms", "--metrics-address", "127.0.0.1:0",
            ])
            defer { watch.kill() }
            let port = try await Self.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in Self.lines(stdout).count >= 2 })

            var renewed = share
            renewed.id = "dlz-renewed"
            renewed.resources.append(.subject("ghost-value"))
            try ShareFile.write(try renewed.jsonData(), to: path, overwrite: true)
            #expect(
                await watch.waitFor(timeout: .seconds(30)) { stdout, _ in
                    Self.lines(stdout).last?.failed == ["schema_registry.subject[ghost-value]"]
                }
            )
            #expect(watch.stderr.text.contains("now verifying share dlz-renewed"))
            let metrics = try await Self.metrics(port)
            #expect(
                metrics.keys.contains { $0.hasPrefix("cdx_verify_info{") && $0.contains(#"share_id="dlz-renewed""#) }
            )
            #expect(!metrics.keys.contains { $0.contains(#"share_id="\#(share.id ?? "")""#) })
            #expect(metrics[#"cdx_verify_check_passed{check="schema_registry.subject",resource="ghost-value"}"#] == 0)

            try ShareFile.write(Data("{\"api_key\": 1}".utf8), to: path, overwrite: true)
            let before = Self.lines(watch.stdout.text).count
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in Self.lines(stdout).count >= before + 3 })
            // Still the last good share.
            #expect(Self.lines(watch.stdout.text).last?.failed == ["schema_registry.subject[ghost-value]"])
            let complaints = watch.stderr.text.split(separator: "\n").filter { $0.contains("cannot be used") }
            #expect(complaints.count == 1, "\(watch.stderr.text)")
            #expect(await watch.terminate(timeout: .seconds(10)) == 0)
            CLITests.expectNoSecrets(
                [watch.stdout.text, watch.stderr.text],
                [share.secret.revealed, share.schemaRegistrySecret?.revealed ?? "-"]
            )
        }
    }

    @Test("usage errors and a metrics port already in use")
    func errors() async throws {
        let missing = try await CLITests.cli(["watch"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--share"))
        let badAddress = try await CLITests.cli(["watch", "--share", "s.json", "--metrics-address", "localhost"])
        #expect(badAddress.status == 64)
        #expect(badAddress.stderr.contains("host:port"))
        let badInterval = try await CLITests.cli(["watch", "--share", "s.json", "--interval", "often"])
        #expect(badInterval.status == 64)
        let noRuns = try await CLITests.cli(["watch", "--share", "s.json", "--max-concurrent-runs", "0"])
        #expect(noRuns.status == 64)
        let noDirectory = try await CLITests.cli(["watch", "--share-dir", "/nonexistent/cdx-shares"])
        #expect(noDirectory.status == 3)
        #expect(noDirectory.stderr.contains("not a directory"))

        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let (path, _) = try Self.shareFile(sandbox)
            try await LocalHTTPServer.withServer(handler: { _ in .init(status: 204) }) { occupied in
                let busy = try await CLITests.cli([
                    "watch", "--share", path, "--metrics-address", "127.0.0.1:\(occupied.port)",
                ])
                #expect(busy.status == 3)
                #expect(busy.stderr.contains("cannot serve metrics on 127.0.0.1:\(occupied.port)"), "\(busy.stderr)")
            }
        }
    }
}
