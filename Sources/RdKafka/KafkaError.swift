import CRdKafka

/// A librdkafka error code with its name and description, copied out of the C library.
package struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    package let code: Int32
    package let name: String
    package let message: String

    init(_ error: rd_kafka_resp_err_t) {
        self.code = error.rawValue
        self.name = String(cString: rd_kafka_err2name(error))
        self.message = String(cString: rd_kafka_err2str(error))
    }

    package init(code: Int32) {
        self.init(rd_kafka_resp_err_t(rawValue: code))
    }

    package static let topicAuthorizationFailed: Int32 = RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue
    package static let groupAuthorizationFailed: Int32 = RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED.rawValue
    package static let unknownTopicOrPartition: Int32 = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    package static let leaderNotAvailable: Int32 = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue
    package static let timedOut: Int32 = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    package static let transport: Int32 = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
    package static let resolve: Int32 = RD_KAFKA_RESP_ERR__RESOLVE.rawValue
    package static let allBrokersDown: Int32 = RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
    package static let ssl: Int32 = RD_KAFKA_RESP_ERR__SSL.rawValue
    package static let authentication: Int32 = RD_KAFKA_RESP_ERR__AUTHENTICATION.rawValue
    package static let saslAuthenticationFailed: Int32 = RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED.rawValue
    package static let unsupportedSASLMechanism: Int32 = RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM.rawValue
    package static let illegalSASLState: Int32 = RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE.rawValue
    package static let coordinatorNotAvailable: Int32 = RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue
    package static let offsetOutOfRange: Int32 = RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE.rawValue

    package var description: String { "\(name): \(message)" }
}
