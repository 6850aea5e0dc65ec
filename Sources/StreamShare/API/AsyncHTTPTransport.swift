package import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ``HTTPTransport`` over async-http-client.
///
/// Uses the delegate API because it reports whether the request head was written to the socket:
/// that fact, not a guess from the error type, decides whether a failed redeem may have reached the
/// server. The body is collected with a size cap.
package struct AsyncHTTPTransport: HTTPTransport {
    let client: HTTPClient

    package init(client: HTTPClient) { self.client = client }

    package func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
        let httpRequest: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            for (name, value) in request.headers { headers.add(name: name, value: value) }
            httpRequest = try HTTPClient.Request(
                url: request.url,
                method: HTTPMethod(rawValue: request.method),
                headers: headers,
                body: .byteBuffer(ByteBuffer(bytes: request.body))
            )
        } catch {
            throw TransportError(kind: .invalidRequest, detail: "invalid URL '\(request.url)'")
        }
        let delegate = CollectingDelegate(limit: request.maxResponseBytes)
        let deadline =
            NIODeadline.now()
            + .nanoseconds(
                Int64(request.timeout.components.seconds) * 1_000_000_000
                    + request.timeout.components.attoseconds / 1_000_000_000
            )
        let task = client.execute(request: httpRequest, delegate: delegate, deadline: deadline)
        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            throw Self.classify(error, sent: delegate.sentHead, tooLarge: delegate.exceededLimit)
        }
    }

    static func classify(_ error: any Error, sent: Bool, tooLarge: Bool) -> TransportError {
        if tooLarge { return TransportError(kind: .responseTooLarge, detail: "more than the response size limit") }
        if error is CancellationError || (error as? HTTPClientError) == .cancelled {
            return TransportError(kind: .cancelled, detail: "cancelled")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return TransportError(kind: .tls, detail: "\(error)")
        }
        if let clientError = error as? HTTPClientError, clientError == .tlsHandshakeTimeout {
            return TransportError(kind: .tls, detail: "TLS handshake timed out")
        }
        guard sent else {
            // Nothing was written: whatever failed (DNS, refused, connect timeout) the token is intact.
            // The request's own deadline passed before it could be sent (not a connect timeout: that is
            // a connection failure, whatever the deadline).
            let timedOut = (error as? HTTPClientError) == .deadlineExceeded
            return TransportError(kind: .notSent, detail: Self.describe(error), timedOut: timedOut)
        }
        if let clientError = error as? HTTPClientError,
            clientError == .deadlineExceeded || clientError == .readTimeout || clientError == .writeTimeout
        {
            return TransportError(kind: .timeoutAfterSend, detail: "timed out", timedOut: true)
        }
        return TransportError(kind: .connectionLostAfterSend, detail: Self.describe(error))
    }

    private static func describe(_ error: any Error) -> String {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout: return "connect timeout"
            case .deadlineExceeded: return "timed out before the request could be sent"
            case .remoteConnectionClosed: return "connection closed by the server"
            case .proxyAuthenticationRequired:
                return
                    "the proxy asks for credentials (HTTP 407): give them in the proxy URL (http://user:password@host:port)"
            case .invalidProxyResponse:
                return "the proxy refused to connect to the server (no 200 answer to CONNECT)"
            case .httpProxyHandshakeTimeout: return "the proxy did not answer CONNECT in time"
            case .socksHandshakeTimeout: return "the SOCKS proxy did not answer in time"
            default: return "\(clientError)"
            }
        }
        if let ioError = error as? IOError { return String(cString: strerror(ioError.errnoCode)) }
        if let connection = error as? NIOConnectionError {
            // The proxy's address when the request goes through one: that is where the connection failed.
            if let failure = connection.connectionErrors.first {
                return "\(connection.host):\(connection.port): \(describe(failure.error))"
            }
            if connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "cannot resolve \(connection.host)"
            }
        }
        return "\(error)"
    }
}

/// Collects the response, records whether the request head went out, and enforces the size cap.
private final class CollectingDelegate: HTTPClientResponseDelegate {
    typealias Response = TransportResponse

    private struct State {
        var sentHead = false
        var exceededLimit = false
        var status = 0
        var headers: [(String, String)] = []
        var body = Data()
    }

    private let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) { self.limit = limit }

    var sentHead: Bool { state.withLockedValue { $0.sentHead } }
    var exceededLimit: Bool { state.withLockedValue { $0.exceededLimit } }

    func didSendRequestHead(task: HTTPClient.Task<TransportResponse>, _ head: HTTPRequestHead) {
        state.withLockedValue { $0.sentHead = true }
    }

    func didReceiveHead(task: HTTPClient.Task<TransportResponse>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        state.withLockedValue { state in
            state.status = Int(head.status.code)
            state.headers = head.headers.map { ($0.name, $0.value) }
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limit {
            state.withLockedValue { $0.exceededLimit = true }
            return task.eventLoop.makeFailedFuture(NIOTooManyBytesError(maxBytes: self.limit))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<TransportResponse>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let exceeded = state.withLockedValue { state -> Bool in
            guard state.body.count + buffer.readableBytes <= limit else {
                state.exceededLimit = true
                return true
            }
            state.body.append(contentsOf: buffer.readableBytesView)
            return false
        }
        return exceeded
            ? task.eventLoop.makeFailedFuture(NIOTooManyBytesError(maxBytes: self.limit))
            : task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<TransportResponse>) throws -> TransportResponse {
        state.withLockedValue { TransportResponse(status: $0.status, headers: $0.headers, body: $0.body) }
    }
}
