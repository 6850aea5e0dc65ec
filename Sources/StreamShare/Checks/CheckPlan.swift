extension CheckResult {
    /// Creates a result of a declared check.
    init(
        _ id: CheckID,
        resource: String? = nil,
        status: CheckStatus,
        code: CheckCode,
        message: String,
        hint: String? = nil,
        durationMs: Double = 0,
        details: [String: String] = [:],
        figures: [String: Double] = [:]
    ) {
        self.init(
            id: id,
            resource: resource,
            status: status,
            code: code,
            message: message,
            hint: hint,
            durationMs: durationMs,
            details: details,
            figures: figures
        )
    }
}

/// Which checks a verification owes, in report order, and how each reads when it never ran: skipped,
/// because a prerequisite did not pass, or failed with `timeout`, because the deadline came first.
///
/// Probes only emit results; the plan derives every other row. Adding a check means declaring its id
/// (``CheckID``) and its codes (``CheckCode``), its row in ``prerequisites`` and its place in
/// ``init(share:deep:schemaRegistry:)``, and emitting it from one probe.
struct CheckPlan: Sendable {
    /// One expected row.
    struct Entry: Sendable, Hashable {
        var id: CheckID
        var resource: String?

        var key: String { resource.map { "\(id.rawValue)[\($0)]" } ?? id.rawValue }
    }

    /// What must pass (or only warn) before a check can run: checks of their own, each on the same
    /// resource or on none.
    private static let prerequisites: [CheckID: [(id: CheckID, sameResource: Bool)]] = [
        .kafkaBroker: [(.kafkaConnect, false)],
        .kafkaTopic: [(.kafkaConnect, false)],
        .kafkaGroup: [(.kafkaConnect, false)],
        .kafkaTopicRead: [(.kafkaTopic, true)],
        .kafkaTopicFreshness: [(.kafkaTopic, true)],
        .kafkaGroupLag: [(.kafkaGroup, true)],
        .kafkaGroupJoin: [(.kafkaGroup, true)],
        .schemaRegistrySubject: [(.schemaRegistryAuth, false)],
        .schemaRegistryReference: [(.schemaRegistryAuth, false)],
        .schemaRegistryRecordSchema: [(.kafkaTopicRead, true), (.schemaRegistryAuth, false)],
    ]

    /// The checks owed, in report order.
    let entries: [Entry]

    /// The plan of a share.
    /// - Parameters:
    ///   - share: The share.
    ///   - deep: Reads and joins are owed too.
    ///   - schemaRegistry: The share has a usable Schema Registry (else its checks are not owed).
    ///   - privateDNSHosts: The bootstrap hosts whose DNS answers must be private (private networking).
    ///   - freshness: `kafka.topic.freshness` is owed per topic.
    ///   - lag: `kafka.group.lag` is owed per group prefix.
    init(
        share: RedeemedShare,
        deep: Bool,
        schemaRegistry: Bool,
        privateDNSHosts: [String] = [],
        freshness: Bool = false,
        lag: Bool = false
    ) {
        var entries = privateDNSHosts.map { Entry(id: .networkDNS, resource: $0) }
        entries.append(Entry(id: .kafkaConnect))
        entries += share.topics.map { Entry(id: .kafkaTopic, resource: $0) }
        if deep { entries += share.topics.map { Entry(id: .kafkaTopicRead, resource: $0) } }
        if freshness { entries += share.topics.map { Entry(id: .kafkaTopicFreshness, resource: $0) } }
        entries += share.groupPrefixes.map { Entry(id: .kafkaGroup, resource: $0) }
        if deep { entries += share.groupPrefixes.map { Entry(id: .kafkaGroupJoin, resource: $0) } }
        if lag { entries += share.groupPrefixes.map { Entry(id: .kafkaGroupLag, resource: $0) } }
        if schemaRegistry {
            entries.append(Entry(id: .schemaRegistryAuth))
            entries += share.subjects.map { Entry(id: .schemaRegistrySubject, resource: $0) }
            if deep { entries += share.topics.map { Entry(id: .schemaRegistryRecordSchema, resource: $0) } }
        }
        var seen = Set<String>()
        self.entries = entries.filter { seen.insert($0.key).inserted }
    }

    /// The report's rows: every owed check in plan order (its result, a skip, or a timeout), then
    /// the results the plan does not owe (warnings), in the order they came.
    /// - Parameters:
    ///   - results: What the probes emitted before the deadline; the first result of a check counts.
    ///   - discovered: Checks owed that only the cluster could name (one `kafka.broker` per broker of
    ///     its metadata), placed after `kafka.connect`.
    ///   - deadline: The verification's deadline, named in timeout rows.
    func complete(_ results: [CheckResult], discovered: [Entry] = [], deadline: Duration) -> [CheckResult] {
        var byKey: [String: CheckResult] = [:]
        for result in results where byKey[result.qualifiedID] == nil { byKey[result.qualifiedID] = result }
        var rows: [CheckResult] = []
        var seen = Set<String>()
        var owed = entries
        // Brokers right after kafka.connect, their host names' DNS right before it; schema references
        // at the end, after the subjects.
        let brokers = discovered.filter { $0.id == .kafkaBroker }
        owed.insert(contentsOf: brokers, at: owed.firstIndex { $0.id == .kafkaConnect }.map { $0 + 1 } ?? 0)
        let names = discovered.filter { $0.id == .networkDNS }
        owed.insert(contentsOf: names, at: owed.firstIndex { $0.id == .kafkaConnect } ?? 0)
        owed += discovered.filter { $0.id != .kafkaBroker && $0.id != .networkDNS }
        for entry in owed where !seen.contains(entry.key) {
            seen.insert(entry.key)
            rows.append(
                byKey[entry.key] ?? skipped(entry, results: byKey) ?? Self.timedOut(entry, deadline: deadline)
            )
        }
        for result in results where seen.insert(result.qualifiedID).inserted { rows.append(result) }
        return rows
    }

    /// The skip row of a check that never ran because its prerequisite did not pass; `nil` when the
    /// prerequisite passed (or it has none): then the check ran out of time.
    private func skipped(_ entry: Entry, results: [String: CheckResult]) -> CheckResult? {
        guard let reason = skipReason(entry, results: results) else { return nil }
        return CheckResult(entry.id, resource: entry.resource, status: .skip, code: .notChecked, message: reason)
    }

    private func skipReason(_ entry: Entry, results: [String: CheckResult]) -> String? {
        for rule in Self.prerequisites[entry.id] ?? [] {
            let prerequisite = Entry(id: rule.id, resource: rule.sameResource ? entry.resource : nil)
            guard let result = results[prerequisite.key] else {
                // Never emitted: skipped for a reason further up, or out of time before it finished.
                return skipReason(prerequisite, results: results) ?? "\(prerequisite.id) did not complete"
            }
            switch result.status {
            case .pass, .warn: continue
            case .skip: return result.message
            case .fail: return "\(prerequisite.id) failed"
            }
        }
        return nil
    }

    private static func timedOut(_ entry: Entry, deadline: Duration) -> CheckResult {
        CheckResult(
            entry.id,
            resource: entry.resource,
            status: .fail,
            code: .timeout,
            message: "did not finish within the \(deadline.formattedSeconds) deadline",
            hint: "The network or the service is slow: retry, or raise the deadline (--timeout).",
            durationMs: Double(deadline.milliseconds)
        )
    }
}
