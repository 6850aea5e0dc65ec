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

    /// The table; every text that came from outside (names, messages, URLs) is escaped for the terminal
    /// (``TerminalText``).
    func render(_ report: VerificationReport) -> String {
        let text = TerminalText.escaped as (String) -> String
        let ids = report.checks.map { text($0.id.rawValue) }
        let resources = report.checks.map { text($0.resource ?? "-") }
        let checkWidth = max(5, ids.map(\.count).max() ?? 0)
        let resourceWidth = min(32, max(8, resources.map(\.count).max() ?? 0))
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        var lines: [String] = []
        lines.append(
            text(
                "cdx-verify \(report.toolVersion) · librdkafka \(report.librdkafkaVersion) · \(report.share.bootstrapServers)"
                    + (report.share.schemaRegistryURL.map { " · \($0)" } ?? "")
            )
        )
        for note in report.notes ?? [] { lines.append(paint("note: \(text(note))", "2")) }
        lines.append("")
        lines.append(
            "STATUS  \(pad("CHECK", checkWidth))  \(pad("RESOURCE", resourceWidth))  \(pad("TIME", 8))  MESSAGE"
        )
        for (index, check) in report.checks.enumerated() {
            var resource = resources[index]
            if resource.count > resourceWidth { resource = String(resource.prefix(resourceWidth - 1)) + "…" }
            lines.append(
                "\(label(check.status))    \(pad(ids[index], checkWidth))  \(pad(resource, resourceWidth))  "
                    + "\(pad(Self.duration(check.durationMs), 8))  \(text(check.message))"
            )
            if check.status == .fail || check.status == .warn, let hint = check.hint {
                lines.append(String(repeating: " ", count: 8) + paint("hint: \(text(hint))", "2"))
            }
        }
        lines.append("")
        let summary = report.summary
        var verdict =
            "\(label(summary.status == .warn ? .warn : summary.status))  \(summary.failed) failed, \(summary.warned) warning(s), "
            + "\(summary.passed) passed, \(summary.skipped) skipped in \(Self.duration(report.timings.totalMs))"
        // Only a group the share may use is recommended.
        if let group = report.recommendedGroupID,
            !report.checks.contains(where: { $0.id == .kafkaGroup && $0.status == .fail })
        {
            verdict += " · consumers use group.id \(text(group))"
        }
        lines.append(verdict)
        return lines.joined(separator: "\n") + "\n"
    }
}
