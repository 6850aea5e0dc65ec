import CRdKafka

/// A librdkafka error code with its name and description, copied out of the C library.
struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    let code: Int32
    let name: String
    let message: String

    init(_ error: rd_kafka_resp_err_t) {
        self.code = error.rawValue
        self.name = String(cString: rd_kafka_err2name(error))
        self.message = String(cString: rd_kafka_err2str(error))
    }

    init(code: Int32) {
        self.init(rd_kafka_resp_err_t(rawValue: code))
    }

    static let topicAuthorizationFailed: Int32 = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue
    static let groupAuthorizationFailed: Int32 = RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED.rawValue
    static let unknownTopicOrPartition: Int32 = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    static let leaderNotAvailable: Int32 = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue
    static let timedOut: Int32 = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    static let transport: Int32 = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
    static let resolve: Int32 = RD_KAFKA_RESP_ERR__RESOLVE.rawValue
    static let allBrokersDown: Int32 = RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
    static let ssl: Int32 = RD_KAFKA_RESP_ERR__SSL.rawValue
    static let authentication: Int32 = RD_KAFKA_RESP_ERR__AUTHENTICATION.rawValue
    static let saslAuthenticationFailed: Int32 = RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED.rawValue
    static let unsupportedSASLMechanism: Int32 = RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM.rawValue
    static let illegalSASLState: Int32 = RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE.rawValue
    static let coordinatorNotAvailable: Int32 = RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue
    static let offsetOutOfRange: Int32 = RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE.rawValue

    var description: String { "\(name): \(message)" }
}
