public import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An emulation of the part of Confluent Schema Registry's REST API a consumer uses, with basic
/// auth and Confluent's error bodies: `GET /subjects/{s}/versions/latest`, `GET /schemas/ids/{id}`,
/// `GET /schemas/types`; `GET /subjects` answers 403 as it does for a share key without global read.
public final class SchemaRegistryEmulator: Sendable {
    /// A registered subject and how the registry treats it.
    public struct Subject: Sendable, Hashable {
        /// What this subject's requests get.
        public enum Fault: String, Sendable, Hashable, Codable {
            /// 403 with error code 40301 (the key may not read it).
            case forbidden
            /// 500 with error code 50001.
            case serverError = "server_error"
        }

        /// The subject name.
        public var name: String
        /// `AVRO`, `JSON` or `PROTOBUF`.
        public var schemaType: String
        /// A fault, or `nil` to serve it.
        public var fault: Fault?
        /// Subjects (version 1 of each) its schema references.
        public var references: [String]

        /// Creates a subject.
        public init(name: String, schemaType: String = "AVRO", fault: Fault? = nil, references: [String] = []) {
            self.name = name
            self.schemaType = schemaType
            self.fault = fault
            self.references = references
        }
    }

    private struct Registered {
        var subject: Subject
        var id: Int
        var version: Int
        var schema: String
    }

    private struct State {
        var subjects: [String: Registered] = [:]
        var schemasByID: [Int: String] = [:]
        var requests = 0
        var delay: Duration = .zero
        var nextID = 100_001
        var activation: Duration = .zero
        var revoked = false
        var firstAuthenticatedAttempt: ContinuousClock.Instant?
        /// Requests per second (a token bucket holding one second's worth), or nil for no limit.
        var rateLimit: Double?
        var tokens: Double = 0
        var refilledAt = ContinuousClock.now
        var rateLimited = 0
        var listing = true
        var listingRequests = 0
        var arrivals: [ContinuousClock.Instant] = []
    }

    /// The API key and secret the registry accepts.
    public let apiKey: String
    /// The secret of ``apiKey``.
    public let secret: Secret
    private let state = Mutex(State())

    /// Creates a registry.
    public init(apiKey: String, secret: Secret) {
        self.apiKey = apiKey
        self.secret = secret
    }

