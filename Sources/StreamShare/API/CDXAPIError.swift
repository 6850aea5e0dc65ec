/// A CDX API request (redeem, preview, consumer shares) that failed, with everything Confluent Cloud said
/// about it.
///
/// Compare ``code`` with the static members of ``Code``. The error carries the HTTP status, the
/// `X-Request-Id` to quote to Confluent support, the API's own `errors[]` entries, and — because a
/// token can be redeemed only once — whether the request may already have been redeemed.
public struct CDXAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure (new codes may be added without breaking callers).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case badRequest = "bad_request"
            case unauthorized
            case forbidden
            case notFound = "not_found"
            case conflict
            case rateLimited = "rate_limited"
            case serverError = "server_error"
            case unexpectedStatus = "unexpected_status"
            case connectionFailed = "connection_failed"
            case tlsFailure = "tls_failure"
            case timeout
            case connectionLost = "connection_lost"
            case responseTooLarge = "response_too_large"
            case invalidConfiguration = "invalid_configuration"
            case cancelled
            case invalidResponse = "invalid_response"
            case invalidID = "invalid_id"
            case listingTooLong = "listing_too_long"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// 400: the request is malformed (see the entries' `source`).
        public static let badRequest = Code(.badRequest)
        /// 401: the Cloud API key or secret is wrong.
        public static let unauthorized = Code(.unauthorized)
        /// 403: this Cloud API key may not redeem this token (usually: the invitation is for another
        /// user's e-mail, or the key belongs to a service account).
        public static let forbidden = Code(.forbidden)
        /// 404: the token is unknown or expired.
        public static let notFound = Code(.notFound)
        /// 409: the token was already redeemed.
        public static let conflict = Code(.conflict)
        /// 429: rate limited, and waiting was not possible within the retry policy.
        public static let rateLimited = Code(.rateLimited)
        /// 5xx: the server failed; the token may have been redeemed.
        public static let serverError = Code(.serverError)
        /// Any other status.
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// The request never reached the server (DNS, refused, unreachable, connect timeout).
        public static let connectionFailed = Code(.connectionFailed)
        /// The TLS handshake failed (untrusted CA, host name mismatch); nothing was sent.
        public static let tlsFailure = Code(.tlsFailure)
        /// No response in time after the request was sent; the token may have been redeemed.
        public static let timeout = Code(.timeout)
        /// The connection broke after the request was sent; the token may have been redeemed.
        public static let connectionLost = Code(.connectionLost)
        /// The response exceeded the size limit.
        public static let responseTooLarge = Code(.responseTooLarge)
        /// The client configuration is unusable (e.g. an invalid base URL).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The caller cancelled the request.
        public static let cancelled = Code(.cancelled)
        /// A 2xx response whose body this version cannot read (not the documented JSON).
        public static let invalidResponse = Code(.invalidResponse)
        /// An id that is not one URL path segment (empty, `.`, `..`, or with a control character): nothing
        /// was sent.
        public static let invalidID = Code(.invalidID)
        /// A listing went beyond its budget of pages, items, bytes or time (``CDXClient/ListingBudget``):
        /// a server that never ends a listing.
        public static let listingTooLong = Code(.listingTooLong)

        /// The stable machine-readable code.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The HTTP status, when a response arrived.
    public let status: Int?
    /// The `X-Request-Id` of the response, to quote to Confluent support.
    public let requestID: String?
    /// The API's own explanation.
    public let errors: [APIErrorEntry]
    /// The wait the server advised with its last 429 (`Retry-After` or `X-RateLimit-Reset`); when this error is
    /// thrown, that wait did not fit the retry policy or the attempts ran out.
    public let retryAfter: Duration?
    /// The `WWW-Authenticate` header of a 401.
    public let wwwAuthenticate: String?
    /// The `Location` header of a 409.
    public let location: String?
    /// `true` when the request may have reached the server, so the single-use token may be spent.
    public let mayHaveBeenRedeemed: Bool
    /// How many requests were made.
    public let attempts: Int
    /// Details of a transport failure (never containing a secret).
    public let underlying: String?
    /// The proxy a request that got no answer went through (``CDXClient/Configuration/proxy``).
    public let proxy: HTTPProxy?
    /// The request that failed: redeem, preview, or a consumer-share call.
    let operation: Operation

    /// Which API call an error belongs to: what a 404 means, and whether a token may be spent, depend on it.
    enum Operation: String, Sendable, Hashable, CustomStringConvertible {
        /// `POST /cdx/v1/shared-tokens:redeem`.
        case redeem
        /// `POST /cdx/v1/shared-tokens:resources`.
        case preview
        /// The consumer-share and consumer-shared-resource calls.
        case consumerShares = "consumer-shares"

        var description: String { rawValue }
    }

    init(
        code: Code,
        status: Int? = nil,
        requestID: String? = nil,
        errors: [APIErrorEntry] = [],
        retryAfter: Duration? = nil,
        wwwAuthenticate: String? = nil,
        location: String? = nil,
        mayHaveBeenRedeemed: Bool = false,
        attempts: Int = 1,
        underlying: String? = nil,
        proxy: HTTPProxy? = nil,
        operation: Operation = .redeem
    ) {
        self.code = code
        self.status = status
        self.requestID = requestID
        self.errors = errors
        self.retryAfter = retryAfter
        self.wwwAuthenticate = wwwAuthenticate
        self.location = location
        self.mayHaveBeenRedeemed = mayHaveBeenRedeemed
        self.attempts = attempts
        self.underlying = underlying
        self.proxy = status == nil ? proxy : nil
        self.operation = operation
    }

    /// One line: what failed, with the server's explanation.
    public var summary: String {
        var text: String
        switch (code, operation) {
        case (.badRequest, .preview): text = "the CDX API rejected the preview request (HTTP 400)"
        case (.badRequest, .consumerShares): text = "the CDX API rejected the request (HTTP 400)"
        case (.forbidden, .consumerShares):
            text = "the Cloud API key is not allowed to read or change this share (HTTP 403)"
        case (.forbidden, .preview): text = "the Cloud API key is not allowed to preview this token (HTTP 403)"
        case (.notFound, .consumerShares): text = "the share or shared resource was not found (HTTP 404)"
        case (.invalidResponse, _):
            text = "the CDX API answered the \(operation) request with a body that cannot be read"
        case (.badRequest, _): text = "the CDX API rejected the redeem request (HTTP 400)"
        case (.unauthorized, _): text = "the Cloud API key or secret was not accepted (HTTP 401)"
        case (.forbidden, _): text = "the Cloud API key is not allowed to redeem this token (HTTP 403)"
        case (.notFound, _): text = "the share token was not found (HTTP 404)"
        case (.conflict, _): text = "the share token has already been redeemed (HTTP 409)"
        case (.rateLimited, _): text = "the CDX API is rate limiting requests (HTTP 429)"
        case (.serverError, _): text = "the CDX API failed (HTTP \(status ?? 500))"
        case (.unexpectedStatus, _): text = "the CDX API answered with unexpected HTTP \(status ?? 0)"
        case (.connectionFailed, _): text = "could not connect to the CDX API"
        case (.tlsFailure, _): text = "the TLS handshake with the CDX API failed"
        case (.timeout, _): text = "no response from the CDX API in time after the request was sent"
        case (.connectionLost, _): text = "the connection to the CDX API broke after the request was sent"
        case (.responseTooLarge, _): text = "the CDX API response exceeded the size limit"
        case (.invalidConfiguration, _): text = "the CDX API client configuration is invalid"
        case (.invalidID, _): text = "the id is not one that can be sent to the CDX API"
        case (.listingTooLong, _): text = "the CDX API listing went beyond its budget"
        default: text = "the \(operation) request was cancelled"
        }
        let explanation = errors.map(\.description).filter { !$0.isEmpty }
        if !explanation.isEmpty { text += ": " + explanation.joined(separator: "; ") }
        if let underlying { text += " (\(underlying))" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }

    /// What the user can do about it.
    public var hint: String {
        advice + (proxy.map { " The request went through the proxy \($0) (--proxy, or the proxy variables)." } ?? "")
    }

    private var advice: String {
        switch code {
        case .notFound where operation == .consumerShares:
            "Check the id with cdx-verify shares list (--include-deleted shows shares you left)."
        case .invalidResponse:
            "The URL may not point at the Confluent Cloud API (check --api-url)."
        case _ where operation != .redeem && [.serverError, .timeout, .connectionLost].contains(code):
            "Try again in a minute"
                + (requestID.map { "; quote request id \($0) to Confluent support if it persists" } ?? "")
                + "."
        case .badRequest:
            "Check the token and the private-networking options (--aws-account, --azure-subscription, --gcp-project)."
        case .unauthorized:
            "Use a Confluent Cloud API key (Cloud resource scope), not a Kafka cluster key; check "
                + "CONFLUENT_CLOUD_API_KEY / CONFLUENT_CLOUD_API_SECRET."
        case .forbidden:
            "Redeem with a Cloud API key of the user the invitation was sent to: an invitation can be limited "
                + "to that user's e-mail, and a service account's key has no e-mail. If the key is that user's, "
                + "ask the provider to check the invitation's recipient."
        case .notFound:
            "The token is wrong, expired or revoked: check it was copied whole, or ask the provider to re-send the invitation."
        case .conflict:
            "A token works only once. Use the share file saved by the first redeem (cdx-verify verify --share FILE), "
                + "or ask the provider for a new invitation."
        case .rateLimited:
            if let retryAfter {
                "Wait \(retryAfter.components.seconds) s and try again."
            } else {
                "Wait a minute and try again."
            }
        case .serverError, .timeout, .connectionLost:
            "The token may already be redeemed, so it was not retried. Try again once: a 409 answer means it was "
                + "redeemed and the credentials were lost — ask the provider for a new invitation"
                + (requestID.map { " and quote request id \($0)" } ?? "") + "."
        case .connectionFailed:
            "Check DNS, proxy and firewall access to the API URL (default https://api.confluent.cloud)."
        case .tlsFailure:
            "Check the system CA bundle, or pass the CA that signs the API's certificate (--ca-file)."
        case .responseTooLarge:
            "The URL may not point at the Confluent Cloud API (check --api-url)."
        case .invalidConfiguration:
            "Check --api-url: it must be an http(s) URL."
        case .invalidID:
            "Check the id with cdx-verify shares list."
        case .listingTooLong:
            "The URL may not point at the Confluent Cloud API (check --api-url), or the API kept sending pages; "
                + "try again later."
        default:
            "Run the command again."
        }
    }

    public var description: String { "\(summary). \(hint)" }
}
