public import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An emulation of Confluent Cloud's `POST /cdx/v1/shared-tokens:redeem`, faithful to the API
/// definition: HTTP Basic Cloud API credentials, single-use tokens, the `errors[]` body shape and
/// the documented headers (`X-Request-Id` on every response, `WWW-Authenticate` on 401, `Location`
/// on 409, `Retry-After` and `X-RateLimit-*` on 429). Faults can be queued to exercise clients.
///
/// It also serves the consumer endpoints beside redeem: the preview of a token
/// (`POST /cdx/v1/shared-tokens:resources`, which does not spend it), the consumer shares that redeems
/// create (listed page by page, read, deleted), their resources and the private network of a PrivateLink
/// resource (see ``Listing``).
public final class CDXAPIEmulator: Sendable {
    /// A fault applied to the next redeem request, in queue order.
    public enum Fault: Sendable, Hashable {
        /// 429 with `Retry-After` (or only `X-RateLimit-Reset` when `useResetHeader`).
        case rateLimited(seconds: Int, useResetHeader: Bool = false)
        /// 500; with `afterRedeeming` the token is spent first, as when a server fails late.
        case serverError(afterRedeeming: Bool)
        /// 200 with a body that is not JSON.
        case malformedBody
        /// 200 with a body of this many bytes.
        case oversizedBody(bytes: Int)
        /// Answer only after this delay (a server that hangs).
        case delay(Duration)
        /// 403: the key is valid but may not redeem.
        case forbidden
        /// The token is redeemed and its share returned, with this 2xx status instead of 200.
        case successStatus(Int)
    }

    struct State {
        var tokens: [String: (body: Data, redeemed: Bool, listing: Listing)] = [:]
        var faults: [Fault] = []
        var redeemRequests = 0
        var previewRequests = 0
        var nextRequestID = 1
        var lastRedeemFields: [String: String]? = nil
        var previewStatus: Int? = nil
        var shares: [EmulatedShare] = []
        var redeemedPhase = ConsumerShare.Phase.active
    }

    /// The Cloud API key and secret the emulator accepts.
    public let credentials: CloudAPICredentials
    let state = Mutex(State())

    /// Creates an emulator.
    /// - Parameter credentials: The accepted Cloud API key (random when omitted).
    public init(credentials: CloudAPICredentials? = nil) {
        self.credentials =
            credentials
            ?? CloudAPICredentials(
                key: "CLOUDKEY" + String(UInt32.random(in: 0...UInt32.max), radix: 16).uppercased(),
                secret: Secret(randomToken(bytes: 24))
            )
    }

    /// Registers a share and returns a fresh single-use token for it.
    /// - Parameters:
    ///   - share: What redeeming the token returns.
    ///   - listing: What the preview and the consumer-share endpoints say about it.
    public func mintToken(for share: RedeemedShare, listing: Listing = Listing()) throws -> Secret {
        mintToken(rawBody: try share.jsonData(), listing: listing)
    }

    /// Registers a response body as is (to serve invalid shares) and returns its token.
    /// - Parameters:
    ///   - rawBody: What redeeming the token returns.
    ///   - listing: What the preview and the consumer-share endpoints say about it.
    public func mintToken(rawBody: Data, listing: Listing = Listing()) -> Secret {
        let token = "cdxtk-" + randomToken(bytes: 32)
        state.withLock { $0.tokens[token] = (rawBody, false, listing) }
        return Secret(token)
    }

    /// Queues faults for the next redeem requests.
    public func enqueue(_ faults: Fault...) {
        state.withLock { $0.faults += faults }
    }

    /// How many redeem requests reached the emulator.
    public var redeemRequestCount: Int { state.withLock { $0.redeemRequests } }

    /// Serves the emulator on a local HTTP server for the duration of `body`.
    public func withServer<Result: Sendable>(
        port: Int = 0,
        _ body: (LocalHTTPServer) async throws -> Result
    ) async throws -> Result {
        try await LocalHTTPServer.withServer(port: port, handler: { [self] request in handle(request) }, body)
    }

