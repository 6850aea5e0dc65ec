import RdKafka

/// What the records read from a topic say about their encoding: the Schema Registry ids in Confluent's
/// wire format (a magic byte 0, then the schema id as 4 bytes, big-endian), for keys and values. Only
/// these first bytes are ever read from a record; payloads are neither kept nor shown.
struct RecordEncoding: Sendable, Hashable {
    /// Records read.
    var records = 0
    /// Partitions read (each up to its latest record).
    var partitions = 0
    /// The schema ids of the values and of the keys.
    var valueIDs: Set<Int> = []
    var keyIDs: Set<Int> = []
    /// Values that are not in the wire format (tombstones aside).
    var plainValues = 0
    /// Keys that are not in the wire format (absent keys aside): common, and no concern.
    var plainKeys = 0

    init(partitions: Int, samples: [KafkaHandle.RecordSample]) {
        self.partitions = partitions
        records = samples.count
        for sample in samples {
            if let value = sample.valuePrefix {
                if let id = Self.schemaID(value) { valueIDs.insert(id) } else { plainValues += 1 }
            }
            if let key = sample.keyPrefix {
                if let id = Self.schemaID(key) { keyIDs.insert(id) } else { plainKeys += 1 }
            }
        }
    }

    /// The schema id of a key or value in the wire format, from its first bytes; nil otherwise.
    static func schemaID(_ prefix: [UInt8]) -> Int? {
        guard prefix.count >= 5, prefix[0] == 0 else { return nil }
        return prefix[1...4].reduce(0) { $0 << 8 | Int($1) }
    }
}
