import RdKafka

/// Which stage of connecting to Kafka failed, read from librdkafka's error events and log lines.
struct ConnectionDiagnosis: Sendable, Hashable {
    enum Stage: String, Sendable {
        case dns
        case tcp
        case tls
        case authentication
        case allBrokersDown = "all_brokers_down"
        case timeout

        /// The code of a check that failed at this stage.
        var code: CheckCode {
            switch self {
            case .dns: .dns
            case .tcp: .tcp
            case .tls: .tls
            case .authentication: .authentication
            case .allBrokersDown: .allBrokersDown
            case .timeout: .timeout
            }
        }
    }

    var stage: Stage
    var message: String
    var hint: String
    /// The librdkafka line the verdict rests on (secrets never appear in librdkafka's messages).
    var evidence: String?

    /// `true` when waiting longer cannot change the verdict. A refused connection is final only once
    /// librdkafka has given up on every bootstrap broker (ALL_BROKERS_DOWN); before that, another
    /// broker of the list may still answer.
    var isDefinitive = true

    /// Classifies from the most telling evidence: authentication beats TLS beats DNS beats TCP.
    static func diagnose(
        events: [KafkaEventLog.Event],
        bootstrap: BootstrapServers,
        privateNetworking: Bool
    ) -> ConnectionDiagnosis? {
        func first(_ matches: (KafkaEventLog.Event) -> Bool) -> KafkaEventLog.Event? { events.first(where: matches) }
        let servers = bootstrap.bootstrapServers
        let privateHint =
            privateNetworking
            ? " This share uses private networking: connect from a network attached to its PrivateLink / Private Service Connect endpoint."
            : " If the share uses private networking (PrivateLink / Private Service Connect), connect from a network attached to that endpoint."

        if let event = first({
            $0.code == KafkaError.authentication || $0.code == KafkaError.saslAuthenticationFailed
                || $0.text.contains("SASL authentication error") || $0.text.contains("Authentication failed")
        }) {
            return ConnectionDiagnosis(
                stage: .authentication,
                message: "SASL/PLAIN authentication was rejected by \(servers)",
                hint:
                    "The API key or secret is wrong, was deleted, or was rotated by the provider. Use the api_key/secret "
                    + "of this share (not a Cloud API key); if they were rotated, ask the provider for a new invitation.",
                evidence: event.text
            )
        }
        if let event = first({
            $0.code == KafkaError.ssl || $0.text.contains("SSL handshake failed")
                || $0.text.contains("certificate verify failed")
        }) {
            let text = event.text.lowercased()
            let (message, hint): (String, String)
            if text.contains("hostname mismatch") || text.contains("host name mismatch") {
                message = "the broker's TLS certificate does not match the host name"
                hint =
                    "Connect using the bootstrap host name from the share, not an IP address or an alias; for private "
                    + "networking make DNS resolve the cluster's own host names."
            } else if text.contains("expired") {
                message = "the broker's TLS certificate has expired or the local clock is wrong"
                hint = "Check this host's clock (NTP); if it is right, report the expired certificate to the provider."
            } else if text.contains("certificate verify failed") || text.contains("unable to get local issuer") {
                message = "the broker's TLS certificate is not trusted by the CA bundle in use"
                hint =
                    "Point ssl.ca.location at a CA bundle that includes the broker's CA (--ca-file FILE, or install "
                    + "the ca-certificates package; on macOS: brew install openssl)."
            } else if text.contains("wrong version number") || text.contains("unknown protocol") {
                message = "the endpoint at \(servers) does not speak TLS"
                hint = "Check the port: Confluent Cloud brokers listen with TLS on 9092."
            } else {
                message = "the TLS handshake with \(servers) failed"
                hint = "Check for a TLS-intercepting proxy and the CA bundle (--ca-file)."
            }
            return ConnectionDiagnosis(stage: .tls, message: message, hint: hint, evidence: event.text)
        }
        if let event = first({ $0.code == KafkaError.resolve || $0.text.contains("Failed to resolve") }) {
            return ConnectionDiagnosis(
                stage: .dns,
                message: "the bootstrap host name of \(servers) cannot be resolved",
                hint: "Check DNS on this host." + privateHint,
                evidence: event.text
            )
        }
        let tcpMarkers = [
            "Connection refused", "No route to host", "Network is unreachable", "Connection timed out", "Connect to ",
        ]
        if let event = first({ event in tcpMarkers.contains { event.text.contains($0) } }) {
            return ConnectionDiagnosis(
                stage: .tcp,
                message: "no TCP connection to \(servers)",
                hint:
                    "Check that this host may open outbound connections to the brokers' port (firewall, proxy, security groups)."
                    + privateHint,
                evidence: event.text,
                isDefinitive: events.contains { $0.code == KafkaError.allBrokersDown }
            )
        }
        if let event = first({ $0.code == KafkaError.allBrokersDown }) {
            return ConnectionDiagnosis(
                stage: .allBrokersDown,
                message: "all brokers of \(servers) are down or unreachable",
                hint: "Retry shortly; if it persists, check network access to the brokers." + privateHint,
                evidence: event.text
            )
        }
        return nil
    }

    static func timeout(bootstrap: BootstrapServers, waited: Duration, lastError: KafkaError?) -> ConnectionDiagnosis {
        ConnectionDiagnosis(
            stage: .timeout,
            message: "no metadata from \(bootstrap.bootstrapServers) within \(waited.formattedSeconds)",
            hint:
                "The brokers are slow or unreachable: check latency and network access, or raise the deadline (--timeout).",
            evidence: lastError?.description,
            isDefinitive: false
        )
    }
}

extension Duration {
    /// `1.5 s`.
    var formattedSeconds: String {
        let seconds = Double(milliseconds) / 1000
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\((seconds * 10).rounded() / 10) s"
    }
}
