public import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// A minimal HTTP/1.1 server on 127.0.0.1 (Hummingbird), serving one handler. The emulators run on it.
public final class LocalHTTPServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        /// `GET`, `POST`, …
        public var method: String
        /// The path with its query, as sent.
        public var path: String
        /// Header fields (names lowercased).
        public var headers: [String: String]
        /// The body (at most 1 MiB is read).
        public var body: Data
    }

    /// A response to send.
    public struct Response: Sendable {
        /// The status code.
        public var status: Int
        /// Header fields.
        public var headers: [(String, String)]
        /// The body.
        public var body: Data
        /// Seconds to wait before answering (a slow or hanging server).
        public var delay: Duration

        /// Creates a response.
        public init(status: Int, headers: [(String, String)] = [], body: Data = Data(), delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        /// A JSON response.
        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8))
        }
    }

    /// The bound port.
    public let port: Int
    private let task: Task<Void, any Error>

    /// `http://127.0.0.1:PORT`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// Starts a server on 127.0.0.1.
    /// - Parameters:
    ///   - port: The port, or 0 for any free one.
    ///   - handler: Produces the response of each request.
    /// - Returns: The running server; call ``stop()`` when done.
    public static func start(
        port: Int = 0,
        handler: @escaping @Sendable (Request) async -> Response
    ) async throws -> LocalHTTPServer {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let incoming = Request(
                method: request.method.rawValue,
                path: request.uri.description,
                headers: headers,
                body: Data(body.readableBytesView)
            )
            let outgoing = await handler(incoming)
            if outgoing.delay > .zero { try await Task.sleep(for: outgoing.delay) }
            var fields = HTTPFields()
            for (name, value) in outgoing.headers {
                if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
            }
            return Hummingbird.Response(
                status: HTTPResponse.Status(code: outgoing.status),
                headers: fields,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: outgoing.body))
            )
        }
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "cdx-verify.sandbox.http")
        logger.logLevel = .critical
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let task = Task {
            defer { portContinuation.finish() }
            try await app.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let bound = await iterator.next(), bound > 0 else {
            task.cancel()
            _ = await task.result
            throw SandboxError("could not start an HTTP server on 127.0.0.1:\(port)")
        }
        return LocalHTTPServer(port: bound, task: task)
    }

    /// Stops the server and waits until the port is released.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// A sandbox component that could not start or was misconfigured.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
