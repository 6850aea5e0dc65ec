import CRdKafka

extension KafkaHandle {
    /// A record's timestamp, as the record says it: set by its producer or by the broker.
    package struct RecordTimestamp: Sendable, Hashable {
        /// Who set the timestamp (the topic's `message.timestamp.type`).
        package enum Kind: String, Sendable, Hashable {
            /// Set by the producer: can be wrong, or in the future.
            case createTime = "CreateTime"
            /// Set by the broker when it appended the record.
            case logAppendTime = "LogAppendTime"
        }

        /// Milliseconds since the Unix epoch.
        package var milliseconds: Int64
        package var kind: Kind

        package init(milliseconds: Int64, kind: Kind) {
            self.milliseconds = milliseconds
            self.kind = kind
        }
    }

    /// The first bytes of a record's key and value (enough for Confluent's wire format header: a
    /// magic byte and a 4-byte schema id), never the payload; its offset and timestamp.
    package struct RecordSample: Sendable, Hashable {
        package var partition: Int32
        package var offset: Int64
        /// nil: the record carries none (-1).
        package var timestamp: RecordTimestamp?
        /// Up to the first 5 bytes of the key (nil: no key).
        package var keyPrefix: [UInt8]?
        /// Up to the first 5 bytes of the value (nil: a tombstone).
        package var valuePrefix: [UInt8]?

        package init(
            partition: Int32,
            offset: Int64 = 0,
            timestamp: RecordTimestamp? = nil,
            keyPrefix: [UInt8]?,
            valuePrefix: [UInt8]?
        ) {
            self.partition = partition
            self.offset = offset
            self.timestamp = timestamp
            self.keyPrefix = keyPrefix
            self.valuePrefix = valuePrefix
        }
    }

    /// What a read of one topic's partitions found.
    package struct TopicSample: Sendable, Hashable {
        /// The first record read from each partition that had one.
        package var records: [RecordSample]
        /// Each answered partition's high watermark (the offset the next record will get), as the
        /// read's fetch responses said: no request of its own.
        package var highWatermarks: [Int32: Int64]

        package init(records: [RecordSample] = [], highWatermarks: [Int32: Int64] = [:]) {
            self.records = records
            self.highWatermarks = highWatermarks
        }
    }

    /// Where a read of a partition starts.
    package enum ReadStart: Sendable, Hashable {
        /// At the partition's latest record (`OFFSET_TAIL(1)`: a ListOffsets, then the fetch).
        case latest
        /// At this offset (the next record at or after it, in a compacted topic).
        case offset(Int64)
    }

    /// Bytes kept of a sampled key or value.
    package static let samplePrefixLength = 5

    /// Reads the latest record of each of the first `partitions` partitions of every topic at once:
    /// first the end of every partition, by one ListOffsets request per leader (``endOffsets(_:timeout:)``),
    /// then one fetch per broker from the offset before each end, every partition fetchable at once.
    /// A partition whose end could not be looked up is read from `OFFSET_TAIL(1)` (librdkafka then
    /// looks its end up on its own). See ``sample(_:timeout:)``.
    package func sampleLatest(
        _ topics: [(name: String, partitions: Int)],
        timeout: Duration
    ) async -> [String: Result<TopicSample, KafkaError>] {
        let deadline = ContinuousClock.now + timeout
        var partitions: [String: [Int32]] = [:]
        for topic in topics { partitions[topic.name] = Array(0..<Int32(clamping: max(1, topic.partitions))) }
        let ends = (try? await endOffsets(partitions, timeout: timeout).get()) ?? [:]
        var starts: [String: [Int32: ReadStart]] = [:]
        for (topic, numbers) in partitions {
            for partition in numbers {
                let end = ends[topic]?[partition].flatMap { try? $0.get() }
                starts[topic, default: [:]][partition] = end.map { .offset(max($0 - 1, 0)) } ?? .latest
            }
        }
        return await sample(starts, timeout: max(deadline - ContinuousClock.now, .milliseconds(1)))
    }

