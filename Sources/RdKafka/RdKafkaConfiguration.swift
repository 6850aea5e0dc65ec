import CRdKafka

/// One librdkafka property as the C boundary takes it.
package struct RdKafkaProperty: Sendable, Hashable, CustomStringConvertible {
    /// The librdkafka property name.
    package var key: String
    /// Its value, secrets included (never printed: see ``description``).
    package var value: String
    /// The value is a credential: scrubbed from librdkafka's error messages and from ``description``.
    package var isSecret: Bool

    package init(_ key: String, _ value: String, isSecret: Bool = false) {
        self.key = key
        self.value = value
        self.isSecret = isSecret
    }

    package var description: String { "\(key)=\(isSecret ? "<redacted>" : value)" }
}

/// Owns one `rd_kafka_conf_t` and frees it on every path.
///
/// Each property goes through `rd_kafka_conf_set`, so an unknown key or a value librdkafka rejects
/// is an error at the moment the configuration is built, naming the key, never at first connect.
/// Not thread-safe: it is built and consumed by one caller, then dropped or handed to `rd_kafka_new`.
package final class RdKafkaConfiguration {
    /// Why librdkafka refused a property; the message never contains the property's secret value.
    package enum SetError: Error, Sendable, Hashable {
        case unknownProperty(key: String, message: String)
        case invalidValue(key: String, message: String)
    }

    private var handle: OpaquePointer?

    package init() {
        self.handle = rd_kafka_conf_new()
    }

    deinit {
        if let handle { rd_kafka_conf_destroy(handle) }
    }

    /// Sets one property through librdkafka's own validation.
    package func set(_ property: RdKafkaProperty) throws(SetError) {
        guard let handle else { preconditionFailure("configuration used after it was handed over") }
        // C ends a string at NUL: `bootstrap.servers\0…` would set bootstrap.servers, a property other
        // than the one named (and a value would be cut short). Never handed to librdkafka.
        guard !property.key.utf8.contains(0), !property.value.utf8.contains(0) else {
            throw .invalidValue(
                key: property.key.replacing("\u{0}", with: "\\0"),
                message: "the \(property.key.utf8.contains(0) ? "name" : "value") contains a NUL byte"
            )
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, property.key, property.value, &errorBuffer, errorBuffer.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        var message = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if property.isSecret, !property.value.isEmpty {
            message = message.replacing(property.value, with: "<redacted>")
        }
        if result == RD_KAFKA_CONF_UNKNOWN {
            throw .unknownProperty(key: property.key, message: message)
        }
        throw .invalidValue(key: property.key, message: message)
    }

    /// Sets every property in order; the first one librdkafka refuses ends it.
    package func apply(_ properties: [RdKafkaProperty]) throws(SetError) {
        for property in properties { try set(property) }
    }

    /// Gives up ownership of the `rd_kafka_conf_t`, e.g. to `rd_kafka_new`, which owns it on success.
    /// - Returns: The handle; the caller must destroy it if `rd_kafka_new` fails.
    package func release() -> OpaquePointer {
        guard let handle else { preconditionFailure("configuration handed over twice") }
        self.handle = nil
        return handle
    }
}
