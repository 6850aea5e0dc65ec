/// The outcome of one check.
public enum CheckStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The check proved access.
    case pass
    /// Access works, but something deserves attention (a leaderless partition, plaintext, …).
    case warn
    /// Access is broken: a consumer would fail.
    case fail
    /// Not run, because something it depends on failed.
    case skip
}

extension CheckStatus: CustomStringConvertible {
    /// `pass`, `warn`, `fail` or `skip`, as in the reports.
    public var description: String { rawValue }
}

/// One verdict of a verification: what was checked, the outcome, why, and what to do.
public struct CheckResult: Sendable, Hashable, Codable {
    /// The stable check id, e.g. `kafka.topic`.
    public var id: String
    /// The resource checked (a topic, a group prefix, a subject), when the check is per resource.
    public var resource: String?
    /// The outcome.
    public var status: CheckStatus
    /// A stable machine-readable code, e.g. `unauthorized`, `not_found`, `tls`.
    public var code: String
    /// One line saying what was found.
    public var message: String
    /// What to do about it (for warnings and failures).
    public var hint: String?
    /// How long the check took, in milliseconds.
    public var durationMs: Double
    /// Facts that back the verdict (partition count, schema id, the librdkafka error name, …).
    public var details: [String: String]

    /// Creates a result.
    public init(
        id: String,
        resource: String? = nil,
        status: CheckStatus,
        code: String,
        message: String,
        hint: String? = nil,
        durationMs: Double = 0,
        details: [String: String] = [:]
    ) {
        self.id = id
        self.resource = resource
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.durationMs = durationMs
        self.details = details
    }

    private enum CodingKeys: String, CodingKey {
        case id, resource, status, code, message, hint, details
        case durationMs = "duration_ms"
    }

    /// `id` plus `[resource]`, e.g. `kafka.topic[orders]`.
    public var qualifiedID: String { resource.map { "\(id)[\($0)]" } ?? id }
}