    /// Reads one record of each partition given, from where it says, every topic at once (one fetch
    /// per broker), without committing or joining a group. Proves READ, not only DESCRIBE: the
    /// broker's first answer about a topic (a record or the end of a partition) does. Returns when
    /// every partition has answered or its topic was refused, or at `timeout`: then a topic with an
    /// answer keeps what came, and one without has timed out.
    /// - Returns: By topic, the record read of each partition and the high watermarks, or the
    ///   broker's refusal.
    package func sample(
        _ starts: [String: [Int32: ReadStart]],
        timeout: Duration
    ) async -> [String: Result<TopicSample, KafkaError>] {
        let deadline = ContinuousClock.now + timeout
        let cancelled = starts.mapValues { _ in Result<TopicSample, KafkaError>.failure(Self.cancelledError) }
        return await blocking(cancelled: cancelled) { handle in
            let total = starts.values.reduce(0) { $0 + $1.count }
            guard total > 0 else { return [:] }
            guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: total)) else {
                return cancelled.mapValues { _ in .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL)) }
            }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for (topic, partitions) in starts {
                for (partition, start) in partitions {
                    let element = rd_kafka_topic_partition_list_add(list, topic, partition)
                    switch start {
                    // RD_KAFKA_OFFSET_TAIL(1), a function-like macro Swift cannot import.
                    case .latest: element?.pointee.offset = Int64(RD_KAFKA_OFFSET_TAIL_BASE) - 1
                    case .offset(let offset): element?.pointee.offset = offset
                    }
                }
            }
            let assignError = rd_kafka_assign(handle, list)
            guard assignError == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return cancelled.mapValues { _ in .failure(KafkaError(assignError)) }
            }
            defer { rd_kafka_assign(handle, nil) }
            var read = Reading(open: starts.mapValues { Set($0.keys) })
            while ContinuousClock.now < deadline, read.waiting {
                let remaining = Int32(clamping: max((deadline - ContinuousClock.now).milliseconds, 1))
                guard let message = rd_kafka_consumer_poll(handle, min(remaining, 200)) else { continue }
                defer { rd_kafka_message_destroy(message) }
                read.take(message.pointee, timestamp: Self.timestamp(message))
            }
            return read.results(topics: starts.keys) { topic, partition in
                var low: Int64 = 0
                var high: Int64 = 0
                let error = rd_kafka_get_watermark_offsets(handle, topic, partition, &low, &high)
                return error == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
            }
        }
    }

    /// The high watermark (end offset) of every partition given, by one ListOffsets request per
    /// partition leader (`rd_kafka_offsets_for_times` at "latest"), where `OFFSET_TAIL` costs one per
    /// partition.
    /// - Returns: By topic and partition, the end offset or the partition's error; or the failure of
    ///   the whole lookup.
    package func endOffsets(
        _ partitions: [String: [Int32]],
        timeout: Duration
    ) async -> Result<[String: [Int32: Result<Int64, KafkaError>]], KafkaError> {
        let timeoutMs = Int32(clamping: timeout.milliseconds)
        return await blocking(cancelled: .failure(Self.cancelledError)) { handle in
            guard partitions.values.contains(where: { !$0.isEmpty }) else { return .success([:]) }
            // The timestamp -1 (RD_KAFKA_OFFSET_END) asks for the end of each partition.
            return Self.withPartitionList(partitions, offset: Int64(RD_KAFKA_OFFSET_END)) { list in
                let error = rd_kafka_offsets_for_times(handle, list, timeoutMs)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(error)) }
                var ends: [String: [Int32: Result<Int64, KafkaError>]] = [:]
                for element in UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)) {
                    let topic = String(cString: element.topic)
                    ends[topic, default: [:]][element.partition] =
                        element.err == RD_KAFKA_RESP_ERR_NO_ERROR && element.offset >= 0
                        ? .success(element.offset) : .failure(KafkaError(element.err))
                }
                return .success(ends)
            }
        }
    }

    private static func timestamp(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> RecordTimestamp? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let milliseconds = rd_kafka_message_timestamp(message, &type)
        guard milliseconds >= 0 else { return nil }
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: return RecordTimestamp(milliseconds: milliseconds, kind: .createTime)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME:
            return RecordTimestamp(milliseconds: milliseconds, kind: .logAppendTime)
        default: return nil
        }
    }

    fileprivate static func prefix(_ pointer: UnsafeMutableRawPointer?, _ length: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: min(length, samplePrefixLength)))
    }
}

