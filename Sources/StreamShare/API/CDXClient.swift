public import AsyncHTTPClient
public import Logging

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A client of Confluent Cloud's CDX (Stream Sharing) API, consumer side: previews and redeems share
/// tokens, and lists, reads and leaves the consumer's shares.
///
/// ```swift
/// let client = CDXClient(credentials: CloudAPICredentials(key: key, secret: Secret(secret)))
/// let share = try await client.redeem(RedeemTokenRequest(token: Secret(token)), savingTo: "share.json")
/// ```
///
/// A token can be redeemed **once**. The client therefore retries only what cannot have reached the
/// server and 429s (see ``RetryPolicy``), and ``redeem(_:savingTo:overwrite:checkingPrivateNetworking:)`` writes the response
/// to disk before it does anything else with it.
public struct CDXClient: Sendable {
    /// Where and how the client talks to the API.
    public struct Configuration: Sendable {
        /// The API's base URL (`https://api.confluent.cloud`; the sandbox and tests use a local one).
        public var baseURL: URL
        /// The deadline of one request, from connect to the last byte.
        public var requestTimeout: Duration
        /// The largest response body accepted (16 MiB by default, as ``ShareFile/maximumSize``: a
        /// redeem response is saved before it is judged, so a large one must not be thrown away).
        public var maxResponseBytes: Int
        /// Retries (429, requests that never reached the server).
        public var retryPolicy: RetryPolicy
        /// How far a listing (every page of a collection) may go.
        public var listingBudget: ListingBudget
        /// The proxy the requests go through, named in the hints of requests that got no answer. With
        /// the default HTTP client the requests go through it (``HTTPClientFactory/shared(through:)``);
        /// a client given to ``CDXClient/init(credentials:configuration:httpClient:logger:)`` must
        /// have been made with it.
        public var proxy: HTTPProxy?

        /// Confluent Cloud's public API.
        public static let defaultBaseURL = URL(string: "https://api.confluent.cloud")!

        /// Creates a configuration.
        public init(
            baseURL: URL = Configuration.defaultBaseURL,
            requestTimeout: Duration = .seconds(30),
            maxResponseBytes: Int = ShareFile.maximumSize,
            retryPolicy: RetryPolicy = RetryPolicy(),
            listingBudget: ListingBudget = ListingBudget(),
            proxy: HTTPProxy? = nil
        ) {
            self.baseURL = baseURL
            self.requestTimeout = requestTimeout
            self.maxResponseBytes = maxResponseBytes
            self.retryPolicy = retryPolicy
            self.listingBudget = listingBudget
            self.proxy = proxy
        }
    }

    /// The path of the redeem operation (`redeemCdxV1SharedToken`).
    public static let redeemPath = "/cdx/v1/shared-tokens:redeem"

    let credentials: CloudAPICredentials
    let configuration: Configuration
    let transport: any HTTPTransport
    let sleep: @Sendable (Duration) async throws -> Void
    let now: @Sendable () -> Date
    let logger: Logger

    /// Creates a client.
    /// - Parameters:
    ///   - credentials: The Cloud API key and secret.
    ///   - configuration: Base URL, timeout, size cap, retry policy.
    ///   - httpClient: The HTTP client to use (its TLS configuration decides which CAs are trusted).
    ///     By default ``HTTPClientFactory/shared``, or ``HTTPClientFactory/shared(through:)`` for the
    ///     configuration's proxy; see ``HTTPClientFactory`` for why not `HTTPClient.shared`.
    ///   - logger: Receives `debug` messages; the library is silent without one. Never logs a secret.
    public init(
        credentials: CloudAPICredentials,
        configuration: Configuration = Configuration(),
        httpClient: HTTPClient? = nil,
        logger: Logger? = nil
    ) {
        let client =
            httpClient ?? configuration.proxy.map(HTTPClientFactory.shared(through:)) ?? HTTPClientFactory.shared
        self.init(
            credentials: credentials,
            configuration: configuration,
            transport: AsyncHTTPTransport(client: client),
            sleep: { try await Task.sleep(for: $0) },
            now: { Date() },
            logger: logger
        )
    }

