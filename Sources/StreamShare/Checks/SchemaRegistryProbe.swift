#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs the Schema Registry checks: the credentials are accepted, then for each shared subject the
/// latest version and its schema by id are readable. Subjects are checked with bounded concurrency
/// over the HTTP client's kept-alive connections.
struct SchemaRegistryProbe: Sendable {
    let registry: SchemaRegistryConfig
    let subjects: [String]
    let transport: any HTTPTransport
    let concurrency: Int
    let deadline: ContinuousClock.Instant
    let sink: CheckSink
    /// Shared by every request of the run: the request budget, and a 429's advice that pauses them all.
    let pacing: RegistryPacing
    /// Kept between a monitor's runs: whether the registry serves the bulk listing.
    var knowledge = RegistryKnowledge()

    static let maxResponseBytes = 4 << 20

    private var remaining: Duration { max(deadline - ContinuousClock.now, .zero) }

    /// One GET. A 429 is never a verdict while time remains: every request of the run pauses for the
    /// registry's advice (`Retry-After`, else `X-RateLimit-Reset`, else 1 s) and fewer go out at once,
    /// then this one is sent again. Only when the deadline would pass first is the 429 returned (and
    /// reported `rate_limited`).
    func get(
        _ path: String,
        maxResponseBytes: Int = SchemaRegistryProbe.maxResponseBytes
    ) async -> Result<TransportResponse, TransportError> {
        while true {
            guard let ticket = await pacing.start() else {
                return .failure(TransportError(kind: .cancelled, detail: "cancelled", timedOut: true))
            }
            if let refusal = await pacing.waitForTurn(before: deadline) {
                pacing.finish(ticket, status: nil, sent: false)
                return .success(refusal)
            }
            guard await pacing.waitForBudget(before: deadline) else {
                pacing.finish(ticket, status: nil, sent: false)
                return .failure(
                    TransportError(kind: .notSent, detail: "out of budget", timedOut: true, outOfBudget: true)
                )
            }
            let result = await send(path, maxResponseBytes: maxResponseBytes)
            pacing.finish(ticket, status: try? result.get().status)
            // Out of time while the registry was rate limiting: that is the cause, not the network.
            if case .failure(let error) = result, error.timedOut, let refusal = pacing.refusal {
                return .success(refusal)
            }
            guard case .success(let response) = result, response.status == 429 else { return result }
            let advice = Self.advisedWait(response)
            pacing.pause(for: advice, after: response)
            guard ContinuousClock.now + advice < deadline, !Task.isCancelled else { return result }
        }
    }

    private func send(_ path: String, maxResponseBytes: Int) async -> Result<TransportResponse, TransportError> {
        let base = registry.url.absoluteString.trimmingSuffix("/")
        do {
            return .success(
                try await transport.send(
                    TransportRequest(
                        url: base + path,
                        method: "GET",
                        headers: [
                            ("Authorization", registry.authorizationHeader.revealed),
                            ("Accept", "application/vnd.schemaregistry.v1+json, application/json"),
                            ("User-Agent", StreamShareVersion.userAgent),
                        ],
                        body: Data(),
                        timeout: remaining,
                        maxResponseBytes: maxResponseBytes
                    )
                )
            )
        } catch {
            return .failure(error)
        }
    }

    /// The registry's advice on a 429 (``ServerAdvice``), at least 1 ms; 1 s when it gave none.
    static func advisedWait(_ response: TransportResponse) -> Duration {
        max(ServerAdvice.retryAfter(header: response.header) ?? .seconds(1), .milliseconds(1))
    }

    func run() async {
        let watch = Stopwatch()
        // Any authenticated principal may list the schema types; a share key has no global read.
        // Only 401 means the key itself is rejected: a 403/404 here still proves authentication,
        // and per-subject authorization is judged by the subject checks.
        let auth = await get("/schemas/types")
        let authResult = authCheck(auth, watch: watch)
        sink.add(authResult)
        guard authResult.status == .pass else { return }
        // A subject whose schema references others is judged once they are (a deserializer needs them
        // all); every other subject is reported as soon as it is known.
        var referencing: [(result: CheckResult, references: [SchemaReference])] = []
        // A handful of listing requests prove every readable subject (the registry's limit is shared
        // with the provider's own clients); only the subjects it did not return are read on their own,
        // to tell forbidden from missing.
        var outcomes: [(CheckResult, [SchemaReference])] = []
        var unlisted = subjects
        if subjects.count > 1, knowledge.listingSupported,
            let listing = await proveByListing(subjects, prefix: Self.commonPrefix(subjects))
        {
            (outcomes, unlisted) = listing
        }
        outcomes += await Self.concurrently(unlisted, limit: concurrency, checkSubject)
        for (result, references) in outcomes {
            if result.status == .pass, !references.isEmpty {
                referencing.append((result, references))
            } else {
                sink.add(result)
            }
        }
        guard !referencing.isEmpty else { return }
        let readable = await checkReferences(referencing.flatMap(\.references))
        for (result, references) in referencing { sink.add(judge(result, references: references, readable: readable)) }
    }

