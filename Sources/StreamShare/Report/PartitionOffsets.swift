/// One partition of a shared topic as the freshness and lag checks read it (one fetch of its latest
/// record): in ``VerificationReport/partitions`` when
/// ``ShareVerifier/Options/Kafka/maxStaleness`` or ``ShareVerifier/Options/Kafka/maxLag`` is set.
public struct PartitionState: Sendable, Hashable, Codable {
    /// The topic.
    public var topic: String
    /// The partition number.
    public var partition: Int
    /// The offset the next record will get (the end of the partition), as the fetch answered.
    public var highWatermark: Int64
    /// The timestamp of the partition's latest record, in milliseconds since the Unix epoch; nil when
    /// the partition holds no record or the record carries no timestamp.
    public var latestRecordTimestampMs: Int64?
    /// `CreateTime` (set by the producer) or `LogAppendTime` (set by the broker), with a timestamp.
    public var timestampType: String?

    /// Creates a partition's state.
    public init(
        topic: String,
        partition: Int,
        highWatermark: Int64,
        latestRecordTimestampMs: Int64? = nil,
        timestampType: String? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.highWatermark = highWatermark
        self.latestRecordTimestampMs = latestRecordTimestampMs
        self.timestampType = timestampType
    }

    private enum CodingKeys: String, CodingKey {
        case topic, partition
        case highWatermark = "high_watermark"
        case latestRecordTimestampMs = "latest_record_timestamp_ms"
        case timestampType = "timestamp_type"
    }
}

/// How far a consumer group is behind in one partition of a shared topic: in
/// ``VerificationReport/consumerLag`` when ``ShareVerifier/Options/Kafka/maxLag`` is set. Read-only: the
/// group's committed offset (OffsetFetch), never a join or a commit.
public struct PartitionLag: Sendable, Hashable, Codable {
    /// The group (`<prefix><suffix>`).
    public var groupID: String
    /// The topic.
    public var topic: String
    /// The partition number.
    public var partition: Int
    /// The partition's high watermark, as the read answered.
    public var highWatermark: Int64
    /// The group's committed offset; nil when it has committed none here (its lag is unknown, not 0).
    public var committedOffset: Int64?
    /// High watermark minus committed offset, in records; nil without a commit.
    public var lag: Int64?
    /// How far behind in time: the age of the record at the committed offset, in seconds (0 when
    /// the group is at the end); nil when unknown.
    public var lagSeconds: Double?

    /// Creates a partition's lag.
    public init(
        groupID: String,
        topic: String,
        partition: Int,
        highWatermark: Int64,
        committedOffset: Int64?,
        lag: Int64?,
        lagSeconds: Double? = nil
    ) {
        self.groupID = groupID
        self.topic = topic
        self.partition = partition
        self.highWatermark = highWatermark
        self.committedOffset = committedOffset
        self.lag = lag
        self.lagSeconds = lagSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case topic, partition, lag
        case groupID = "group_id"
        case highWatermark = "high_watermark"
        case committedOffset = "committed_offset"
        case lagSeconds = "lag_seconds"
    }
}
