#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JUnit XML: one `<testcase>` per check (`classname` = check id, `name` = resource); failures
/// carry the code and the hint, warnings pass with their message in `<system-out>`.
struct JUnitReportRenderer {
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20:
                break  // XML 1.0 forbids other C0 characters.
            case _ where TerminalText.needsEscape(scalar):
                // DEL, C1, the separators and bidirectional controls: a character reference, the same
                // text once parsed, and nothing a terminal acts on when the file is shown.
                result += "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func seconds(_ ms: Double) -> String {
        let total = Int(max(0, ms).rounded())  // "%.3f" of the seconds, without Foundation's String(format:)
        let fraction = String(total % 1000)
        return "\(total / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    func render(_ report: VerificationReport) -> String {
        let summary = report.summary
        let attributes =
            "tests=\"\(summary.total)\" failures=\"\(summary.failed)\" errors=\"0\" skipped=\"\(summary.skipped)\" "
            + "time=\"\(Self.seconds(report.timings.totalMs))\""
        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"cdx-verify\" \(attributes)>",
            "  <testsuite name=\"\(Self.escape("share \(report.share.id ?? report.share.apiKey)"))\" \(attributes) "
                + "timestamp=\"\(Self.escape(report.startedAt))\">",
            "    <properties>",
            "      <property name=\"bootstrap_servers\" value=\"\(Self.escape(report.share.bootstrapServers))\"/>",
            "      <property name=\"librdkafka_version\" value=\"\(Self.escape(report.librdkafkaVersion))\"/>",
            "      <property name=\"schema_version\" value=\"\(report.schemaVersion)\"/>",
        ]
        for note in report.notes ?? [] {
            lines.append("      <property name=\"note\" value=\"\(Self.escape(note))\"/>")
        }
        lines.append("    </properties>")
        for check in report.checks {
            let name = Self.escape(check.resource ?? check.id.rawValue)
            let open =
                "    <testcase classname=\"\(Self.escape(check.id.rawValue))\" name=\"\(name)\" time=\"\(Self.seconds(check.durationMs))\""
            // Measured figures (a record's age, a lag) as test case properties, which CI tools chart.
            let properties =
                check.figures.isEmpty
                ? []
                : ["      <properties>"]
                    + check.figures.sorted { $0.key < $1.key }.map { name, value in
                        "        <property name=\"\(Self.escape(name))\" value=\"\(Self.number(value))\"/>"
                    } + ["      </properties>"]
            switch check.status {
            case .pass where properties.isEmpty:
                lines.append(open + "/>")
            case .pass:
                lines += [open + ">"] + properties + ["    </testcase>"]
            case .warn:
                lines += [open + ">"] + properties
                lines.append(
                    "      <system-out>WARN \(Self.escape(check.code.rawValue)): \(Self.escape(check.message))</system-out>"
                )
                lines.append("    </testcase>")
            case .skip:
                lines += [open + ">"] + properties
                lines.append("      <skipped message=\"\(Self.escape(check.message))\"/>")
                lines.append("    </testcase>")
            case .fail:
                lines += [open + ">"] + properties
                lines.append(
                    "      <failure type=\"\(Self.escape(check.code.rawValue))\" message=\"\(Self.escape(check.message))\">"
                        + Self.escape(check.hint ?? check.message) + "</failure>"
                )
                lines.append("    </testcase>")
            }
        }
        lines.append("  </testsuite>")
        lines.append("</testsuites>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `6`, `0.25`: whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value))" : "\(value)"
    }
}