    /// Runs `body` for every item, at most `limit` at a time, as the results come.
    static func concurrently<Item: Sendable, Output: Sendable>(
        _ items: [Item],
        limit: Int,
        _ body: @escaping @Sendable (Item) async -> Output
    ) async -> [Output] {
        await withTaskGroup(of: Output.self) { group in
            var pending = items[...]
            for _ in 0..<min(max(1, limit), pending.count) {
                let item = pending.removeFirst()
                group.addTask { await body(item) }
            }
            var outputs: [Output] = []
            for await output in group {
                outputs.append(output)
                if let item = pending.popFirst() { group.addTask { await body(item) } }
            }
            return outputs
        }
    }

    private func authCheck(_ result: Result<TransportResponse, TransportError>, watch: Stopwatch) -> CheckResult {
        let host = registry.url.host ?? registry.url.absoluteString
        switch result {
        case .success(let response) where response.status == 401:
            return CheckResult(
                .schemaRegistryAuth,
                status: .fail,
                code: .unauthorized,
                message: "the Schema Registry at \(host) rejected the share's API key (HTTP 401)",
                hint:
                    "Use the schema_registry_api_key/secret of this share; if the provider rotated them, ask for a new invitation.",
                durationMs: watch.elapsedMs,
                details: registryDetails(response)
            )
        case .success(let response) where response.status == 429:
            return CheckResult(
                .schemaRegistryAuth,
                status: .fail,
                code: .rateLimited,
                message: "the Schema Registry at \(host) kept answering 429 (rate limited) until the deadline",
                hint: Self.rateLimitedHint,
                durationMs: watch.elapsedMs,
                details: registryDetails(response)
            )
        case .success(let response) where response.status >= 500:
            return CheckResult(
                .schemaRegistryAuth,
                status: .fail,
                code: .serverError,
                message: "the Schema Registry at \(host) failed (HTTP \(response.status))",
                hint: "Retry later; if it persists, report it to the provider.",
                durationMs: watch.elapsedMs,
                details: registryDetails(response)
            )
        case .success(let response) where !Self.isRegistryAnswer(response):
            // Any web server answers something; only a registry's own answer proves the key.
            return CheckResult(
                .schemaRegistryAuth,
                status: .fail,
                code: .notARegistry,
                message:
                    "\(host) answered GET /schemas/types with HTTP \(response.status), but not as a Schema Registry",
                hint: "Check schema_registry_url in the share (and any proxy in between): it must point at the "
                    + "Confluent Schema Registry endpoint.",
                durationMs: watch.elapsedMs,
                details: ["http_status": "\(response.status)"]
            )
        case .success(let response):
            return CheckResult(
                .schemaRegistryAuth,
                status: .pass,
                code: .authenticated,
                message: "the Schema Registry at \(host) accepts the share's API key",
                durationMs: watch.elapsedMs,
                details: ["http_status": "\(response.status)"]
            )
        case .failure(let error):
            return transportFailure(.schemaRegistryAuth, resource: nil, error, watch: watch)
        }
    }

    /// A schema that another schema imports: `{name, subject, version}`. Two references to the same
    /// `subject@version` under different import names are the same schema (equality ignores `name`).
    struct SchemaReference: Sendable, Hashable, Decodable {
        var name: String?
        var subject: String
        var version: Int

        /// `subject@version`, the resource of its check.
        var key: String { "\(subject)@\(version)" }

        static func == (lhs: Self, rhs: Self) -> Bool { lhs.subject == rhs.subject && lhs.version == rhs.version }

        func hash(into hasher: inout Hasher) {
            hasher.combine(subject)
            hasher.combine(version)
        }
    }

    /// A version of a subject, as `GET /subjects/{s}/versions/{v}` returns it.
    struct SubjectVersion: Decodable {
        var id: Int
        var version: Int
        var schemaType: String?
        var references: [SchemaReference]?
    }

