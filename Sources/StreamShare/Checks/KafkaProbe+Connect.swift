import RdKafka

extension KafkaProbe {
    // MARK: kafka.connect

    func connect(_ handle: KafkaHandle, watch: Stopwatch) async -> ClusterMetadata? {
        let bootstrap = config.bootstrap
        switch await reach(handle, servers: bootstrap, request: { await $0.metadata(topic: nil, timeout: $1) }) {
        case .success(let metadata):
            let insecure = bootstrap.isInsecure
            sink.add(
                CheckResult(
                    .kafkaConnect,
                    status: insecure ? .warn : .pass,
                    code: insecure ? .connectedPlaintext : .connected,
                    message: "connected to \(metadata.brokers.count) broker(s) via \(bootstrap.bootstrapServers) "
                        + (insecure
                            ? "over PLAINTEXT (no TLS, no authentication)"
                            : "(SASL_SSL, authenticated as \(config["sasl.username"] ?? share.apiKey))"),
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
        case .failure(let unreachable):
            sink.add(failure(.kafkaConnect, resource: nil, unreachable, watch: watch))
            return nil
        }
    }

    /// Why `servers` could not be reached: the stage and librdkafka's last error.
    struct Unreachable: Error {
        var diagnosis: ConnectionDiagnosis
        var lastError: KafkaError?
    }

    /// Asks `handle` for metadata in one-second slices until it answers, librdkafka's events give a
    /// final diagnosis (refused by every address, TLS, authentication, DNS), or time runs out: the
    /// verification's, or `budget` when given.
    func reach(
        _ handle: KafkaHandle,
        servers: BootstrapServers,
        budget: Duration? = nil,
        request: (KafkaHandle, Duration) async -> Result<ClusterMetadata, KafkaError>
    ) async -> Result<ClusterMetadata, Unreachable> {
        let watch = Stopwatch()
        let end = min(deadline, budget.map { ContinuousClock.now + $0 } ?? deadline)
        var left: Duration { Task.isCancelled ? .zero : max(end - ContinuousClock.now, .zero) }
        var lastError: KafkaError? = nil
        while left > .zero {
            switch await request(handle, min(left, .seconds(1))) {
            case .success(let metadata): return .success(metadata)
            case .failure(let error): lastError = error
            }
            await handle.poll()
            if let diagnosis = ConnectionDiagnosis.diagnose(
                events: handle.events.events,
                bootstrap: servers,
                privateNetworking: privateNetworking
            ), diagnosis.isDefinitive {
                return .failure(Unreachable(diagnosis: diagnosis, lastError: lastError))
            }
        }
        let waited = Duration.milliseconds(Int64(watch.elapsedMs))
        let diagnosis =
            ConnectionDiagnosis.diagnose(
                events: handle.events.events,
                bootstrap: servers,
                privateNetworking: privateNetworking
            ) ?? .timeout(bootstrap: servers, waited: waited, lastError: lastError)
        return .failure(Unreachable(diagnosis: diagnosis, lastError: lastError))
    }

    /// The failed result of a connection check, with its stage as the code.
    func failure(
        _ id: CheckID,
        resource: String?,
        _ unreachable: Unreachable,
        hint extraHint: String? = nil,
        watch: Stopwatch
    ) -> CheckResult {
        let diagnosis = unreachable.diagnosis
        var details = ["stage": diagnosis.stage.rawValue]
        if let evidence = diagnosis.evidence { details["librdkafka"] = config.scrubber(also: [share.secret])(evidence) }
        if let lastError = unreachable.lastError { details["last_error"] = lastError.name }
        return CheckResult(
            id,
            resource: resource,
            status: .fail,
            code: diagnosis.stage.code,
            message: diagnosis.message,
            hint: extraHint.map { "\($0) \(diagnosis.hint)" } ?? diagnosis.hint,
            durationMs: watch.elapsedMs,
            details: details
        )
    }
}
