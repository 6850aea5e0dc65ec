import RdKafka

extension KafkaProbe {
    // MARK: kafka.connect

    func connect(_ handle: KafkaHandle, watch: Stopwatch) async -> ClusterMetadata? {
        let bootstrap = config.bootstrap
        var lastError: KafkaError? = nil
        while remaining > .zero {
            let slice = min(remaining, .seconds(1))
            switch await handle.metadata(topic: nil, timeout: slice) {
            case .success(let metadata):
                let insecure = bootstrap.isInsecure
                sink.add(
                    CheckResult(
                        .kafkaConnect,
                        status: insecure ? .warn : .pass,
                        code: insecure ? "connected_plaintext" : "connected",
                        message: "connected to \(metadata.brokers.count) broker(s) via \(bootstrap.bootstrapServers) "
                            + (insecure
                                ? "over PLAINTEXT (no TLS, no authentication)"
                                : "(SASL_SSL, authenticated as \(share.apiKey))"),
                        hint: insecure ? "PLAINTEXT is only acceptable for the local sandbox." : nil,
                        durationMs: watch.elapsedMs,
                        details: [
                            "brokers": "\(metadata.brokers.count)",
                            "security_protocol": bootstrap.securityProtocol.rawValue,
                            "metadata_from": metadata.originatingBroker,
                        ]
                    )
                )
                return metadata
            case .failure(let error):
                lastError = error
            }
            await handle.poll()
            if let diagnosis = ConnectionDiagnosis.diagnose(
                events: handle.events.events,
                bootstrap: bootstrap,
                privateNetworking: privateNetworking
            ), diagnosis.isDefinitive {
                sink.add(failure(diagnosis, watch: watch, lastError: lastError))
                return nil
            }
        }
        let waited = Duration.milliseconds(Int64(watch.elapsedMs))
        let diagnosis =
            ConnectionDiagnosis.diagnose(
                events: handle.events.events,
                bootstrap: bootstrap,
                privateNetworking: privateNetworking
            ) ?? .timeout(bootstrap: bootstrap, waited: waited, lastError: lastError)
        sink.add(failure(diagnosis, watch: watch, lastError: lastError))
        return nil
    }

    private func failure(_ diagnosis: ConnectionDiagnosis, watch: Stopwatch, lastError: KafkaError?) -> CheckResult {
        var details = ["stage": diagnosis.stage.rawValue]
        if let evidence = diagnosis.evidence { details["librdkafka"] = share.secret.scrub(evidence) }
        if let lastError { details["last_error"] = lastError.name }
        return CheckResult(
            .kafkaConnect,
            status: .fail,
            code: diagnosis.stage.rawValue,
            message: diagnosis.message,
            hint: diagnosis.hint,
            durationMs: watch.elapsedMs,
            details: details
        )
    }
}
