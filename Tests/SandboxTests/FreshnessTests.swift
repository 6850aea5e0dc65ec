import Foundation
import RdKafka
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// `kafka.topic.freshness` and `kafka.group.lag` against librdkafka's mock cluster, with records
/// produced at known CreateTimes and offsets committed for the consumers' group.
@Suite("Freshness and lag", .timeLimit(.minutes(2)))
struct FreshnessTests {
    /// `orders`: 4 partitions, the newest record (partition 2) 30 s old, an older one (partition 1)
    /// 2 h old; `empty`: no record; `future`: a record 10 min in the future (a producer's fast clock);
    /// `busy`: 10 records in partition 0, which the group committed up to offset 4 (a lag of 6).
    static let scenario = Scenario(
        name: "freshness",
        topics: [
            Scenario.Topic(
                name: "orders",
                records: [
                    .init(value: "old", partition: 1, ageSeconds: 7200),
                    .init(value: "new", partition: 2, ageSeconds: 30),
                ]
            ),
            Scenario.Topic(name: "empty", partitions: 3),
            Scenario.Topic(name: "future", records: [.init(value: "ahead", ageSeconds: -600)]),
            Scenario.Topic(
                name: "busy",
                records: [
                    .init(value: "read", ageSeconds: 600, count: 4), .init(value: "unread", ageSeconds: 300, count: 6),
                ]
            ),
        ],
        groups: [Scenario.Group(prefix: "team-", committed: [.init(topic: "busy", offset: 4)])]
    )