/// The state of a sampled read: which partitions still owe an answer, what came.
private struct Reading {
    var open: [String: Set<Int32>]
    var records: [String: [KafkaHandle.RecordSample]] = [:]
    /// The end offset of each partition that answered with its end.
    var ends: [String: [Int32: Int64]] = [:]
    var failures: [String: KafkaError] = [:]

    /// Transient transport hiccups are retried by librdkafka; errors of the handle's group (its
    /// coordinator denied or unavailable) say nothing about READ on the topic, which a fetch needs no
    /// group for; topic authorization is final.
    private static let ignorable = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
    ]

    var waiting: Bool { open.values.contains { !$0.isEmpty } }

    mutating func take(_ message: rd_kafka_message_t, timestamp: KafkaHandle.RecordTimestamp?) {
        let error = message.err
        guard let topicHandle = message.rkt, let name = rd_kafka_topic_name(topicHandle).map(String.init(cString:))
        else {
            // An error about no topic in particular (authentication, all brokers down, TLS) ends every
            // topic still waiting.
            if error != RD_KAFKA_RESP_ERR_NO_ERROR, !Self.ignorable.contains(error) {
                for (topic, partitions) in open where !partitions.isEmpty {
                    failures[topic] = KafkaError(error)
                    open[topic] = []
                }
            }
            return
        }
        // Each partition is read once: later records (a busy topic) and answers for a partition already
        // done are not kept.
        guard open[name]?.contains(message.partition) == true else { return }
        switch error {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            records[name, default: []].append(
                KafkaHandle.RecordSample(
                    partition: message.partition,
                    offset: message.offset,
                    timestamp: timestamp,
                    keyPrefix: KafkaHandle.prefix(message.key, message.key_len),
                    valuePrefix: KafkaHandle.prefix(message.payload, message.len)
                )
            )
            open[name]?.remove(message.partition)
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            ends[name, default: [:]][message.partition] = message.offset  // answered: READ is proven
            open[name]?.remove(message.partition)
        case _ where Self.ignorable.contains(error):
            return
        default:
            failures[name] = KafkaError(error)
            open[name] = []
        }
    }

    /// Every topic's outcome; `watermark` reads a partition's cached high watermark.
    func results(
        topics: some Sequence<String>,
        watermark: (String, Int32) -> Int64?
    ) -> [String: Result<KafkaHandle.TopicSample, KafkaError>] {
        var results: [String: Result<KafkaHandle.TopicSample, KafkaError>] = [:]
        for topic in topics {
            if let failure = failures[topic] {
                results[topic] = .failure(failure)
                continue
            }
            let read = records[topic] ?? []
            let ended = ends[topic] ?? [:]
            guard !read.isEmpty || !ended.isEmpty else {
                results[topic] = .failure(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT))
                continue
            }
            var highWatermarks: [Int32: Int64] = [:]
            for record in read {
                // The fetch that brought the record said the end; the record's successor is the least
                // it can be.
                highWatermarks[record.partition] = max(watermark(topic, record.partition) ?? 0, record.offset + 1)
            }
            for (partition, end) in ended {
                highWatermarks[partition] = max(watermark(topic, partition) ?? end, end)
            }
            results[topic] = .success(KafkaHandle.TopicSample(records: read, highWatermarks: highWatermarks))
        }
        return results
    }
}
