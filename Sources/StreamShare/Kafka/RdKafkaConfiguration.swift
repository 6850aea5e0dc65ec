import CRdKafka

/// Owns one `rd_kafka_conf_t` and frees it on every path.
///
/// Each property goes through `rd_kafka_conf_set`, so an unknown key or a value librdkafka rejects
/// is an error at the moment the configuration is built, naming the key, never at first connect.
/// Not thread-safe: it is built and consumed by one caller, then dropped or handed to `rd_kafka_new`.
final class RdKafkaConfiguration {
    /// Why librdkafka refused a property.
    enum SetError: Error {
        case unknownProperty(key: String, message: String)
        case invalidValue(key: String, message: String)
    }

    private var handle: OpaquePointer?

    init() {
        self.handle = rd_kafka_conf_new()
    }

    deinit {
        if let handle { rd_kafka_conf_destroy(handle) }
    }

    /// Sets one property through librdkafka's own validation.
    /// - Parameters:
    ///   - key: The librdkafka property name.
    ///   - value: Its value.
    ///   - secret: When the value is a secret, it is scrubbed from librdkafka's error text.
    func set(_ key: String, _ value: String, secret: Secret? = nil) throws(SetError) {
        guard let handle else { preconditionFailure("configuration used after it was handed over") }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(handle, key, value, &errorBuffer, errorBuffer.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        var message = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if let secret { message = secret.scrub(message) }
        if result == RD_KAFKA_CONF_UNKNOWN {
            throw .unknownProperty(key: key, message: message)
        }
        throw .invalidValue(key: key, message: message)
    }

    /// Sets every property in order (secrets scrubbed from librdkafka's messages).
    /// - Throws: ``ConfigurationError`` naming the first property librdkafka refuses.
    func apply(_ properties: [ConfigProperty]) throws(ConfigurationError) {
        for property in properties {
            let secret: Secret? = if case .secret(let value) = property.value { value } else { nil }
            do {
                try set(property.key, property.value.revealed, secret: secret)
            } catch {
                switch error {
                case .unknownProperty(let key, let message):
                    throw ConfigurationError(code: .unknownProperty, key: key, message: message)
                case .invalidValue(let key, let message):
                    throw ConfigurationError(code: .invalidValue, key: key, message: message)
                }
            }
        }
    }

    /// Gives up ownership of the `rd_kafka_conf_t`, e.g. to `rd_kafka_new`, which owns it on success.
    /// - Returns: The handle; the caller must destroy it if `rd_kafka_new` fails.
    func release() -> OpaquePointer {
        guard let handle else { preconditionFailure("configuration handed over twice") }
        self.handle = nil
        return handle
    }
}
