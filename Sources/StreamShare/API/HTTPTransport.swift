#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The HTTP exchange the CDX client needs, behind a seam so that retry logic can be tested with
/// scripted outcomes; production uses ``AsyncHTTPTransport``, and the sandbox covers the real path.
package protocol HTTPTransport: Sendable {
    func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse
}

package struct TransportRequest: Sendable {
    package var url: String
    package var method: String
    package var headers: [(String, String)]
    package var body: Data
    package var timeout: Duration
    package var maxResponseBytes: Int

    package init(
        url: String,
        method: String,
        headers: [(String, String)],
        body: Data,
        timeout: Duration,
        maxResponseBytes: Int
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }
}

package struct TransportResponse: Sendable {
    package var status: Int
    package var headers: [(String, String)]
    package var body: Data

    package init(status: Int, headers: [(String, String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, by case-insensitive name.
    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A transport failure, classified by whether the request can have reached the server.
package struct TransportError: Error, Sendable {
    package enum Kind: Sendable, Equatable {
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

    package var kind: Kind
    package var detail: String
    /// The deadline passed (before or after sending, as ``kind`` says).
    package var timedOut: Bool
    /// Not sent: the caller's own request budget left no slot before the deadline.
    package var outOfBudget: Bool

    package init(kind: Kind, detail: String, timedOut: Bool = false, outOfBudget: Bool = false) {
        self.kind = kind
        self.detail = detail
        self.timedOut = timedOut
        self.outOfBudget = outOfBudget
    }
}
