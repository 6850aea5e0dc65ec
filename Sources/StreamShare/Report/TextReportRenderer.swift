/// The human-readable table.
struct TextReportRenderer {
    let color: Bool

    private func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    private func label(_ status: CheckStatus) -> String {
        switch status {
        case .pass: paint("PASS", "32")
        case .warn: paint("WARN", "33")
        case .fail: paint("FAIL", "31;1")
        case .skip: paint("SKIP", "2")
        }
    }

    static func duration(_ ms: Double) -> String {
        ms < 1000 ? "\(Int(ms.rounded())) ms" : "\(Double(Int(ms / 100)) / 10) s"
    }

    func render(_ report: VerificationReport) -> String {
        let checkWidth = max(5, report.checks.map(\.id.count).max() ?? 0)
        let resourceWidth = min(32, max(8, report.checks.map { ($0.resource ?? "-").count }.max() ?? 0))
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        var lines: [String] = []
        lines.append(
            "cdx-verify \(report.toolVersion) · librdkafka \(report.librdkafkaVersion) · \(report.share.bootstrapServers)"
                + (report.share.schemaRegistryURL.map { " · \($0)" } ?? "")
        )
        for note in report.notes ?? [] { lines.append(paint("note: \(note)", "2")) }
        lines.append("")
        lines.append(
            "STATUS  \(pad("CHECK", checkWidth))  \(pad("RESOURCE", resourceWidth))  \(pad("TIME", 8))  MESSAGE"
        )
        for check in report.checks {
            var resource = check.resource ?? "-"
            if resource.count > resourceWidth { resource = String(resource.prefix(resourceWidth - 1)) + "…" }
            lines.append(
                "\(label(check.status))    \(pad(check.id, checkWidth))  \(pad(resource, resourceWidth))  "
                    + "\(pad(Self.duration(check.durationMs), 8))  \(check.message)"
            )
            if check.status == .fail || check.status == .warn, let hint = check.hint {
                lines.append(String(repeating: " ", count: 8) + paint("hint: \(hint)", "2"))
            }
        }
        lines.append("")
        let summary = report.summary
        var verdict =
            "\(label(summary.status == .warn ? .warn : summary.status))  \(summary.failed) failed, \(summary.warned) warning(s), "
            + "\(summary.passed) passed, \(summary.skipped) skipped in \(Self.duration(report.timings.totalMs))"
        // Only a group the share may use is recommended.
        if let group = report.recommendedGroupID,
            !report.checks.contains(where: { $0.id == CheckID.kafkaGroup.rawValue && $0.status == .fail })
        {
            verdict += " · consumers use group.id \(group)"
        }
        lines.append(verdict)
        return lines.joined(separator: "\n") + "\n"
    }
}
