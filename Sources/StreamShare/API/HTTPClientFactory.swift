public import AsyncHTTPClient
import NIOCore
import NIOSSL

/// HTTP clients configured the way cdx-verify needs them.
///
/// async-http-client's defaults retry a failed connection until the request deadline. For a
/// single-use token the retry decision belongs to ``RetryPolicy`` (which knows the request was never
/// sent), and a refused connection should be reported in seconds, so these clients fail connection
/// establishment at once and bound the connect phase.
public enum HTTPClientFactory {
    /// The connect timeout of the clients made here.
    public static let connectTimeout: Duration = .seconds(10)

    /// A process-wide client trusting the system's CAs; never shut down (like `HTTPClient.shared`).
    public static let shared: HTTPClient = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: configuration(tls: nil)
    )

    /// Makes a client that also trusts the CA certificates in a PEM file.
    ///
    /// The caller owns the client and must call `shutdown()` on it.
    /// - Parameter caFile: A PEM file with one or more CA certificates (added to the system's CAs).
    /// - Throws: When the file cannot be read as PEM certificates.
    public static func makeClient(trusting caFile: String) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration(tls: tls))
    }

    private static func configuration(tls: TLSConfiguration?) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(connectTimeout.components.seconds))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.httpVersion = .http1Only
        return configuration
    }
}
