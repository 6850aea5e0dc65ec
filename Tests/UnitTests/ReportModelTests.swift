import StreamShare
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A consumer of reports can build one with the public initialisers alone (no `@testable`), to test
/// its own handling of verdicts without running a verification or decoding JSON.
@Suite("Report model")
struct ReportModelTests {
    static func report(_ checks: [CheckResult]) -> VerificationReport {
        VerificationReport(
            startedAt: "2026-12-01T10:00:00.000Z",
            share: .init(
                id: "dlz-1",
                apiKey: "KEY1",
                bootstrapServers: "pkc-1.example:9092",
                securityProtocol: "SASL_SSL",
                schemaRegistryURL: nil,
                topics: ["orders"],
                groupPrefixes: [],
                subjects: []
            ),
            recommendedGroupID: nil,
            checks: checks,
            timings: .init(totalMs: 12, kafkaMs: 10, schemaRegistryMs: 0)
        )
    }

    @Test("empty arrays and objects print as [] and {} in the JSON report, not over three lines")
    func emptyCollectionsInJSON() throws {
        let text = String(decoding: try Self.report([]).jsonData(), as: UTF8.self)
        #expect(text.contains(#""checks" : []"#), "\(text)")
        #expect(!text.contains("[\n\n"), "\(text)")
        #expect(!text.contains("{\n\n"), "\(text)")
    }

    @Test("ids and codes are plain strings in JSON, typed in Swift; unknown ones survive a round trip")
    func typedVocabulary() throws {
        let check = CheckResult(id: .kafkaTopic, resource: "orders", status: .fail, code: .unauthorized, message: "m")
        let json = String(decoding: try JSONEncoder().encode(check), as: UTF8.self)
        #expect(json.contains(#""id":"kafka.topic""#), "\(json)")
        #expect(json.contains(#""code":"unauthorized""#), "\(json)")
        #expect(check.code == "unauthorized" && check.id == "kafka.topic")

        let newer = Data(
            #"{"id":"kafka.future","status":"warn","code":"not_yet_known","message":"m","duration_ms":1}"#.utf8
        )
        let decoded = try JSONDecoder().decode(CheckResult.self, from: newer)
        #expect(decoded.id == CheckID(rawValue: "kafka.future") && decoded.code == CheckCode(rawValue: "not_yet_known"))
        #expect(!decoded.id.isConsumerConfiguration && CheckID.consumerTLS.isConsumerConfiguration)

        // The summary is derived: a report whose JSON summary disagrees with its checks reads as the checks say.
        var report = Self.report([check])
        report.checks[0].status = .pass
        #expect(report.summary.status == .pass && report.summary.passed == 1)
        let encoded = try report.jsonData()
        let lying = String(decoding: encoded, as: UTF8.self).replacingOccurrences(
            of: #""passed" : 1"#,
            with: #""passed" : 7"#
        )
        #expect(lying != String(decoding: encoded, as: UTF8.self))
        let reread = try JSONDecoder().decode(VerificationReport.self, from: Data(lying.utf8))
        #expect(reread.summary.passed == 1)
    }

    @Test("the summary is derived from the checks, and requirePassing lists the failures")
    func publicInitialisers() throws {
        let passing = Self.report([
            CheckResult(id: .kafkaConnect, status: .pass, code: "connected", message: "ok"),
            CheckResult(id: "kafka.topic", resource: "orders", status: .warn, code: "leaderless", message: "1 of 4"),
        ])
        #expect(passing.summary == VerificationReport.Summary(passing.checks))
        #expect(passing.summary.status == .warn)
        #expect(passing.summary.warned == 1)
        #expect(passing.passed())
        #expect(!passing.passed(strict: true))
        #expect(passing.checks[1].id == .kafkaTopic)
        #expect(passing.schemaVersion == VerificationReport.currentSchemaVersion)
        #expect(passing.librdkafkaVersion == KafkaLibrary.version)

        let denied = CheckResult(
            id: "kafka.topic",
            resource: "orders",
            status: .fail,
            code: "unauthorized",
            message: "topic 'orders' is not authorized",
            hint: "ask the provider"
        )
        let failing = Self.report([denied])
        let failure = #expect(throws: VerificationFailure.self) { try failing.requirePassing() }
        #expect(failure == VerificationFailure(problems: [denied]))
        #expect(failure?.description.contains("kafka.topic[orders]") == true)
    }
}
