/// Output formats of a ``VerificationReport``.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    /// A compact table for people: status, check, resource, time, message; hints under problems.
    case text
    /// The versioned JSON document (`schemas/report.schema.json`).
    case json
    /// JUnit XML for CI pipelines: one test case per check.
    case junit
}

extension VerificationReport {
    /// Renders the report.
    /// - Parameters:
    ///   - format: The output format.
    ///   - color: ANSI colours (text only; the caller decides from TTY and `NO_COLOR`).
    /// - Returns: The document, ending with a newline.
    public func rendered(as format: ReportFormat, color: Bool = false) -> String {
        switch format {
        case .text: TextReportRenderer(color: color).render(self)
        case .json: (try? jsonData()).map { String(decoding: $0, as: UTF8.self) + "\n" } ?? "{}\n"
        case .junit: JUnitReportRenderer().render(self)
        }
    }
}
