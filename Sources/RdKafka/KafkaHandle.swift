import CRdKafka
import Dispatch
import Synchronization

/// The one owner of an `rd_kafka_t`.
///
/// Every blocking call runs on this handle's serial dispatch queue, never on Swift's cooperative pool
/// (six concurrent one-second metadata calls starved the pool to 3 s). A caller that is cancelled is
/// answered at once; the call it started finishes by itself on the queue. `rd_kafka_destroy`, which
/// waits for librdkafka's broker threads, also runs on that queue, after every call started before it
/// — `deinit` only schedules it.
package final class KafkaHandle: Sendable {
    /// Why a handle could not be created.
    package enum CreateError: Error, Sendable {
        /// librdkafka refused a property.
        case configuration(RdKafkaConfiguration.SetError)
        /// `rd_kafka_new` failed (for example a combination of properties it rejects), with its message.
        case creation(String)
    }

    private let handle: RdKafkaPointer
    private let context: Unmanaged<KafkaEventLog>
    package let events: KafkaEventLog
    private let queue: DispatchQueue
    private let pollQueue: DispatchQueue
    /// Blocking calls started and not yet returned from C (a cancelled caller may have left one).
    private let callsInFlight = Mutex(0)

    /// `true` while a blocking call runs on the handle's queue, including one whose caller was
    /// cancelled and has moved on: such a handle must not serve a new verification (its events and
    /// its queue still belong to the old call).
    package var isBusy: Bool { callsInFlight.withLock { $0 > 0 } }

    /// Creates a consumer handle (a consumer can fetch metadata, committed offsets and messages).
    /// - Parameters:
    ///   - properties: librdkafka properties, applied in order.
    ///   - debugProtocol: Count requests by type through librdkafka's protocol debug log.
    package init(properties: [RdKafkaProperty], debugProtocol: Bool = false) throws(CreateError) {
        let conf = RdKafkaConfiguration()
        let debug: [RdKafkaProperty] = debugProtocol ? [RdKafkaProperty("debug", "protocol")] : []
        do {
            try conf.apply(properties + debug)
        } catch {
            throw .configuration(error)
        }
        let events = KafkaEventLog()
        let context = Unmanaged.passRetained(events)
        let raw = conf.release()
        rd_kafka_conf_set_opaque(raw, context.toOpaque())
        rd_kafka_conf_set_error_cb(raw) { rk, code, reason, _ in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let log = Unmanaged<KafkaEventLog>.fromOpaque(opaque).takeUnretainedValue()
            log.recordError(code: code, reason: reason.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_log_cb(raw) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let log = Unmanaged<KafkaEventLog>.fromOpaque(opaque).takeUnretainedValue()
            log.recordLog(
                level: level,
                facility: facility.map { String(cString: $0) } ?? "",
                message: message.map { String(cString: $0) } ?? ""
            )
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let created = rd_kafka_new(RD_KAFKA_CONSUMER, raw, &errorBuffer, errorBuffer.count) else {
            // rd_kafka_new owns the conf only on success.
            rd_kafka_conf_destroy(raw)
            context.release()
            let message = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw .creation(message)
        }
        self.handle = RdKafkaPointer(created)
        self.context = context
        self.events = events
        self.queue = DispatchQueue(label: "cdx-verify.kafka.handle")
        self.pollQueue = DispatchQueue(label: "cdx-verify.kafka.poll")
    }

    deinit {
        // Every block on the queues holds the handle, so none is pending now; the destroy still goes
        // to the handle's own queue: it can block for seconds and must never hold a Swift thread.
        let (handle, context) = (handle, context)
        queue.async {
            rd_kafka_destroy(handle.raw)
            context.release()
        }
    }

    /// Runs a blocking librdkafka call on this handle's serial queue. A cancelled caller gets
    /// `cancelled` at once (the call then ends by itself); an already cancelled one starts nothing.
    func blocking<T: Sendable>(
        cancelled: T,
        _ body: @escaping @Sendable (OpaquePointer) -> T
    ) async -> T {
        guard !Task.isCancelled else { return cancelled }
        let once = ResumeOnce<T>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                once.install(continuation)
                callsInFlight.withLock { $0 += 1 }
                queue.async { [self] in
                    let result = body(handle.raw)
                    callsInFlight.withLock { $0 -= 1 }
                    once.resume(result)
                }
            }
        } onCancel: {
            once.resume(cancelled)
        }
    }

    /// The failure a cancelled caller receives from a blocking call.
    static let cancelledError = KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT)

    /// Serves error callbacks (they fire only inside `rd_kafka_poll`). Polls are short and awaited in
    /// full, even when cancelled: a poll left running would report into the caller's next step.
    package func poll(milliseconds: Int32 = 0) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pollQueue.async { [self] in
                rd_kafka_poll(handle.raw, milliseconds)
                continuation.resume()
            }
        }
    }

    /// Serves the consumer queue, where group errors (e.g. a FindCoordinator authorization failure)
    /// arrive as error messages, and the main queue's error callbacks.
    package func consumerPoll(milliseconds: Int32) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pollQueue.async { [self] in
                if let message = rd_kafka_consumer_poll(handle.raw, milliseconds) {
                    let error = message.pointee.err
                    if error != RD_KAFKA_RESP_ERR_NO_ERROR, error != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                        let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
                        events.recordError(code: error.rawValue, reason: text)
                    }
                    rd_kafka_message_destroy(message)
                }
                rd_kafka_poll(handle.raw, 0)
                continuation.resume()
            }
        }
    }

    /// One Metadata request: all topics the principal may describe, or one named topic.
    package func metadata(topic: String?, timeout: Duration) async -> Result<ClusterMetadata, KafkaError> {
        let timeoutMs = Int32(clamping: timeout.milliseconds)
        let result: Result<ClusterMetadata, KafkaError> = await blocking(cancelled: .failure(Self.cancelledError)) {
            handle in
            var topicHandle: OpaquePointer? = nil
            if let topic { topicHandle = rd_kafka_topic_new(handle, topic, nil) }
            defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            let error = rd_kafka_metadata(handle, topic == nil ? 1 : 0, topicHandle, &metadata, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { return .failure(KafkaError(error)) }
            defer { rd_kafka_metadata_destroy(metadata) }
            return .success(ClusterMetadata(metadata.pointee))
        }
        await poll()
        return result
    }

    /// One Metadata request for no topic at all, answered by the broker this handle reaches first
    /// (its only bootstrap server): proves that broker reachable and the credentials accepted there,
    /// for the price of the brokers list.
    package func brokerMetadata(timeout: Duration) async -> Result<ClusterMetadata, KafkaError> {
        let timeoutMs = Int32(clamping: timeout.milliseconds)
        let result: Result<ClusterMetadata, KafkaError> = await blocking(cancelled: .failure(Self.cancelledError)) {
            handle in
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            let error = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { return .failure(KafkaError(error)) }
            defer { rd_kafka_metadata_destroy(metadata) }
            return .success(ClusterMetadata(metadata.pointee))
        }
        await poll()
        return result
    }

    /// The committed offsets of this handle's `group.id` for many partitions at once (one OffsetFetch),
    /// without joining the group.
    /// - Returns: By topic and partition, the offsets committed; a partition without one is absent.
    package func committed(
        _ partitions: [String: [Int32]],
        timeout: Duration
    ) async -> Result<[String: [Int32: Int64]], KafkaError> {
        let timeoutMs = Int32(clamping: timeout.milliseconds)
        return await blocking(cancelled: .failure(Self.cancelledError)) { handle in
            guard partitions.values.contains(where: { !$0.isEmpty }) else { return .success([:]) }
            return Self.withPartitionList(partitions) { list in
                let error = rd_kafka_committed(handle, list, timeoutMs)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(error)) }
                // A partition-level topic error says nothing about the group: the group answered.
                let topicErrors = [
                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                ]
                var offsets: [String: [Int32: Int64]] = [:]
                for element in UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt)) {
                    guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR || topicErrors.contains(element.err) else {
                        return .failure(KafkaError(element.err))
                    }
                    guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 else { continue }
                    offsets[String(cString: element.topic), default: [:]][element.partition] = element.offset
                }
                return .success(offsets)
            }
        }
    }

    /// Joins this handle's group through a subscription to `topic`, waits for the first assignment (or
    /// an error), then leaves the group cleanly. Nothing is committed.
    package func joinAndLeave(topic: String, timeout: Duration) async -> Result<Int, KafkaError> {
        let deadline = ContinuousClock.now + timeout
        return await blocking(cancelled: .failure(Self.cancelledError)) { handle in
            guard let list = rd_kafka_topic_partition_list_new(1) else {
                return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL))
            }
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
            let subscribeError = rd_kafka_subscribe(handle, list)
            guard subscribeError == RD_KAFKA_RESP_ERR_NO_ERROR else { return .failure(KafkaError(subscribeError)) }
            defer { rd_kafka_consumer_close(handle) }
            while ContinuousClock.now < deadline {
                let remaining = Int32(clamping: max((deadline - ContinuousClock.now).milliseconds, 1))
                if let message = rd_kafka_consumer_poll(handle, min(remaining, 100)) {
                    let error = message.pointee.err
                    rd_kafka_message_destroy(message)
                    if error != RD_KAFKA_RESP_ERR_NO_ERROR, error != RD_KAFKA_RESP_ERR__PARTITION_EOF,
                        error != RD_KAFKA_RESP_ERR__TRANSPORT
                    {
                        return .failure(KafkaError(error))
                    }
                }
                var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
                if rd_kafka_assignment(handle, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment {
                    let count = Int(assignment.pointee.cnt)
                    rd_kafka_topic_partition_list_destroy(assignment)
                    if count > 0 { return .success(count) }
                }
            }
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT))
        }
    }

    /// Runs `body` with a librdkafka list of `partitions`, each at `offset` (when given); the list is
    /// destroyed after it.
    static func withPartitionList<T>(
        _ partitions: [String: [Int32]],
        offset: Int64? = nil,
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Result<T, KafkaError>
    ) -> Result<T, KafkaError> {
        let count = partitions.values.reduce(0) { $0 + $1.count }
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(count, 1))) else {
            return .failure(KafkaError(RD_KAFKA_RESP_ERR__FAIL))
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (topic, numbers) in partitions {
            for partition in numbers {
                let element = rd_kafka_topic_partition_list_add(list, topic, partition)
                if let offset { element?.pointee.offset = offset }
            }
        }
        return body(list)
    }
}