    /// Registers (or replaces) a subject with a generated schema.
    public func register(_ subject: Subject) {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            let record = String(subject.name.map { $0.isASCII && ($0.isLetter || $0.isNumber) || $0 == "_" ? $0 : "_" })
            let schema: String =
                switch subject.schemaType {
                case "JSON": #"{"type":"object","title":"\#(record)"}"#
                case "PROTOBUF": "syntax = \"proto3\"; message M\(id) { string id = 1; }"
                default:
                    #"{"type":"record","name":"R\#(id)","namespace":"\#(record)","fields":[{"name":"id","type":"string"}]}"#
                }
            state.subjects[subject.name] = Registered(subject: subject, id: id, version: 1, schema: schema)
            state.schemasByID[id] = schema
        }
    }

    /// The schema id of a registered subject's latest version.
    public func schemaID(of subject: String) -> Int? {
        state.withLock { $0.subjects[subject]?.id }
    }

    /// Removes a subject (it then answers 40401).
    public func remove(_ subject: String) {
        _ = state.withLock { $0.subjects.removeValue(forKey: subject) }
    }

    /// Delays every answer (latency, or a registry that never answers in time).
    public func setDelay(_ delay: Duration) {
        state.withLock { $0.delay = delay }
    }

    /// Makes the key a new one: refused (401) until `delay` after the first request that carries it,
    /// as a freshly created Confluent Cloud API key becomes active only after a while.
    public func setKeyActivation(after delay: Duration) {
        state.withLock { $0.activation = delay }
    }

    /// Revokes the key (the provider deactivated the share): every request is refused (401).
    public func revokeKey() {
        state.withLock { $0.revoked = true }
    }

    /// Limits requests as Confluent Cloud's registry does (about 75 reads per second, shared by every
    /// key): above `perSecond`, 429 with `Retry-After`, `X-RateLimit-*` and error code 42901.
    public func setRateLimit(requestsPerSecond perSecond: Double?) {
        state.withLock { state in
            state.rateLimit = perSecond
            state.tokens = perSecond ?? 0
            state.refilledAt = .now
        }
    }

    /// Serves `GET /schemas?subjectPrefix=…&latestOnly=true&offset=…&limit=…` (as Confluent Cloud
    /// does), or answers it 404 like a registry without the listing.
    public func setListing(enabled: Bool) {
        state.withLock { $0.listing = enabled }
    }

    /// When each request arrived (the first 100,000), for checking a client's pacing.
    public var arrivals: [ContinuousClock.Instant] { state.withLock { $0.arrivals } }

    /// `GET /schemas` listing requests so far (answered or, without the listing, refused).
    public var listingRequestCount: Int { state.withLock { $0.listingRequests } }

    /// Requests answered 429 so far.
    public var rateLimitedCount: Int { state.withLock { $0.rateLimited } }

    /// Requests served so far.
    public var requestCount: Int { state.withLock { $0.requests } }

    /// Serves the registry on a local HTTP server for the duration of `body`.
    public func withServer<Result: Sendable>(
        port: Int = 0,
        _ body: (LocalHTTPServer) async throws -> Result
    ) async throws -> Result {
        try await LocalHTTPServer.withServer(port: port, handler: { [self] request in handle(request) }, body)
    }

    private static func error(_ status: Int, _ code: Int, _ message: String) -> LocalHTTPServer.Response {
        let body = sortedJSON(["error_code": code, "message": message])
        return LocalHTTPServer.Response(
            status: status,
            headers: [("Content-Type", "application/vnd.schemaregistry.v1+json")],
            body: body
        )
    }

    private static func query(_ path: String) -> [String: String] {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        var values: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).percentDecoded() ?? String($0)
            }
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }

    private static func json(_ object: Any) -> LocalHTTPServer.Response {
        let body = sortedJSON(object)
        return LocalHTTPServer.Response(
            status: 200,
            headers: [("Content-Type", "application/vnd.schemaregistry.v1+json")],
            body: body
        )
    }

    /// Answers one request.
    public func handle(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        let (delay, limited) = state.withLock { state -> (Duration, LocalHTTPServer.Response?) in
            guard request.path != "/_sandbox/stats" else { return (state.delay, nil) }
            state.requests += 1
            if state.arrivals.count < 100_000 { state.arrivals.append(.now) }
            return (state.delay, Self.takeToken(&state))
        }
        var response = limited ?? route(request)
        response.delay = delay
        return response
    }

    /// The latest schema of every readable subject under the prefix, one page of them.
    private func listing(_ query: [String: String]) -> LocalHTTPServer.Response {
        let page = state.withLock { state -> [ListedSchema]? in
            state.listingRequests += 1
            guard state.listing else { return nil }
            let prefix = query["subjectPrefix"] ?? ""
            let offset = max(0, Int(query["offset"] ?? "") ?? 0)
            let limit = max(1, min(Int(query["limit"] ?? "") ?? 1000, 10_000))
            // As on Confluent Cloud, a key sees only what it may read.
            let readable = state.subjects.values.filter { $0.subject.name.hasPrefix(prefix) && $0.subject.fault == nil }
                .sorted { $0.subject.name < $1.subject.name }
            return readable.dropFirst(offset).prefix(limit).map { registered in
                ListedSchema(
                    subject: registered.subject.name,
                    version: registered.version,
                    id: registered.id,
                    schema: registered.schema,
                    schemaType: registered.subject.schemaType == "AVRO" ? nil : registered.subject.schemaType,
                    references: registered.subject.references.isEmpty
                        ? nil : registered.subject.references.map { .init(name: $0, subject: $0, version: 1) }
                )
            }
        }
        guard let page else { return Self.error(404, 404, "HTTP 404 Not Found") }
        // Encoded by JSONEncoder: JSONSerialization takes tens of milliseconds for a page of 1,000, which
        // a benchmark of the client would count as round trips.
        return LocalHTTPServer.Response(
            status: 200,
            headers: [("Content-Type", "application/vnd.schemaregistry.v1+json")],
            body: (try? JSONEncoder().encode(page)) ?? Data("[]".utf8)
        )
    }

    /// One entry of the listing, as Confluent's registry writes it.
    private struct ListedSchema: Encodable {
        struct Reference: Encodable {
            var name: String
            var subject: String
            var version: Int
        }

        var subject: String
        var version: Int
        var id: Int
        var schema: String
        var schemaType: String?
        var references: [Reference]?
    }

    /// Takes one token of the bucket; the 429 to send when there is none.
    private static func takeToken(_ state: inout State) -> LocalHTTPServer.Response? {
        guard let rate = state.rateLimit, rate > 0 else { return nil }
        let now = ContinuousClock.now
        let elapsed = now - state.refilledAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        state.tokens = min(rate, state.tokens + seconds * rate)
        state.refilledAt = now
        guard state.tokens < 1 else {
            state.tokens -= 1
            return nil
        }
        state.rateLimited += 1
        let wait = max(1, Int(((1 - state.tokens) / rate).rounded(.up)))
        var response = error(429, 42901, "Rate limit exceeded")
        response.headers += [
            ("Retry-After", "\(wait)"), ("X-RateLimit-Limit", "\(Int(rate))"), ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", "\(wait)"),
        ]
        return response
    }

    private func route(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        if request.path == "/_sandbox/stats" {
            // Not part of Schema Registry: lets benchmarks count the requests a verification made.
            return Self.json(["requests": requestCount, "rate_limited": rateLimitedCount])
        }
        let expected = "Basic " + Data("\(apiKey):\(secret.revealed)".utf8).base64EncodedString()
        guard request.headers["authorization"] == expected else { return Self.error(401, 401, "Unauthorized") }
        let active = state.withLock { state -> Bool in
            let now = ContinuousClock.now
            let first = state.firstAuthenticatedAttempt ?? now
            state.firstAuthenticatedAttempt = first
            return !state.revoked && now - first >= state.activation
        }
        guard active else { return Self.error(401, 401, "Unauthorized") }
        guard request.method == "GET" else { return Self.error(405, 405, "Method not allowed") }
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).percentDecoded() ?? String($0)
        }
        switch parts.count {
        case 1 where parts[0] == "schemas":
            return listing(Self.query(request.path))
        case 1 where parts[0] == "subjects":
            return Self.error(403, 40301, "User is denied operation Read on Subject: *")
        case 2 where parts == ["schemas", "types"]:
            return Self.json(["AVRO", "JSON", "PROTOBUF"])
        case 3 where parts[0] == "schemas" && parts[1] == "ids":
            // As Confluent Cloud: a schema is readable by id when the key may read a subject that uses
            // it (the one named by ?subject=, when given).
            // A schema only subjects the key may not read use is refused as they are (403 / 40301).
            let named = Self.query(request.path)["subject"]
            let answer = state.withLock { state -> (schema: String?, deniedBy: String?) in
                guard let id = Int(parts[2]), let schema = state.schemasByID[id] else { return (nil, nil) }
                let users = state.subjects.values.filter { $0.id == id && (named == nil || $0.subject.name == named) }
                if users.contains(where: { $0.subject.fault == nil }) { return (schema, nil) }
                return (nil, users.first { $0.subject.fault == .forbidden }?.subject.name)
            }
            if let schema = answer.schema { return Self.json(["schema": schema]) }
            if let denied = answer.deniedBy {
                return Self.error(403, 40301, "User is denied operation Read on Subject: \(denied)")
            }
            return Self.error(404, 40403, "Schema \(parts[2]) not found")
        case 4 where parts[0] == "subjects" && parts[2] == "versions":
            let name = parts[1]
            guard let registered = state.withLock({ $0.subjects[name] }) else {
                return Self.error(404, 40401, "Subject '\(name)' not found.")
            }
            switch registered.subject.fault {
            case .forbidden: return Self.error(403, 40301, "User is denied operation Read on Subject: \(name)")
            case .serverError: return Self.error(500, 50001, "Error in the backend data store")
            case nil: break
            }
            guard parts[3] == "latest" || Int(parts[3]) == registered.version else {
                return Self.error(404, 40402, "Version \(parts[3]) not found.")
            }
            var body: [String: Any] = [
                "subject": name, "version": registered.version, "id": registered.id, "schema": registered.schema,
            ]
            if registered.subject.schemaType != "AVRO" { body["schemaType"] = registered.subject.schemaType }
            if !registered.subject.references.isEmpty {
                body["references"] = registered.subject.references.map { ["name": $0, "subject": $0, "version": 1] }
            }
            return Self.json(body)
        default:
            return Self.error(404, 404, "HTTP 404 Not Found")
        }
    }
}
