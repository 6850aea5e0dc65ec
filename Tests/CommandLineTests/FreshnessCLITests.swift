import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `--max-staleness` and `--max-lag` on the command line: usage errors, the demo's scenarios, and the
/// watch's metrics read by prometheus_client.
@Suite("cdx-verify freshness and lag", .timeLimit(.minutes(3)))
struct FreshnessCLITests {
    @Test(
        "a non-positive or absurd --max-staleness or --max-lag is a usage error (64)",
        arguments: [
            (["--max-staleness", "0s"], "--max-staleness"),
            (["--max-staleness", "-5m"], "--max-staleness"),
            (["--max-staleness", "366d"], "--max-staleness"),
            (["--max-staleness", "soon"], "--max-staleness"),
            (["--max-lag", "0"], "--max-lag"),
            (["--max-lag", "-3"], "--max-lag"),
            (["--max-lag", "1e9"], "--max-lag"),
            (["--max-lag", "2000000000000000000"], "--max-lag"),
        ]
    )
    func usageErrors(flags: [String], expected: String) async throws {
        for command in [["verify", "--share", "s.json"], ["watch", "--share", "s.json"], ["demo"]] {
            let result = try await CLITests.cli(command + flags)
            #expect(result.status == 64, "\(command) \(flags): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
        }
    }

    @Test("CDX_VERIFY_MAX_STALENESS and CDX_VERIFY_MAX_LAG stand in for the flags; a flag wins; a bad value is 64")
    func environmentDefaults() async throws {
        let lagging = try await CLITests.cli(
            ["demo", "--scenario", "lagging"],
            environment: ["CDX_VERIFY_MAX_LAG": "1000", "CDX_VERIFY_MAX_STALENESS": "2h"]
        )
        #expect(lagging.status == 0, "\(lagging.stdout)")
        let flagWins = try await CLITests.cli(
            ["demo", "--scenario", "lagging", "--max-lag", "5"],
            environment: ["CDX_VERIFY_MAX_LAG": "1000"]
        )
        #expect(flagWins.status == 1)
        for (name, value) in [("CDX_VERIFY_MAX_LAG", "0"), ("CDX_VERIFY_MAX_STALENESS", "soon")] {
            let bad = try await CLITests.cli(["verify", "--share", "s.json"], environment: [name: value])
            #expect(bad.status == 64, "\(bad.stderr)")
            #expect(bad.stderr.contains(name), "\(bad.stderr)")
        }
    }

    @Test("the demo checks freshness and lag: healthy passes, stale and lagging fail with their figures")
    func demoScenarios() async throws {
        let healthy = try await CLITests.cli(["demo", "--format", "json"])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(healthy.stdout.utf8))
        #expect(verdicts(report)["kafka.topic.freshness[orders]"] == "pass:fresh")
        #expect(verdicts(report)["kafka.group.lag[share-orders-]"] == "pass:within_limit")

        let stale = try await CLITests.cli(["demo", "--scenario", "stale"])
        #expect(stale.status == 1, "\(stale.stderr)")
        #expect(stale.stdout.contains("newest record of 'orders' is 3 h old"), "\(stale.stdout)")

        let lagging = try await CLITests.cli(["demo", "--scenario", "lagging", "--format", "json"])
        #expect(lagging.status == 1, "\(lagging.stderr)")
        let behind = try JSONDecoder().decode(VerificationReport.self, from: Data(lagging.stdout.utf8))
        let lag = try #require(behind.checks.first { $0.id == .kafkaGroupLag })
        #expect(lag.code == "lag")
        #expect(lag.figures["lag"] == 231)
        #expect((lag.figures["lag_seconds"] ?? 0) >= 7200)
        // A limit above the backlog passes.
        let allowed = try await CLITests.cli(["demo", "--scenario", "lagging", "--max-lag", "1000"])
        #expect(allowed.status == 0, "\(allowed.stdout)")
    }

    @Test("the watch's /metrics shows the newest record's age, the high watermarks and the lag, by share")
    func watchMetrics() async throws {
        try await Sandbox.withSandbox(scenario: .lagging) { sandbox in
            let (path, _) = try WatchTests.shareFile(sandbox)
            let watch = try WatchTests.startWatch([
                "--share", path, "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
                "--max-staleness", "1h", "--max-lag", "100",
            ])
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in WatchTests.lines(stdout).count >= 2 })
            let metrics = try await WatchTests.metrics(port)
            let age = try #require(metrics[#"cdx_verify_topic_last_record_age_seconds{topic="orders"}"#])
            #expect(age >= 0 && age < 120, "\(age)")
            #expect(metrics[#"cdx_verify_partition_high_watermark{partition="0",topic="orders"}"#] == 251)
            #expect(metrics[#"cdx_verify_partition_high_watermark{partition="1",topic="orders"}"#] == 0)
            #expect(
                metrics[#"cdx_verify_group_lag{group="share-orders-consumer",partition="0",topic="orders"}"#] == 231
            )
            let behind = try #require(
                metrics[#"cdx_verify_group_lag_seconds{group="share-orders-consumer",topic="orders"}"#]
            )
            #expect(behind >= 7200)
            #expect(metrics[#"cdx_verify_check_passed{check="kafka.group.lag",resource="share-orders-"}"#] == 0)
            #expect(metrics[#"cdx_verify_check_passed{check="kafka.topic.freshness",resource="orders"}"#] == 1)
            #expect(try await WatchTests.get(port, "/healthz").status == 503)
        }
    }

    @Test("--no-partition-metrics sums per topic, without a partition label")
    func aggregated() async throws {
        try await Sandbox.withSandbox(scenario: .lagging) { sandbox in
            let (path, _) = try WatchTests.shareFile(sandbox)
            let watch = try WatchTests.startWatch([
                "--share", path, "--interval", "300ms", "--metrics-address", "127.0.0.1:0",
                "--max-lag", "1000", "--no-partition-metrics",
            ])
            defer { watch.kill() }
            let port = try await WatchTests.metricsPort(watch)
            #expect(await watch.waitFor(timeout: .seconds(30)) { stdout, _ in WatchTests.lines(stdout).count >= 2 })
            let metrics = try await WatchTests.metrics(port)
            #expect(metrics[#"cdx_verify_partition_high_watermark{topic="orders"}"#] == 251)
            #expect(metrics[#"cdx_verify_group_lag{group="share-orders-consumer",topic="orders"}"#] == 231)
            #expect(!metrics.keys.contains { $0.contains("partition=") })
            // No --max-staleness: no age series.
            #expect(!metrics.keys.contains { $0.hasPrefix("cdx_verify_topic_last_record_age_seconds") })
            #expect(try await WatchTests.get(port, "/healthz").status == 200)
        }
    }
}
