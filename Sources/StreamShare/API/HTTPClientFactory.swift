public import AsyncHTTPClient
import NIOCore
import NIOSSL
import Synchronization

/// HTTP clients configured the way cdx-verify needs them.
///
/// async-http-client's defaults retry a failed connection until the request deadline. For a
/// single-use token the retry decision belongs to ``RetryPolicy`` (which knows the request was never
/// sent), and a refused connection should be reported in seconds, so these clients fail connection
/// establishment at once and bound the connect phase.
public enum HTTPClientFactory {
    /// HTTP/1.1 connections kept per host (the Schema Registry checks run this many requests at once).
    public static let maxConnectionsPerHost = 32

    /// The connect timeout of the clients made here.
    public static let connectTimeout: Duration = .seconds(10)

    /// A process-wide client trusting the system's CAs; never shut down (like `HTTPClient.shared`).
    public static let shared: HTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: configuration(tls: nil)
    )

    /// The process-wide clients that go through a proxy, one per proxy, made when first asked for.
    private static let proxied = Mutex<[HTTPProxy: HTTPClient]>([:])

    /// A process-wide client trusting the system's CAs that sends every request through `proxy`
    /// (HTTPS through a `CONNECT` tunnel); made once per proxy and never shut down, like ``shared``.
    public static func shared(through proxy: HTTPProxy) -> HTTPClient {
        proxied.withLock { clients in
            if let client = clients[proxy] { return client }
            var configuration = configuration(tls: nil)
            configuration.proxy = proxy.asHTTPClientProxy
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[proxy] = client
            return client
        }
    }

    /// Makes a client that also trusts the CA certificates in a PEM file.
    ///
    /// The caller owns the client and must call `shutdown()` on it.
    /// - Parameter caFile: A PEM file with one or more CA certificates (added to the system's CAs).
    /// - Throws: When the file cannot be read as PEM certificates.
    public static func makeClient(trusting caFile: String) throws -> HTTPClient {
        try makeClient(trusting: Optional(caFile), idleTimeout: nil)
    }

    /// Makes a client that trusts the system's CAs and, when given, those of a PEM file, keeps idle
    /// connections for `idleTimeout` (async-http-client's default when nil), and sends every request
    /// through `proxy` when given (HTTPS through a `CONNECT` tunnel).
    ///
    /// The caller owns the client and must call `shutdown()` on it.
    /// - Throws: When the file cannot be read as PEM certificates.
    public static func makeClient(
        trusting caFile: String?,
        idleTimeout: Duration?,
        proxy: HTTPProxy? = nil
    ) throws -> HTTPClient {
        var tls: TLSConfiguration? = nil
        if let caFile {
            var trusting = TLSConfiguration.makeClientConfiguration()
            trusting.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            tls = trusting
        }
        var configuration = configuration(tls: tls)
        if let idleTimeout {
            configuration.connectionPool.idleTimeout = .milliseconds(idleTimeout.milliseconds)
        }
        configuration.proxy = proxy?.asHTTPClientProxy
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    private static func configuration(tls: TLSConfiguration?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(connectTimeout.components.seconds))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        // HTTP/2 where the server offers it (Confluent Cloud does): every Schema Registry request of
        // a verification multiplexed on one connection. Over HTTP/1.1, enough kept-alive connections
        // for the verifier's concurrency.
        configuration.httpVersion = .automatic
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = maxConnectionsPerHost
        return configuration
    }
}

extension HTTPProxy {
    /// The proxy in async-http-client's terms (HTTP with basic authentication, or SOCKS5).
    fileprivate var asHTTPClientProxy: HTTPClient.Configuration.Proxy {
        switch kind {
        case .http:
            let authorization = username.map { user in
                HTTPClient.Authorization.basic(username: user, password: password?.revealed ?? "")
            }
            return .server(host: host, port: port, authorization: authorization)
        case .socks5:
            return .socksServer(host: host, port: port)
        }
    }
}
