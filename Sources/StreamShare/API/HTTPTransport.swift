import Foundation

/// The HTTP exchange the CDX client needs, behind a seam so that retry logic can be tested with
/// scripted outcomes; production uses ``AsyncHTTPTransport``, and the sandbox covers the real path.
protocol HTTPTransport: Sendable {
    func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse
}

struct TransportRequest: Sendable {
    var url: String
    var method: String
    var headers: [(String, String)]
    var body: Data
    var timeout: Duration
    var maxResponseBytes: Int
}

struct TransportResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// A transport failure, classified by whether the request can have reached the server.
struct TransportError: Error, Sendable {
    enum Kind: Sendable, Equatable {
        /// The request was never sent (DNS, refused, unreachable, connect timeout): safe to retry.
        case notSent
        /// The TLS handshake failed: nothing was sent, but retrying will not help.
        case tls
        /// The request was sent and no complete response arrived in time.
        case timeoutAfterSend
        /// The connection broke after the request was sent.
        case connectionLostAfterSend
        /// The response body exceeded the limit.
        case responseTooLarge
        /// The URL cannot be used.
        case invalidRequest
        /// The task was cancelled.
        case cancelled
    }

    var kind: Kind
    var detail: String
    /// The deadline passed (before or after sending, as ``kind`` says).
    var timedOut = false
}
