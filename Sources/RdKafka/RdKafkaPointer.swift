/// A librdkafka object pointer that may cross threads.
///
/// `@unchecked Sendable` lives here and nowhere else. librdkafka's objects are thread-safe for the
/// calls this package makes on them; what is not (destroying one while a call is in flight) is ruled
/// out by their owners: ``KafkaHandle`` destroys its `rd_kafka_t` on its own serial queue, after every
/// call it started, and every other owner serialises its calls under a lock.
package struct RdKafkaPointer: @unchecked Sendable {
    /// The C object.
    package let raw: OpaquePointer

    package init(_ raw: OpaquePointer) { self.raw = raw }
}
