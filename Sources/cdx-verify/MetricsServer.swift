import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP endpoints of watch mode: `GET /metrics` (Prometheus text exposition format), `GET /healthz`
/// and `GET /readyz` (200 when the last run passed and is recent, else 503 with the failed checks), and
/// `GET /livez` (200 while the process serves). A Hummingbird application, run as a service of the
/// watch's service group.
enum MetricsServer {
    /// Seconds an idle (or half-sent) connection is kept.
    static let idleTimeoutSeconds: Int64 = 10
    /// Connections held at once; a new one closes the oldest beyond this (an idle connection is a
    /// descriptor and a few kilobytes: far more than a kubelet and a few Prometheus servers need).
    static let maximumConnections = 256
    /// The longest a connection lives, whatever it does (a body trickled a byte at a time, a keep-alive
    /// request every few seconds): then it is closed once its response is written, or
    /// ``lifetimeGraceSeconds`` later.
    static let lifetimeSeconds: Int64 = 30
    static let lifetimeGraceSeconds: Int64 = 5

    static func make(
        address: ListenAddress,
        fleet: WatchFleet,
        onListening: @escaping @Sendable (Int) -> Void
    ) -> some Service {
        let router = Router()
        let endpoints: [(path: RouterPath, respond: @Sendable (Request) -> Response)] = [
            (
                "/metrics",
                { _ in
                    Response(
                        status: .ok,
                        headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: fleet.registry.emitToBuffer()))
                    )
                }
            ),
            // Every share, or ?share=NAME for one.
            ("/healthz", { Self.json(fleet.health(share: Self.share($0))) }),
            // Readiness: the shares can be consumed (Kubernetes takes the pod out of service otherwise).
            ("/readyz", { Self.json(fleet.health(share: Self.share($0))) }),
            // Liveness: the process answers; a failing share is no reason to restart it.
            ("/livez", { _ in Self.json(.init(status: 200, body: #"{"status":"alive"}"#)) }),
        ]
        for endpoint in endpoints {
            router.get(endpoint.path) { request, _ in endpoint.respond(request) }
            // HEAD: the same status and headers, no body (probes that only look at the status).
            router.head(endpoint.path) { request, _ in
                let full = endpoint.respond(request)
                return Response(status: full.status, headers: full.headers)
            }
            for method in [HTTPRequest.Method.post, .put, .delete, .patch, .options] {
                router.on(endpoint.path, method: method) { _, _ in
                    Response(status: .methodNotAllowed, headers: [.allow: "GET, HEAD"])
                }
            }
        }
        var logger = Logger(label: "cdx-verify.metrics")
        logger.logLevel = .critical
        // Every connection is accepted at once (a probe never waits in the listen backlog behind held
        // connections); idle and half-sent ones close after 10 s, every one after 30 s, and beyond 256
        // the oldest gives way: a client that opens and holds connections can neither exhaust the
        // descriptors the verifications need nor keep /livez, /readyz or /healthz from answering.
        let connections = HeldConnections(limit: Self.maximumConnections)
        return Application(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        ConnectionGuard(
                            connections: connections,
                            lifetime: .seconds(Self.lifetimeSeconds),
                            grace: .seconds(Self.lifetimeGraceSeconds)
                        )
                    ],
                    idleTimeout: .seconds(Self.idleTimeoutSeconds)
                )
            ),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? address.port) },
            logger: logger
        )
    }

    /// `?share=NAME`, percent-decoded.
    private static func share(_ request: Request) -> String? {
        request.uri.queryParameters["share"].map { $0.percentDecoded() ?? String($0) }
    }

    private static func json(_ health: WatchState.Health) -> Response {
        Response(
            status: HTTPResponse.Status(code: health.status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: health.body + "\n"))
        )
    }
}
