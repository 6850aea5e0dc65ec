import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

@Suite("Report formats", .timeLimit(.minutes(1)))
struct ReportTests {
    static func faultsReport() async throws -> VerificationReport {
        try await VerifierTests.verify(.faults, deep: true)
    }

    static var schemaPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("schemas/report.schema.json").path
    }

    @Test("the JSON report validates against schemas/report.schema.json")
    func jsonMatchesSchema() async throws {
        let python = try #require(which("python3"))
        let report = try await Self.faultsReport()
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/report.json"
        try Data(report.rendered(as: .json).utf8).write(to: URL(fileURLWithPath: path))
        let script =
            "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1]))); print('valid')"
        let result = try await run(python, ["-c", script, Self.schemaPath, path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("valid"))
        // And a broken document is rejected, so the check can fail.
        var object =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        object["schema_version"] = 2
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        #expect(try await run(python, ["-c", script, Self.schemaPath, path]).status != 0)
    }

    @Test("JUnit XML parses and has one test case per check with failures and skips")
    func junit() async throws {
        let python = try #require(which("python3"))
        let report = try await Self.faultsReport()
        let path = try Fixture.temporaryDirectory() + "/junit.xml"
        try Data(report.rendered(as: .junit).utf8).write(to: URL(fileURLWithPath: path))
        let script = """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            cases = root.findall('.//testcase')
            print(root.get('tests'), root.get('failures'), len(cases), len(root.findall('.//failure')), \
            len(root.findall('.//skipped')))
            """
        let result = try await run(python, ["-c", script, path])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = report.summary
        #expect(
            result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(summary.total) \(summary.failed) \(summary.total) \(summary.failed) \(summary.skipped)"
        )
        #expect(JUnitReportRenderer.escape("a<b & \"c\"\u{1}") == "a&lt;b &amp; &quot;c&quot;")
    }

    @Test("the text table shows every check, the hints under failures and a summary line")
    func text() async throws {
        let report = try await Self.faultsReport()
        let text = report.rendered(as: .text)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("STATUS") && $0.contains("CHECK") && $0.contains("MESSAGE") })
        for check in report.checks {
            #expect(
                lines.contains { $0.contains(check.id.rawValue) && $0.contains(check.message) },
                "\(check.qualifiedID)"
            )
        }
        let hints = lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("hint:") }
        #expect(
            hints.count == report.checks.filter { ($0.status == .fail || $0.status == .warn) && $0.hint != nil }.count
        )
        #expect(lines.last?.contains("\(report.summary.failed) failed") == true)
        #expect(!text.contains("\u{1B}["))
        #expect(report.rendered(as: .text, color: true).contains("\u{1B}[31;1mFAIL"))
    }

    @Test("the summary line recommends a group.id only when the group check did not fail; summaries print plainly")
    func summaryLine() async throws {
        let faults = try await Self.faultsReport()
        #expect(faults.checks.contains { $0.id == "kafka.group" && $0.status == .fail })
        #expect(!faults.rendered(as: .text).contains("consumers use group.id"))
        let healthy = try await VerifierTests.verify(.healthy)
        #expect(healthy.rendered(as: .text).contains("consumers use group.id share-orders-consumer"))
        let summary = healthy.summary
        #expect(
            String(describing: summary)
                == "warn: 0 failed, \(summary.warned) warning(s), \(summary.passed) passed, \(summary.skipped) skipped"
        )
        #expect(String(reflecting: CheckStatus.warn) == "warn")
    }
}
