import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP endpoints of watch mode: `GET /metrics` (Prometheus text exposition format) and
/// `GET /healthz`. A Hummingbird application, run as a service of the watch's service group.
enum MetricsServer {
    static func make(
        address: ListenAddress,
        state: WatchState,
        onListening: @escaping @Sendable (Int) -> Void
    ) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: state.metrics.registry.emitToBuffer()))
            )
        }
        router.get("/healthz") { _, _ in
            let health = state.health
            return Response(
                status: HTTPResponse.Status(code: health.status),
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: health.body + "\n"))
            )
        }
        var logger = Logger(label: "cdx-verify.metrics")
        logger.logLevel = .critical
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? address.port) },
            logger: logger
        )
    }
}
