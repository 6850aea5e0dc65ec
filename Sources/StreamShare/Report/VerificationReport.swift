#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The result of verifying a share: every check, a summary, and what was verified with what.
///
/// Its JSON form is versioned by ``schemaVersion`` and documented by `schemas/report.schema.json`.
/// It never contains a secret.
public struct VerificationReport: Sendable, Hashable, Codable {
    /// The version of the JSON document's shape.
    public static let currentSchemaVersion = 1

    /// What was verified (no secrets).
    public struct ShareSummary: Sendable, Hashable, Codable {
        /// The share's id.
        public var id: String?
        /// The Kafka API key (not secret).
        public var apiKey: String
        /// `bootstrap.servers` as used.
        public var bootstrapServers: String
        /// `security.protocol` as used.
        public var securityProtocol: String
        /// The Schema Registry URL, if any, without user-info.
        public var schemaRegistryURL: String?
        /// Shared topics.
        public var topics: [String]
        /// Shared group prefixes.
        public var groupPrefixes: [String]
        /// Shared subjects.
        public var subjects: [String]
        /// Kinds of resources this version does not understand.
        public var unsupportedKinds: [String]

        /// Creates a summary of what was verified.
        public init(
            id: String?,
            apiKey: String,
            bootstrapServers: String,
            securityProtocol: String,
            schemaRegistryURL: String?,
            topics: [String],
            groupPrefixes: [String],
            subjects: [String],
            unsupportedKinds: [String] = []
        ) {
            self.id = id
            self.apiKey = apiKey
            self.bootstrapServers = bootstrapServers
            self.securityProtocol = securityProtocol
            // Never with credentials in it (https://KEY:SECRET@host).
            self.schemaRegistryURL = schemaRegistryURL.map(SchemaRegistryConfig.printable)
            self.topics = topics
            self.groupPrefixes = groupPrefixes
            self.subjects = subjects
            self.unsupportedKinds = unsupportedKinds
        }

        private enum CodingKeys: String, CodingKey {
            case id, topics, subjects
            case apiKey = "api_key"
            case bootstrapServers = "bootstrap_servers"
            case securityProtocol = "security_protocol"
            case schemaRegistryURL = "schema_registry_url"
            case groupPrefixes = "group_prefixes"
            case unsupportedKinds = "unsupported_kinds"
        }
    }

    /// Counts by status and the overall verdict.
    public struct Summary: Sendable, Hashable, Codable {
        /// Number of checks.
        public var total: Int
        /// Checks that passed.
        public var passed: Int
        /// Checks with warnings.
        public var warned: Int
        /// Checks that failed.
        public var failed: Int
        /// Checks skipped.
        public var skipped: Int
        /// `fail` if any check failed, else `warn` if any warned, else `pass`.
        public var status: CheckStatus

        /// Counts the checks by status and derives the verdict.
        /// - Parameter checks: Every check of a report.
        public init(_ checks: [CheckResult]) {
            total = checks.count
            passed = checks.filter { $0.status == .pass }.count
            warned = checks.filter { $0.status == .warn }.count
            failed = checks.filter { $0.status == .fail }.count
            skipped = checks.filter { $0.status == .skip }.count
            status = failed > 0 ? .fail : (warned > 0 ? .warn : .pass)
        }
    }

    /// How long the parts took, in milliseconds.
    public struct Timings: Sendable, Hashable, Codable {
        /// The whole verification.
        public var totalMs: Double
        /// The Kafka checks.
        public var kafkaMs: Double
        /// The Schema Registry checks.
        public var schemaRegistryMs: Double

        /// Creates timings.
        public init(totalMs: Double, kafkaMs: Double, schemaRegistryMs: Double) {
            self.totalMs = totalMs
            self.kafkaMs = kafkaMs
            self.schemaRegistryMs = schemaRegistryMs
        }

