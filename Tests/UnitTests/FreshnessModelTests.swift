import RdKafka
import Testing

@testable import StreamShare

/// The verdicts of `kafka.topic.freshness` and `kafka.group.lag` from what a read found: edge cases
/// the mock cluster cannot produce (records without timestamps, LogAppendTime, clocks), and the units.
@Suite("Freshness and lag verdicts")
struct FreshnessModelTests {
    typealias Sample = KafkaHandle.TopicSample
    static let now: Int64 = 1_800_000_000_000

    static func record(
        _ partition: Int32,
        ageMs: Int64?,
        kind: KafkaHandle.RecordTimestamp.Kind = .createTime
    )
        -> KafkaHandle.RecordSample
    {
        KafkaHandle.RecordSample(
            partition: partition,
            offset: 9,
            timestamp: ageMs.map { .init(milliseconds: now - $0, kind: kind) },
            keyPrefix: nil,
            valuePrefix: [1]
        )
    }

    static func freshness(
        _ records: [KafkaHandle.RecordSample],
        partitions: Int = 3,
        limit: Duration = .seconds(60)
    )
        -> CheckResult
    {
        let ends = Dictionary(uniqueKeysWithValues: (0..<Int32(partitions)).map { ($0, Int64(10)) })
        return KafkaProbe.freshness(
            topic: "orders",
            sample: Sample(records: records, highWatermarks: ends),
            partitions: partitions,
            limit: limit,
            nowMs: now
        )
    }

    @Test("the newest record across partitions decides, whatever its timestamp kind")
    func newestWins() {
        let result = Self.freshness([
            Self.record(0, ageMs: 50_000), Self.record(1, ageMs: 4_000, kind: .logAppendTime),
            Self.record(2, ageMs: 9_000),
        ])
        #expect(result.status == .pass)
        #expect(result.code == "fresh")
        #expect(result.figures["last_record_age_seconds"] == 4)
        #expect(result.details["newest_partition"] == "1")
        #expect(result.details["timestamp_type"] == "LogAppendTime")
        #expect(result.message == "newest record of 'orders' 4 s ago (partition 1, LogAppendTime)")
    }

    @Test("records without a timestamp are skipped and counted; with none left, a warning, not a verdict")
    func withoutTimestamps() {
        let mixed = Self.freshness([Self.record(0, ageMs: nil), Self.record(1, ageMs: 7_384_000)])
        #expect(mixed.status == .fail)
        #expect(mixed.code == "stale")
        #expect(mixed.details["records_without_timestamp"] == "1")
        #expect(mixed.message.contains("2 h 3 min old"))

        let none = Self.freshness([Self.record(0, ageMs: nil)])
        #expect(none.status == .warn)
        #expect(none.code == "no_timestamps")
        #expect(none.figures["last_record_age_seconds"] == nil)
    }

    @Test("a record from the future reads as age 0 and is noted; an empty topic passes no_records")
    func futureAndEmpty() {
        let future = Self.freshness([Self.record(0, ageMs: -90_000)])
        #expect(future.status == .pass)
        #expect(future.figures["last_record_age_seconds"] == 0)
        #expect(future.details["future_timestamp"]?.contains("1 min 30 s ahead") == true)

        let empty = Self.freshness([])
        #expect(empty.status == .pass)
        #expect(empty.code == "no_records")
    }

    @Test("lag sums high watermark minus committed offset; no commit is unknown, not 0; a commit past the end is 0")
    func lagRows() {
        let samples: [String: Result<Sample, KafkaError>] = [
            "orders": .success(Sample(highWatermarks: [0: 100, 1: 50, 2: 0, 3: 7])),
            "denied": .failure(KafkaError(code: KafkaError.topicAuthorizationFailed)),
        ]
        let rows = KafkaProbe.lagRows(
            groupID: "g-consumer",
            committed: ["orders": [0: 90, 1: 20, 3: 9]],
            samples: samples
        )
        #expect(rows.map(\.lag) == [10, 30, nil, 0])
        let result = KafkaProbe.lag(
            prefix: "g-",
            groupID: "g-consumer",
            rows: rows,
            limit: 39,
            unreadTopics: ["denied"]
        )
        #expect(result.status == .fail)
        #expect(result.figures["lag"] == 40)
        #expect(result.figures["max_partition_lag"] == 30)
        #expect(result.figures["partitions_without_commit"] == 1)
        #expect(result.details["worst_partition"] == "orders/1")
        #expect(result.details["topics_unread"] == "denied")
        // Partition 2 is empty: its missing commit is no concern, and not mentioned.
        #expect(!result.message.contains("no_commit"))
        #expect(KafkaProbe.lag(prefix: "g-", groupID: "g-consumer", rows: rows, limit: 40).status == .pass)
    }

    @Test("ages read in human units")
    func ageText() {
        #expect(AgeText.describe(seconds: 0.25) == "250 ms")
        #expect(AgeText.describe(seconds: 4.9) == "4 s")
        #expect(AgeText.describe(seconds: 200) == "3 min 20 s")
        #expect(AgeText.describe(seconds: 7_380) == "2 h 3 min")
        #expect(AgeText.describe(seconds: 3600) == "1 h")
        #expect(AgeText.describe(seconds: 273_600) == "3 d 4 h")
        #expect(AgeText.describe(seconds: -5) == "0 s")
    }
}