    package init(
        credentials: CloudAPICredentials,
        configuration: Configuration,
        transport: any HTTPTransport,
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger?
    ) {
        self.credentials = credentials
        self.configuration = configuration
        self.transport = transport
        self.sleep = sleep
        self.now = now
        self.logger = logger ?? Logger(label: "cdx-verify.api", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Redeems a token and returns the response body as received, without decoding it.
    ///
    /// Prefer ``redeem(_:savingTo:overwrite:checkingPrivateNetworking:)``, which saves the credentials before anything can fail.
    /// - Parameter request: The token and private-networking fields.
    /// - Returns: The 200 response.
    /// - Throws: ``CDXAPIError`` for every other outcome.
    public func redeem(_ request: RedeemTokenRequest) async throws(CDXAPIError) -> RedeemResponse {
        let body: Data
        do {
            body = try JSONEncoder().encode(request)
        } catch {
            throw CDXAPIError(code: .invalidConfiguration, underlying: "cannot encode the request")
        }
        let response = try await perform(
            "POST",
            Self.redeemPath,
            body: body,
            operation: .redeem,
            secrets: [request.token]
        )
        return RedeemResponse(body: response.body, requestID: response.header("X-Request-Id"), status: response.status)
    }

    /// Sends one API request with the Cloud API key, retrying as ``RetryPolicy`` allows (a request that
    /// never reached the server, a 429), and returns its 2xx response; every other outcome becomes a
    /// ``CDXAPIError`` here and nowhere else.
    /// - Parameters:
    ///   - pathAndQuery: The path under the base URL, with its query.
    ///   - secrets: What the request carries besides the Cloud API key (the token), scrubbed from errors.
    ///   - deadline: When every attempt must be over (a listing's): each attempt's timeout is cut to it,
    ///     and no retry waits past it.
    ///   - maxResponseBytes: A smaller cap than the configuration's (what is left of a listing's bytes).
    func perform(
        _ method: String,
        _ pathAndQuery: String,
        body: Data = Data(),
        operation: CDXAPIError.Operation,
        secrets extraSecrets: [Secret] = [],
        deadline: ContinuousClock.Instant? = nil,
        maxResponseBytes: Int? = nil
    ) async throws(CDXAPIError) -> TransportResponse {
        let url = configuration.baseURL.absoluteString.trimmingSuffix("/") + pathAndQuery
        // Everything a server, a proxy or the transport might echo back: the Cloud API secret, the
        // token, the Authorization header and its base64 part (which is key:secret).
        let header = credentials.authorizationHeader
        let scrubber = Scrubber(basicUser: credentials.key, secret: credentials.secret, also: extraSecrets)
        var headers = [
            ("Authorization", header),
            ("Accept", "application/json"),
            ("User-Agent", StreamShareVersion.userAgent),
        ]
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        var transportRequest = TransportRequest(
            url: url,
            method: method,
            headers: headers,
            body: body,
            timeout: configuration.requestTimeout,
            maxResponseBytes: min(configuration.maxResponseBytes, maxResponseBytes ?? .max)
        )
        let policy = configuration.retryPolicy
        var attempt = 0
        var waited = Duration.zero
        while true {
            attempt += 1
            logger.debug(
                "cdx api request",
                metadata: [
                    "operation": "\(operation)", "attempt": "\(attempt)", "method": "\(method)",
                    "url": "\(Scrubber.withoutUserInfo(url))",
                ]
            )
            if let deadline {
                let left = deadline - .now
                guard left > .zero else {
                    throw CDXAPIError(code: .timeout, attempts: attempt - 1, operation: operation)
                }
                transportRequest.timeout = min(configuration.requestTimeout, left)
            }
            let failure: CDXAPIError
            let advisedWait: Duration?
            switch await send(transportRequest, attempt: attempt, operation: operation, scrubber: scrubber) {
            case .success(let response):
                return response
            case .failure(let error, let retryable, let advice):
                guard retryable else { throw error }
                failure = error
                advisedWait = advice
            }
            guard case .retry(let wait) = policy.decision(attempt: attempt, waited: waited, advisedWait: advisedWait),
                !Task.isCancelled, deadline.map({ ContinuousClock.now + wait < $0 }) ?? true
            else {
                throw failure
            }
            logger.debug(
                "cdx api retry",
                metadata: [
                    "operation": "\(operation)", "attempt": "\(attempt)", "wait_ms": "\(wait.milliseconds)",
                    "reason": "\(failure.code)",
                ]
            )
            do {
                try await sleep(wait)
            } catch {
                throw CDXAPIError(code: .cancelled, attempts: attempt, operation: operation)
            }
            waited += wait
        }
    }

    private enum AttemptOutcome {
        case success(TransportResponse)
        /// `retryable` is true only for a 429 and for a request that never reached the server;
        /// `advisedWait` is the server's advice (429 only).
        case failure(CDXAPIError, retryable: Bool, advisedWait: Duration?)
    }

    private func send(
        _ request: TransportRequest,
        attempt: Int,
        operation: CDXAPIError.Operation,
        scrubber: Scrubber
    ) async -> AttemptOutcome {
        let response: TransportResponse
        do {
            response = try await transport.send(request)
        } catch {
            return .failure(
                self.error(for: error, attempts: attempt, operation: operation, scrubber: scrubber),
                retryable: error.kind == .notSent,
                advisedWait: nil
            )
        }
        let requestID = scrubber(response.header("X-Request-Id"))
        logger.debug(
            "cdx api response",
            metadata: [
                "operation": "\(operation)", "status": "\(response.status)", "request_id": "\(requestID ?? "-")",
            ]
        )
        // 200 is the API's success; another 2xx may carry the credentials too: the token is spent either
        // way, so the body goes to the caller (and to the share file) to be judged, never dropped.
        if (200...299).contains(response.status) { return .success(response) }
        let failure = error(for: response, attempts: attempt, operation: operation, scrubber: scrubber)
        guard response.status == 429 else { return .failure(failure, retryable: false, advisedWait: nil) }
        return .failure(
            failure,
            retryable: true,
            advisedWait: failure.retryAfter ?? configuration.retryPolicy.backoff(afterAttempt: attempt)
        )
    }

    private func error(
        for response: TransportResponse,
        attempts: Int,
        operation: CDXAPIError.Operation,
        scrubber: Scrubber
    ) -> CDXAPIError {
        // Every string of a server's answer may be printed: every one is scrubbed, here and only here.
        let entries = ((try? JSONDecoder().decode(APIErrorDocument.self, from: response.body))?.errors ?? []).map {
            entry in
            var entry = entry
            entry.id = scrubber(entry.id)
            entry.status = scrubber(entry.status)
            entry.code = scrubber(entry.code)
            entry.detail = scrubber(entry.detail)
            entry.title = scrubber(entry.title)
            entry.message = scrubber(entry.message)
            if var source = entry.source {
                source.pointer = scrubber(source.pointer)
                source.parameter = scrubber(source.parameter)
                entry.source = source
            }
            return entry
        }
        let code: CDXAPIError.Code =
            switch response.status {
            case 400: .badRequest
            case 401: .unauthorized
            case 403: .forbidden
            case 404: .notFound
            case 409: .conflict
            case 429: .rateLimited
            case 500...599: .serverError
            default: .unexpectedStatus
            }
        return CDXAPIError(
            code: code,
            status: response.status,
            requestID: scrubber(response.header("X-Request-Id")),
            errors: entries,
            retryAfter: response.status == 429
                ? ServerAdvice.retryAfter(header: response.header, now: now(), capped: false) : nil,
            wwwAuthenticate: scrubber(response.header("WWW-Authenticate")),
            location: scrubber(response.header("Location")),
            mayHaveBeenRedeemed: operation == .redeem && response.status >= 500,
            attempts: attempts,
            operation: operation
        )
    }

    private func error(
        for failure: TransportError,
        attempts: Int,
        operation: CDXAPIError.Operation,
        scrubber: Scrubber
    ) -> CDXAPIError {
        let detail = scrubber(failure.detail)
        let sent = operation == .redeem
        let (code, mayHaveBeenRedeemed, underlying): (CDXAPIError.Code, Bool, String?) =
            switch failure.kind {
            case .notSent: (.connectionFailed, false, detail)
            case .tls: (.tlsFailure, false, detail)
            case .timeoutAfterSend: (.timeout, sent, detail)
            case .connectionLostAfterSend: (.connectionLost, sent, detail)
            case .responseTooLarge: (.responseTooLarge, sent, "limit \(configuration.maxResponseBytes) bytes")
            case .invalidRequest: (.invalidConfiguration, false, detail)
            case .cancelled: (.cancelled, false, nil)
            }
        return CDXAPIError(
            code: code,
            mayHaveBeenRedeemed: mayHaveBeenRedeemed,
            attempts: attempts,
            underlying: underlying,
            proxy: configuration.proxy,
            operation: operation
        )
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var result = self
        while result.hasSuffix(suffix) { result.removeLast(suffix.count) }
        return result
    }
}