        private enum CodingKeys: String, CodingKey {
            case totalMs = "total_ms"
            case kafkaMs = "kafka_ms"
            case schemaRegistryMs = "schema_registry_ms"
        }
    }

    /// The shape version (``currentSchemaVersion``).
    public var schemaVersion: Int
    /// `cdx-verify`'s version.
    public var toolVersion: String
    /// The librdkafka version used.
    public var librdkafkaVersion: String
    /// When the verification started (RFC 3339).
    public var startedAt: String
    /// What was verified.
    public var share: ShareSummary
    /// The `group.id` consumers of this share should use.
    public var recommendedGroupID: String?
    /// Every check, in a stable order.
    public var checks: [CheckResult]
    /// Counts and the verdict, derived from ``checks`` (so that it always agrees with them).
    public var summary: Summary { Summary(checks) }
    /// Durations.
    public var timings: Timings
    /// Kafka requests sent, by type, when counting was asked for (``ShareVerifier/Options/Kafka/countRequests``).
    public var kafkaRequests: [String: Int]?
    /// Schema Registry requests sent, by HTTP status (`error`: no answer came), when the share has a
    /// registry: what the verification cost a registry whose request limit is shared.
    public var schemaRegistryRequests: [String: Int]?
    /// What the reader should know beside the checks, such as that the Kafka connections did not use
    /// the HTTP proxy that the Schema Registry requests went through; absent when there is nothing.
    public var notes: [String]?
    /// Every partition of the shared topics read, with its high watermark and latest record's
    /// timestamp, when freshness or lag was checked (``ShareVerifier/Options/Kafka/maxStaleness``,
    /// ``ShareVerifier/Options/Kafka/maxLag``).
    public var partitions: [PartitionState]?
    /// The consumers' group's committed offset and lag in every partition read, when lag was checked
    /// (``ShareVerifier/Options/Kafka/maxLag``).
    public var consumerLag: [PartitionLag]?

    /// Creates a report, for example to test code that consumes one without running a verification.
    /// - Parameters:
    ///   - schemaVersion: The shape version; ``currentSchemaVersion`` by default.
    ///   - toolVersion: `cdx-verify`'s version.
    ///   - librdkafkaVersion: The librdkafka version used.
    ///   - startedAt: When the verification started (RFC 3339).
    ///   - share: What was verified.
    ///   - recommendedGroupID: The `group.id` consumers should use.
    ///   - checks: Every check, in order.
    ///   - timings: Durations.
    ///   - kafkaRequests: Kafka requests by type, when they were counted.
    ///   - schemaRegistryRequests: Schema Registry requests by HTTP status, when a registry was checked.
    ///   - notes: What the reader should know beside the checks.
    ///   - partitions: The partitions read for freshness and lag.
    ///   - consumerLag: The consumers' group's lag by partition.
    public init(
        schemaVersion: Int = VerificationReport.currentSchemaVersion,
        toolVersion: String = StreamShareVersion.string,
        librdkafkaVersion: String = KafkaLibrary.version,
        startedAt: String,
        share: ShareSummary,
        recommendedGroupID: String?,
        checks: [CheckResult],
        timings: Timings,
        kafkaRequests: [String: Int]? = nil,
        schemaRegistryRequests: [String: Int]? = nil,
        notes: [String]? = nil,
        partitions: [PartitionState]? = nil,
        consumerLag: [PartitionLag]? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.toolVersion = toolVersion
        self.librdkafkaVersion = librdkafkaVersion
        self.startedAt = startedAt
        self.share = share
        self.recommendedGroupID = recommendedGroupID
        self.checks = checks
        self.timings = timings
        self.kafkaRequests = kafkaRequests
        self.schemaRegistryRequests = schemaRegistryRequests
        self.notes = notes
        self.partitions = partitions
        self.consumerLag = consumerLag
    }

