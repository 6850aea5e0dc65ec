extension SchemaRegistryProbe {
    /// A request that got no usable answer, as the failure of check `id`: the budget ran out, or
    /// the transport's stage (TLS, timeout, connect, a broken connection, a response too large).
    func transportFailure(
        _ id: CheckID,
        resource: String?,
        _ error: TransportError,
        watch: Stopwatch
    ) -> CheckResult {
        let host = registry.url.host ?? registry.url.absoluteString
        if error.outOfBudget {
            return CheckResult(
                id,
                resource: resource,
                status: .fail,
                code: .rateBudget,
                message: "not read: the request budget (--registry-rate) left no time for it before the deadline",
                hint: "Give the verification more time (--timeout), or a larger budget (--registry-rate); the "
                    + "registry's own limit is shared with the provider's clients.",
                durationMs: watch.elapsedMs
            )
        }
        let (code, message, hint): (CheckCode, String, String) =
            switch error.kind {
            case .tls:
                (
                    .tls, "the TLS handshake with the Schema Registry at \(host) failed",
                    "Check the CA bundle (--ca-file) and any TLS-intercepting proxy."
                )
            case .timeoutAfterSend, .cancelled:
                (
                    .timeout, "the Schema Registry at \(host) did not answer in time",
                    "Retry, or raise the deadline (--timeout)."
                )
            case .notSent:
                error.timedOut
                    ? (
                        .timeout, "the Schema Registry at \(host) could not be reached in time",
                        "Check network access to the registry, or raise the deadline (--timeout)."
                    )
                    : (
                        .connect, "cannot connect to the Schema Registry at \(host)",
                        "Check DNS and network access to the registry URL (proxy, firewall, private networking)."
                    )
            case .connectionLostAfterSend:
                (
                    .connectionLost, "the connection to the Schema Registry at \(host) broke",
                    "Retry; check proxies between this host and the registry."
                )
            case .responseTooLarge:
                (
                    .responseTooLarge, "the Schema Registry answer exceeded the size limit",
                    "Check that the URL points at a Schema Registry."
                )
            case .invalidRequest:
                (.invalidURL, "the Schema Registry URL cannot be used", "Check schema_registry_url in the share.")
            }
        return CheckResult(
            id,
            resource: resource,
            status: .fail,
            code: code,
            message: message,
            hint: hint,
            durationMs: watch.elapsedMs,
            details: ["error": scrub(error.detail)]
        )
    }

    func httpFailure(
        _ subject: String,
        _ response: TransportResponse,
        stage: String,
        id: CheckID = .schemaRegistrySubject,
        resource: String? = nil,
        watch: Stopwatch
    ) -> CheckResult {
        let details = registryDetails(response)
        let registryCode = details["error_code"].flatMap(Int.init)
        let (code, message, hint): (CheckCode, String, String)
        switch (response.status, registryCode) {
        case (401, _):
            (code, message, hint) = (
                .unauthorized, "reading '\(subject)' was rejected: the API key is not accepted (HTTP 401)",
                "Use the schema_registry_api_key/secret of this share."
            )
        case (403, _):
            (code, message, hint) = (
                .forbidden,
                "reading '\(subject)' is not allowed for this API key (HTTP 403\(registryCode.map { ", \($0)" } ?? ""))",
                "The share does not grant read on this subject: ask the provider to share it."
            )
        case (404, 40401), (404, nil):
            (code, message, hint) = (
                .subjectNotFound, "subject '\(subject)' does not exist in the Schema Registry (40401)",
                "The provider may have deleted or renamed it, or registers it under another naming strategy: ask them."
            )
        case (404, 40402):
            (code, message, hint) = (
                .versionNotFound, "subject '\(subject)' has no readable latest version (40402)",
                "The subject may have been soft-deleted: ask the provider."
            )
        case (404, 40403):
            (code, message, hint) = (
                .schemaNotFound, "the schema of '\(subject)' (\(stage)) cannot be read (40403)",
                "Ask the provider to check the schema's registration."
            )
        case (429, _):
            (code, message, hint) = (
                .rateLimited,
                "reading '\(subject)' was rate limited (HTTP 429) until the deadline, after waiting as advised",
                Self.rateLimitedHint
            )
        case (500...599, _):
            (code, message, hint) = (
                .serverError, "the Schema Registry failed reading '\(subject)' (HTTP \(response.status))",
                "Retry later; if it persists, report it to the provider."
            )
        default:
            (code, message, hint) = (
                .http(response.status), "reading '\(subject)' (\(stage)) returned HTTP \(response.status)",
                "Check the Schema Registry URL."
            )
        }
        return CheckResult(
            id,
            resource: resource ?? subject,
            status: .fail,
            code: code,
            message: message,
            hint: hint,
            durationMs: watch.elapsedMs,
            details: details
        )
    }
}