    static let rateLimitedHint =
        "The registry's request limit is shared with every client of the registry, the provider's own "
        + "included: verify again later, or give the verification more time (--timeout)."

    /// A Schema Registry's own answer to `GET /schemas/types`: a JSON array of type names (200), or
    /// Confluent's error body `{"error_code": N, "message": …}` (403, 404 from a registry that hides
    /// the endpoint).
    static func isRegistryAnswer(_ response: TransportResponse) -> Bool {
        if response.status == 200 { return (try? JSONDecoder().decode([String].self, from: response.body)) != nil }
        return (try? JSONDecoder().decode(RegistryError.self, from: response.body))?.errorCode != nil
    }

    private struct RegistryError: Decodable {
        var errorCode: Int?
        var message: String?

        private enum CodingKeys: String, CodingKey {
            case errorCode = "error_code"
            case message
        }
    }

    func registryDetails(_ response: TransportResponse) -> [String: String] {
        var details = ["http_status": "\(response.status)"]
        if let error = try? JSONDecoder().decode(RegistryError.self, from: response.body) {
            if let code = error.errorCode { details["error_code"] = "\(code)" }
            if let message = error.message { details["registry_message"] = String(scrub(message).prefix(200)) }
        }
        return details
    }

    /// The registry's secret and the Authorization header (its base64 is key:secret), should a
    /// registry or a proxy echo them.
    func scrub(_ text: String) -> String {
        Scrubber(basicUser: registry.apiKey, secret: registry.secret)(text)
    }

    /// The subject's check, and the references of its latest schema.
    private func checkSubject(_ subject: String) async -> (CheckResult, [SchemaReference]) {
        let result = await readSubject(subject)
        return (result.check, result.references)
    }

    private func readSubject(_ subject: String) async -> (check: CheckResult, references: [SchemaReference]) {
        let watch = Stopwatch()
        let encoded = subject.percentEncodedPathSegment()
        let latest: TransportResponse
        switch await get("/subjects/\(encoded)/versions/latest") {
        case .failure(let error):
            return (transportFailure(.schemaRegistrySubject, resource: subject, error, watch: watch), [])
        case .success(let response): latest = response
        }
        guard latest.status == 200 else {
            return (httpFailure(subject, latest, stage: "latest version", watch: watch), [])
        }
        guard let version = try? JSONDecoder().decode(SubjectVersion.self, from: latest.body) else {
            return (
                CheckResult(
                    .schemaRegistrySubject,
                    resource: subject,
                    status: .fail,
                    code: .invalidResponse,
                    message: "the latest version of '\(subject)' could not be decoded",
                    hint: "Check that the URL points at a Confluent Schema Registry.",
                    durationMs: watch.elapsedMs
                ), []
            )
        }
        return (await proveByID(subject, version, watch: watch), version.references ?? [])
    }

    /// Reads the schema of `version` by id, as a deserializer does, and reports the subject.
    /// - Parameter source: How the latest version was learned, for the message.
    func proveByID(
        _ subject: String,
        _ version: SubjectVersion,
        source: String? = nil,
        watch: Stopwatch
    ) async
        -> CheckResult
    {
        let encoded = subject.percentEncodedPathSegment()
        // ?subject= so that the read works with schema contexts too (Confluent Cloud's "get schema by id").
        let byID: TransportResponse
        switch await get("/schemas/ids/\(version.id)?subject=\(encoded)") {
        case .failure(let error):
            return transportFailure(.schemaRegistrySubject, resource: subject, error, watch: watch)
        case .success(let response): byID = response
        }
        guard byID.status == 200 else {
            return httpFailure(subject, byID, stage: "schema id \(version.id)", watch: watch)
        }
        return readable(subject, version, source: source, watch: watch)
    }

    /// The passing result of a subject whose latest version is known to be readable.
    func readable(_ subject: String, _ version: SubjectVersion, source: String? = nil, watch: Stopwatch) -> CheckResult
    {
        let type = version.schemaType ?? "AVRO"
        return CheckResult(
            .schemaRegistrySubject,
            resource: subject,
            status: .pass,
            code: .ok,
            message: "subject '\(subject)' is readable: version \(version.version), schema id \(version.id) (\(type))"
                + (source.map { " — \($0)" } ?? ""),
            durationMs: watch.elapsedMs,
            details: ["version": "\(version.version)", "schema_id": "\(version.id)", "schema_type": type]
                .merging(source == nil ? [:] : ["proven_by": "listing"]) { $1 }
        )
    }
}
