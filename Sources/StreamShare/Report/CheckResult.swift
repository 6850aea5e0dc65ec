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
    /// The stable check id, e.g. ``CheckID/kafkaTopic`` (`kafka.topic`).
    public var id: CheckID
    /// The resource checked (a topic, a group prefix, a subject), when the check is per resource.
    public var resource: String?
    /// The outcome.
    public var status: CheckStatus
    /// A stable machine-readable code, e.g. ``CheckCode/unauthorized``, ``CheckCode/notFound``,
    /// ``CheckCode/tls``.
    public var code: CheckCode
    /// One line saying what was found.
    public var message: String
    /// What to do about it (for warnings and failures).
    public var hint: String?
    /// How long the check took, in milliseconds.
    public var durationMs: Double
    /// Facts that back the verdict (partition count, schema id, the librdkafka error name, …).
    public var details: [String: String]
    /// Measured figures that back the verdict (a record's age in seconds, a lag in records); in JSON
    /// they sit in `details` beside the facts, as numbers.
    public var figures: [String: Double]

    /// Creates a result.
    public init(
        id: CheckID,
        resource: String? = nil,
        status: CheckStatus,
        code: CheckCode,
        message: String,
        hint: String? = nil,
        durationMs: Double = 0,
        details: [String: String] = [:],
        figures: [String: Double] = [:]
    ) {
        self.id = id
        self.resource = resource
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.durationMs = durationMs
        self.details = details
        self.figures = figures
    }

    private enum CodingKeys: String, CodingKey {
        case id, resource, status, code, message, hint, details
        case durationMs = "duration_ms"
    }

    /// A key of `details`: any text.
    private struct DetailKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(CheckID.self, forKey: .id)
        resource = try container.decodeIfPresent(String.self, forKey: .resource)
        status = try container.decode(CheckStatus.self, forKey: .status)
        code = try container.decode(CheckCode.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        hint = try container.decodeIfPresent(String.self, forKey: .hint)
        durationMs = try container.decode(Double.self, forKey: .durationMs)
        details = [:]
        figures = [:]
        guard container.contains(.details) else { return }
        let values = try container.nestedContainer(keyedBy: DetailKey.self, forKey: .details)
        for key in values.allKeys {
            if let number = try? values.decode(Double.self, forKey: key) {
                figures[key.stringValue] = number
            } else {
                details[key.stringValue] = try values.decode(String.self, forKey: key)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(resource, forKey: .resource)
        try container.encode(status, forKey: .status)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(hint, forKey: .hint)
        try container.encode(durationMs, forKey: .durationMs)
        var values = container.nestedContainer(keyedBy: DetailKey.self, forKey: .details)
        for (key, value) in details where figures[key] == nil {
            try values.encode(value, forKey: DetailKey(stringValue: key))
        }
        for (key, value) in figures { try values.encode(value, forKey: DetailKey(stringValue: key)) }
    }

    /// `id` plus `[resource]`, e.g. `kafka.topic[orders]`.
    public var qualifiedID: String { resource.map { "\(id)[\($0)]" } ?? id.rawValue }
}
