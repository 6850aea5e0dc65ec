import RdKafka

extension ConfigProperty {
    /// The property as the C boundary takes it (secrets stay marked, so librdkafka's messages are scrubbed).
    var rdKafka: RdKafkaProperty { RdKafkaProperty(key, value.revealed, isSecret: value.isSecret) }
}

extension ConfigurationError {
    /// librdkafka refused a property.
    init(_ error: RdKafkaConfiguration.SetError) {
        switch error {
        case .unknownProperty(let key, let message): self.init(code: .unknownProperty, key: key, message: message)
        case .invalidValue(let key, let message): self.init(code: .invalidValue, key: key, message: message)
        }
    }
}
