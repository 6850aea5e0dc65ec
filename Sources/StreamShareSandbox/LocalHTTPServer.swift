import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

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

    /// `http://127.0.0.1:PORT`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private init(port: Int) { self.port = port }

    /// Runs a server on 127.0.0.1 for the duration of `body`.
    /// - Parameters:
    ///   - port: The port, or 0 for any free one.
    ///   - handler: Produces the response of each request.
    ///   - body: Uses the running server; the server stops (and releases its port) when it returns.
    /// - Returns: What `body` returns.
    public static func withServer<Result: Sendable>(
        port: Int = 0,
        handler: @escaping @Sendable (Request) async -> Response,
        _ body: (LocalHTTPServer) async throws -> Result
    ) async throws -> Result {
        try await withServers([(port, handler)]) { servers in try await body(servers[0]) }
    }

    /// Runs several servers on 127.0.0.1 as the services of one `ServiceGroup`, for the duration of
    /// `body`; they stop (and release their ports) when it returns or throws.
    /// - Parameters:
    ///   - specs: Each server's port (0: any free one) and handler.
    ///   - body: Uses the running servers, in the order of `specs`.
    /// - Returns: What `body` returns.
    public static func withServers<Result: Sendable>(
        _ specs: [(port: Int, handler: @Sendable (Request) async -> Response)],
        _ body: ([LocalHTTPServer]) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "cdx-verify.sandbox.http")
        logger.logLevel = .critical
        var applications: [any Service] = []
        var ports: [AsyncStream<Int>] = []
        var announcers: [AsyncStream<Int>.Continuation] = []
        for spec in specs {
            let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
            ports.append(stream)
            announcers.append(continuation)
            applications.append(
                Application(
                    responder: responder(spec.handler),
                    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: spec.port)),
                    onServerRunning: { channel in
                        continuation.yield(channel.localAddress?.port ?? 0)
                        continuation.finish()
                    },
                    logger: logger
                )
            )
        }
        var configuration = ServiceGroupConfiguration(services: applications, logger: logger)
        // A graceful shutdown lets each open connection finish its response (a hard cancellation can
        // drop a response writer mid-flight, which NIO traps on); a slow one is cut after a second.
        configuration.maximumGracefulShutdownDuration = .seconds(1)
        let group = ServiceGroup(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { [announcers] in
                // A server that fails to start never announces its port: end the wait for it.
                defer { announcers.forEach { $0.finish() } }
                try await group.run()
            }
            let outcome: Swift.Result<Result, any Error>
            do {
                var servers: [LocalHTTPServer] = []
                for (index, stream) in ports.enumerated() {
                    var iterator = stream.makeAsyncIterator()
                    guard let bound = await iterator.next(), bound > 0 else {
                        throw SandboxError("could not start an HTTP server on 127.0.0.1:\(specs[index].port)")
                    }
                    servers.append(LocalHTTPServer(port: bound))
                }
                outcome = .success(try await body(servers))
            } catch {
                outcome = .failure(error)
            }
            await group.triggerGracefulShutdown()
            // The group ends by itself (at most a second after the trigger); its own error, if any, is
            // not the caller's.
            while let _ = try? await tasks.next() {}
            return try outcome.get()
        }
    }

    private static func responder(
        _ handler: @escaping @Sendable (Request) async -> Response
    ) -> CallbackResponder<BasicRequestContext> {
        CallbackResponder<BasicRequestContext> { request, _ in
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
    }
}

/// A sandbox component that could not start or was misconfigured.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}