    static func verify(
        maxStaleness: Duration? = nil,
        maxLag: Int64? = nil,
        scenario: Scenario = Self.scenario
    ) async throws -> VerificationReport {
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            try await ShareVerifier(
                options: .init(deadline: .seconds(30), kafka: .init(maxStaleness: maxStaleness, maxLag: maxLag))
            ).verify(sandbox.share())
        }
    }

    static func check(_ report: VerificationReport, _ key: String) throws -> CheckResult {
        try #require(report.checks.first { $0.qualifiedID == key }, "no \(key) in \(verdicts(report))")
    }

    @Test(
        "fresh passes with the age and the newest partition; an empty topic passes no_records; a future record is age 0"
    )
    func fresh() async throws {
        let report = try await Self.verify(maxStaleness: .seconds(3600))
        let verdicts = verdicts(report)
        #expect(verdicts["kafka.topic.freshness[orders]"] == "pass:fresh")
        #expect(verdicts["kafka.topic.freshness[empty]"] == "pass:no_records")
        #expect(verdicts["kafka.topic.freshness[future]"] == "pass:fresh")
        #expect(verdicts["kafka.topic.freshness[busy]"] == "pass:fresh")
        // No lag asked for: none measured.
        #expect(!verdicts.keys.contains { $0.hasPrefix("kafka.group.lag") })
        #expect(report.consumerLag == nil)

        let orders = try Self.check(report, "kafka.topic.freshness[orders]")
        let age = try #require(orders.figures["last_record_age_seconds"])
        #expect(age >= 30 && age < 30 + 60, "\(age)")
        #expect(orders.details["newest_partition"] == "2")
        #expect(orders.details["timestamp_type"] == "CreateTime")
        #expect(orders.message.contains("partition 2"))
        #expect(orders.message.contains(" s ago"))

        let future = try Self.check(report, "kafka.topic.freshness[future]")
        #expect(future.figures["last_record_age_seconds"] == 0)
        #expect(future.details["future_timestamp"]?.contains("ahead of this clock") == true)

        // Every partition of every topic was read: its high watermark and latest record's timestamp.
        let partitions = try #require(report.partitions)
        #expect(partitions.filter { $0.topic == "orders" }.map(\.partition).sorted() == [0, 1, 2, 3])
        #expect(partitions.filter { $0.topic == "empty" }.count == 3)
        let busy = try #require(partitions.first { $0.topic == "busy" && $0.partition == 0 })
        #expect(busy.highWatermark == 10)
        #expect(busy.timestampType == "CreateTime")
        let newest = try #require(partitions.first { $0.topic == "orders" && $0.partition == 2 })
        let expected = Date().timeIntervalSince1970 * 1000 - 30_000
        #expect(abs(Double(newest.latestRecordTimestampMs ?? 0) - expected) < 60_000)
    }

    @Test("a topic whose newest record is older than --max-staleness fails stale, in human units")
    func stale() async throws {
        let report = try await Self.verify(maxStaleness: .seconds(10))
        let orders = try Self.check(report, "kafka.topic.freshness[orders]")
        #expect(orders.status == .fail)
        #expect(orders.code == "stale")
        #expect(orders.message.contains("the provider may have stopped writing"))
        #expect(orders.hint?.contains("--max-staleness") == true)
        #expect(verdicts(report)["kafka.topic.freshness[empty]"] == "pass:no_records")
        #expect(report.summary.status == .fail)
    }

    @Test("a lag of 6 fails --max-lag 3 and passes --max-lag 10, read-only; partitions without a commit are no_commit")
    func lag() async throws {
        let failing = try await Self.verify(maxLag: 3)
        let lag = try Self.check(failing, "kafka.group.lag[team-]")
        #expect(lag.status == .fail)
        #expect(lag.code == "lag")
        #expect(lag.figures["lag"] == 6)
        #expect(lag.figures["max_partition_lag"] == 6)
        #expect(lag.details["worst_partition"] == "busy/0")
        #expect(lag.details["group_id"] == "team-consumer")
        #expect(lag.message.contains("6 record(s) behind"))
        // The record at the committed offset was written 300 s ago: that is how far behind in time.
        let seconds = try #require(lag.figures["lag_seconds"])
        #expect(seconds >= 300 && seconds < 360, "\(seconds)")
        // The freshness check was not asked for.
        #expect(!verdicts(failing).keys.contains { $0.hasPrefix("kafka.topic.freshness") })

        let rows = try #require(failing.consumerLag)
        let busy = try #require(rows.first { $0.topic == "busy" && $0.partition == 0 })
        #expect(busy.committedOffset == 4)
        #expect(busy.highWatermark == 10)
        #expect(busy.lag == 6)
        let uncommitted = rows.filter { $0.committedOffset == nil }
        #expect(!uncommitted.isEmpty)
        #expect(uncommitted.allSatisfy { $0.lag == nil })
        #expect(lag.message.contains("have no committed offset (no_commit)"))  // orders and future hold records

        // JUnit carries the figures as the test case's properties.
        #expect(failing.rendered(as: .junit).contains(#"<property name="lag" value="6"/>"#))

        let passing = try await Self.verify(maxLag: 10)
        #expect(verdicts(passing)["kafka.group.lag[team-]"] == "pass:within_limit")
        // Nothing was committed by the checks: the group is where the scenario left it.
        #expect(try #require(passing.consumerLag).first { $0.topic == "busy" }?.committedOffset == 4)
    }

    @Test("a group that committed nothing passes no_commit; a denied group skips the lag check")
    func noCommitAndDenied() async throws {
        var scenario = Self.scenario
        scenario.groups = [Scenario.Group(prefix: "team-")]
        let report = try await Self.verify(maxLag: 1, scenario: scenario)
        #expect(verdicts(report)["kafka.group.lag[team-]"] == "pass:no_commit")

        scenario.groups = [Scenario.Group(prefix: "team-", fault: .denied)]
        let denied = try await Self.verify(maxLag: 1, scenario: scenario)
        #expect(verdicts(denied)["kafka.group[team-]"] == "fail:unauthorized")
        #expect(verdicts(denied)["kafka.group.lag[team-]"] == "skip:not_checked")
    }

    @Test("the JSON report with freshness and lag validates against the schema, figures as numbers")
    func jsonSchema() async throws {
        let python = try #require(which("python3"))
        let report = try await Self.verify(maxStaleness: .seconds(10), maxLag: 3)
        let path = try Fixture.temporaryDirectory() + "/report.json"
        try Data(report.rendered(as: .json).utf8).write(to: URL(fileURLWithPath: path))
        let script = """
            import json, sys, jsonschema
            report = json.load(open(sys.argv[2]))
            jsonschema.validate(report, json.load(open(sys.argv[1])))
            checks = {c["id"] + "[" + c.get("resource", "") + "]": c for c in report["checks"]}
            number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
            print(number(checks["kafka.group.lag[team-]"]["details"]["lag"]),
                  number(checks["kafka.topic.freshness[orders]"]["details"]["last_record_age_seconds"]),
                  isinstance(checks["kafka.group.lag[team-]"]["details"]["group_id"], str),
                  len(report["partitions"]) > 0, len(report["consumer_lag"]) > 0)
            """
        let result = try await run(python, ["-c", script, ReportTests.schemaPath, path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "True True True True True")
        // Read back by the library: figures stay figures, facts stay facts.
        let decoded = try JSONDecoder().decode(
            VerificationReport.self,
            from: Data(contentsOf: URL(fileURLWithPath: path))
        )
        #expect(decoded.checks == report.checks)
        #expect(decoded.consumerLag == report.consumerLag)
    }

    @Test("with a broker down, the early read is set aside: the topics it leads are not read, the others are, at once")
    func brokerDownSetsTheEarlyReadAside() async throws {
        // Broker 3 leads partitions 2 and 5 of orders; ledger's one partition is led by broker 1.
        var scenario = Scenario.brokerDown
        scenario.topics.append(
            Scenario.Topic(name: "ledger", partitions: 1, records: [.init(value: "x", ageSeconds: 30)])
        )
        let report = try await Self.verify(maxStaleness: .seconds(3600), maxLag: 100, scenario: scenario)
        #expect(try Self.check(report, "kafka.topic[orders]").code == "leader_unreachable")
        #expect(try Self.check(report, "kafka.topic.freshness[ledger]").code == "fresh")
        #expect(try Self.check(report, "kafka.topic.freshness[orders]").status == .skip)
        #expect(try Self.check(report, "kafka.group.lag[share-orders-]").code == "no_commit")
        // The early read waits up to 10 s for the partitions broker 3 leads; the reads after the checks
        // do not wait for it.
        #expect(report.timings.kafkaMs < 9000, "\(report.timings.kafkaMs) ms")
    }

    @Test("one ListOffsets per leader (offsets_for_times at latest) finds the same ends as the fetch, on 3 brokers")
    func endOffsetsAgreeWithTheFetch() async throws {
        var scenario = Self.scenario
        scenario.brokers = 3
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let handle = try KafkaHandle(properties: [
                RdKafkaProperty("bootstrap.servers", sandbox.bootstrapServers),
                RdKafkaProperty("group.id", "cdx-verify-test"), RdKafkaProperty("enable.partition.eof", "true"),
                RdKafkaProperty("log_level", "0"),
            ])
            let topics = [("orders", 4), ("empty", 3), ("future", 4), ("busy", 4)]
            let partitions = Dictionary(uniqueKeysWithValues: topics.map { ($0.0, (0..<Int32($0.1)).map { $0 }) })
            for _ in 0..<5 {
                let ends = try await handle.endOffsets(partitions, timeout: .seconds(10)).get()
                let sample = await handle.sampleLatest(
                    topics.map { (name: $0.0, partitions: $0.1) },
                    timeout: .seconds(10)
                )
                for (topic, count) in topics {
                    let fetched = try sample[topic]!.get().highWatermarks
                    #expect(fetched.count == count, "\(topic)")
                    for (partition, end) in fetched {
                        #expect(try ends[topic]?[partition]?.get() == end, "\(topic)/\(partition)")
                    }
                }
            }
        }
    }
}