    /// Answers one request.
    public func handle(_ request: LocalHTTPServer.Request) -> LocalHTTPServer.Response {
        let requestID = state.withLock { state in
            defer { state.nextRequestID += 1 }
            return "req-\(state.nextRequestID)-" + randomToken(bytes: 6)
        }
        let idHeader = ("X-Request-Id", requestID)
        guard request.path.split(separator: "?").first == Substring(CDXClient.redeemPath) else {
            return handleConsumer(request, requestID: requestID)
        }
        guard request.method == "POST" else {
            return Self.failure(405, "method_not_allowed", "Method Not Allowed", "Use POST", requestID)
        }
        let fault = state.withLock { state -> Fault? in
            state.redeemRequests += 1
            return state.faults.isEmpty ? nil : state.faults.removeFirst()
        }
        guard authorized(request) else { return Self.unauthorized(requestID) }
        switch fault {
        case .rateLimited(let seconds, let useResetHeader):
            var headers = [
                idHeader, ("X-RateLimit-Limit", "25"), ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "\(seconds)"),
            ]
            if !useResetHeader { headers.append(("Retry-After", "\(seconds)")) }
            return .json(
                429,
                Self.errorBody("429", "too_many_requests", "Too Many Requests", "Rate limit exceeded"),
                headers: headers
            )
        case .forbidden:
            return Self.failure(
                403,
                "user_unauthorized",
                "User Access Unauthorized",
                "The API key '\(credentials.key)' is not allowed to redeem shared tokens",
                requestID
            )
        case .serverError(afterRedeeming: false):
            return Self.failure(500, "internal_error", "Internal Server Error", "Something went wrong", requestID)
        default:
            break
        }
        guard let object = JSONValue.object(from: request.body) else {
            return Self.failure(
                400,
                "invalid_body",
                "Bad Request",
                "The request body is not a JSON object",
                requestID,
                pointer: "/"
            )
        }
        guard let token = object["token"]?.string, !token.isEmpty else { return Self.tokenMissing(requestID) }
        state.withLock { state in
            state.lastRedeemFields = object.compactMapValues(\.string).filter { $0.key != "token" }
        }
        if let project = object["gcp_project"]?.string, project.isEmpty {
            return Self.failure(
                400,
                "invalid_gcp_project",
                "Bad Request",
                "gcp_project must not be empty",
                requestID,
                pointer: "/gcp_project"
            )
        }
        let lookup = state.withLock { state -> (Data, Bool)? in
            guard let entry = state.tokens[token] else { return nil }
            state.tokens[token]?.redeemed = true
            if !entry.redeemed {
                state.addShare(redeemedBody: entry.body, listing: entry.listing, phase: state.redeemedPhase)
            }
            return (entry.body, entry.redeemed)
        }
        guard let (body, alreadyRedeemed) = lookup else { return Self.tokenNotFound(requestID) }
        if alreadyRedeemed { return Self.tokenRedeemed(requestID) }
        switch fault {
        case .serverError(afterRedeeming: true):
            return Self.failure(500, "internal_error", "Internal Server Error", "Something went wrong", requestID)
        case .malformedBody:
            return LocalHTTPServer.Response(
                status: 200,
                headers: [idHeader, ("Content-Type", "application/json")],
                body: Data("{\"api_key\": \"K\", \"secret".utf8)
            )
        case .oversizedBody(let bytes):
            return LocalHTTPServer.Response(
                status: 200,
                headers: [idHeader],
                body: Data(repeating: UInt8(ascii: " "), count: bytes)
            )
        case .successStatus(let status):
            return .json(status, String(decoding: body, as: UTF8.self), headers: [idHeader])
        case .delay(let duration):
            return LocalHTTPServer.Response(
                status: 200,
                headers: [idHeader, ("Content-Type", "application/json")],
                body: body,
                delay: duration
            )
        default:
            return .json(200, String(decoding: body, as: UTF8.self), headers: [idHeader])
        }
    }

    /// 400: the body has no token.
    static func tokenMissing(_ requestID: String) -> LocalHTTPServer.Response {
        failure(400, "invalid_token", "Bad Request", "The token must be provided", requestID, pointer: "/token")
    }

    /// 404: the token is unknown.
    static func tokenNotFound(_ requestID: String) -> LocalHTTPServer.Response {
        failure(404, "not_found", "Not Found", "The shared token is invalid or has expired", requestID)
    }

    /// 409 with `Location`: the token was redeemed before.
    static func tokenRedeemed(_ requestID: String) -> LocalHTTPServer.Response {
        var response = failure(
            409,
            "resource_already_exists",
            "Resource Already exists",
            "The shared token has already been redeemed",
            requestID
        )
        response.headers.append(("Location", "https://api.confluent.cloud/cdx/v1/redeem-token-responses/rtr-emulated"))
        return response
    }

    func authorized(_ request: LocalHTTPServer.Request) -> Bool {
        request.headers["authorization"] == "Basic "
            + Data("\(credentials.key):\(credentials.secret.revealed)".utf8).base64EncodedString()
    }

    static func unauthorized(_ requestID: String) -> LocalHTTPServer.Response {
        var response = failure(
            401,
            "user_unauthenticated",
            "Authentication Required",
            "Valid authentication credentials must be provided",
            requestID
        )
        response.headers.append(
            ("WWW-Authenticate", "Basic error=\"invalid_key\", error_description=\"The API Key is invalid\"")
        )
        return response
    }

    private static func errorBody(
        _ status: String,
        _ code: String,
        _ title: String,
        _ detail: String,
        pointer: String? = nil,
        parameter: String? = nil
    ) -> String {
        var entry: [String: Any] = [
            "id": UUID().uuidString.lowercased(), "status": status, "code": code, "title": title, "detail": detail,
        ]
        if let pointer { entry["source"] = ["pointer": pointer] }
        if let parameter { entry["source"] = ["parameter": parameter] }
        let data = sortedJSON(["errors": [entry]])
        return String(decoding: data, as: UTF8.self)
    }

    static func failure(
        _ status: Int,
        _ code: String,
        _ title: String,
        _ detail: String,
        _ requestID: String,
        pointer: String? = nil,
        parameter: String? = nil
    ) -> LocalHTTPServer.Response {
        .json(
            status,
            errorBody(String(status), code, title, detail, pointer: pointer, parameter: parameter),
            headers: [("X-Request-Id", requestID)]
        )
    }
}

func randomToken(bytes: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return Data(raw).base64EncodedString().replacing("+", with: "A").replacing("/", with: "B").replacing("=", with: "")
}