    // `summary` is written for readers of the JSON, and derived again from the checks when read.
    private enum CodingKeys: String, CodingKey {
        case share, checks, summary, timings, notes, partitions
        case consumerLag = "consumer_lag"
        case schemaVersion = "schema_version"
        case toolVersion = "tool_version"
        case librdkafkaVersion = "librdkafka_version"
        case startedAt = "started_at"
        case recommendedGroupID = "recommended_group_id"
        case kafkaRequests = "kafka_requests"
        case schemaRegistryRequests = "schema_registry_requests"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        toolVersion = try container.decode(String.self, forKey: .toolVersion)
        librdkafkaVersion = try container.decode(String.self, forKey: .librdkafkaVersion)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        share = try container.decode(ShareSummary.self, forKey: .share)
        recommendedGroupID = try container.decodeIfPresent(String.self, forKey: .recommendedGroupID)
        checks = try container.decode([CheckResult].self, forKey: .checks)
        timings = try container.decode(Timings.self, forKey: .timings)
        kafkaRequests = try container.decodeIfPresent([String: Int].self, forKey: .kafkaRequests)
        schemaRegistryRequests = try container.decodeIfPresent([String: Int].self, forKey: .schemaRegistryRequests)
        notes = try container.decodeIfPresent([String].self, forKey: .notes)
        partitions = try container.decodeIfPresent([PartitionState].self, forKey: .partitions)
        consumerLag = try container.decodeIfPresent([PartitionLag].self, forKey: .consumerLag)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(toolVersion, forKey: .toolVersion)
        try container.encode(librdkafkaVersion, forKey: .librdkafkaVersion)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(share, forKey: .share)
        try container.encodeIfPresent(recommendedGroupID, forKey: .recommendedGroupID)
        try container.encode(checks, forKey: .checks)
        try container.encode(summary, forKey: .summary)
        try container.encode(timings, forKey: .timings)
        try container.encodeIfPresent(kafkaRequests, forKey: .kafkaRequests)
        try container.encodeIfPresent(schemaRegistryRequests, forKey: .schemaRegistryRequests)
        try container.encodeIfPresent(notes, forKey: .notes)
        try container.encodeIfPresent(partitions, forKey: .partitions)
        try container.encodeIfPresent(consumerLag, forKey: .consumerLag)
    }

    /// `true` when no check failed (and, if `strict`, none warned).
    public func passed(strict: Bool = false) -> Bool {
        summary.failed == 0 && (!strict || summary.warned == 0)
    }

    /// The checks that failed (and, if `strict`, warned).
    public func problems(strict: Bool = false) -> [CheckResult] {
        checks.filter { $0.status == .fail || (strict && $0.status == .warn) }
    }

    /// Throws unless every check passed: the call to make before starting consumers.
    /// - Parameter strict: Treat warnings as failures.
    /// - Throws: ``VerificationFailure`` listing every failed check with its hint.
    public func requirePassing(strict: Bool = false) throws(VerificationFailure) {
        let problems = problems(strict: strict)
        guard problems.isEmpty else { throw VerificationFailure(problems: problems) }
    }

    /// The report as JSON (pretty-printed, keys sorted).
    public func jsonData() throws -> Data {
        try PrettyJSON.encode(self)
    }
}

/// Thrown by ``VerificationReport/requirePassing(strict:)``: the share cannot be consumed as is.
public struct VerificationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The checks that failed, each with its hint.
    public let problems: [CheckResult]

    /// Creates a failure listing `problems`.
    public init(problems: [CheckResult]) {
        self.problems = problems
    }

    public var description: String {
        var lines = ["share verification failed: \(problems.count) check(s)"]
        for problem in problems {
            lines.append("- \(problem.qualifiedID): \(problem.message)")
            if let hint = problem.hint { lines.append("  hint: \(hint)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension VerificationReport.Summary: CustomStringConvertible {
    /// The verdict and the counts: `warn: 0 failed, 1 warning(s), 12 passed, 0 skipped`.
    public var description: String {
        "\(status): \(failed) failed, \(warned) warning(s), \(passed) passed, \(skipped) skipped"
    }
}
