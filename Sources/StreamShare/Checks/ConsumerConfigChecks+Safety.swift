/// What in a consumer's configuration must not reach the share's credentials or librdkafka: a
/// connection weaker than SASL_SSL with verification, a key with a hidden byte, a key that loads code.
extension ConsumerConfigChecks {
    /// How the consumer's configuration weakens the connection its SASL credentials go over: no TLS
    /// at all (`SASL_PLAINTEXT`), or TLS without verifying the certificate or the host name. `nil` when
    /// it does not.
    func weakening() -> (key: String, code: CheckCode, what: String)? {
        let securityProtocol = consumer["security.protocol"]?.trimmingWhitespace().uppercased()
        if securityProtocol == "SASL_PLAINTEXT" {
            return ("security.protocol", .noTLS, "SASL_PLAINTEXT: no TLS, the password would be sent in clear text")
        }
        let algorithm = consumer["ssl.endpoint.identification.algorithm"]?.trimmingWhitespace().lowercased()
        if isJava {
            // Java turns the host name check off with an empty value, and has no switch for the rest;
            // "none" is not Java's, but the checks would pass it on to librdkafka as it is.
            if let algorithm, algorithm.isEmpty || algorithm == "none" {
                return (
                    "ssl.endpoint.identification.algorithm", .tlsWeakened,
                    "\(algorithm.isEmpty ? "empty" : "none"): broker host names are not verified"
                )
            }
            return nil
        }
        // librdkafka's spellings of false.
        if let verification = consumer["enable.ssl.certificate.verification"]?.trimmingWhitespace().lowercased(),
            ["false", "f", "0"].contains(verification)
        {
            return (
                "enable.ssl.certificate.verification", .tlsWeakened, "false: broker certificates are not verified"
            )
        }
        if let algorithm, algorithm == "none" || algorithm.isEmpty {
            return ("ssl.endpoint.identification.algorithm", .tlsWeakened, "none: broker host names are not verified")
        }
        return nil
    }

    /// Why the share's credentials are withheld from the consumer's connection, or `nil`: the share
    /// authenticates over SASL_SSL and the consumer's configuration weakens that.
    func credentialsWithheld() -> String? {
        guard usesSASL, let weakening = weakening() else { return nil }
        return "not tried: the consumer's configuration weakens the connection (\(weakening.key) is "
            + "\(weakening.what)); SASL credentials are never sent over a connection weaker than SASL_SSL "
            + "with verification"
    }

    /// `consumer_config.tls`: the connection is TLS, and verified.
    func tls() -> CheckResult {
        if let weakening = weakening() {
            return fail(
                .consumerTLS,
                weakening.key,
                weakening.code,
                "\(weakening.key) is \(weakening.what)",
                hint: weakening.code == .noTLS
                    ? "Set security.protocol=SASL_SSL: Confluent Cloud only accepts TLS."
                    : "Remove it: Confluent Cloud's certificates verify with the system's CA bundle."
            )
        }
        let securityProtocol = consumer["security.protocol"]?.trimmingWhitespace().uppercased() ?? "PLAINTEXT"
        guard securityProtocol.hasSuffix("SSL") else {
            return fail(
                .consumerTLS,
                "security.protocol",
                .noTLS,
                "security.protocol is \(securityProtocol): the connection has no TLS",
                hint: "Set security.protocol=SASL_SSL: Confluent Cloud only accepts TLS."
            )
        }
        return pass(.consumerTLS, "ssl.endpoint.identification.algorithm", "TLS verification is not weakened")
    }

    /// The row of a property that is never passed on (see `ConsumerConfiguration.refusal`).
    func refused(_ key: String, _ reason: String) -> CheckResult {
        fail(
            .consumerProperty,
            ConsumerConfiguration.visible(key),
            .refused,
            reason,
            hint: "Remove it from the consumer's configuration; it is not used, and the rest is verified without it."
        )
    }
}
