import ArgumentParser
import Logging
import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The CDX API as the subcommands reach it: a client for `--api-url` with the Cloud API credentials,
/// and an object read and printed.
extension CloudOptions {
    /// A CDX API client for `--api-url` with the Cloud API credentials, through the proxy that applies.
    func client(
        logger: Logger?,
        retryPolicy: RetryPolicy = RetryPolicy(),
        requestTimeout: Duration = .seconds(30)
    ) throws -> CDXClient {
        let baseURL = try baseURL()
        return CDXClient(
            credentials: try credentials(),
            configuration: .init(
                baseURL: baseURL,
                requestTimeout: requestTimeout,
                retryPolicy: retryPolicy,
                proxy: try proxyOptions.proxy(for: baseURL, logger: logger)
            ),
            logger: logger
        )
    }

    /// Reads an object from the CDX API and prints it as text or JSON; an API error is printed once and
    /// becomes exit 2.
    func show<Value: Encodable>(
        _ format: ObjectFormat,
        output: OutputOptions,
        text: (Value) -> String,
        _ read: (CDXClient) async throws(CDXAPIError) -> Value
    ) async throws {
        let console = output.console
        let client = try client(logger: output.logger)
        let value: Value
        do {
            value = try await read(client)
        } catch {
            throw CommandFailure.report(error, console: console)
        }
        switch format {
        case .json: console.output(try ShareText.json(value))
        case .text: console.output(text(value))
        }
    }
}

/// What `watch` looks up in the CDX API about a share besides verifying it: its status, for the
/// `cdx_verify_share_phase` series (`verify` leaves its look-ups to the library's ShareVerifier).
extension CloudOptions {
    /// With Cloud API credentials (flags or environment), a lookup of a share's status by id (nil when
    /// it fails, which is logged at `level`); else nil.
    func shareStatusLookup(
        logger: Logger?,
        level: Logger.Level = .debug
    ) -> (@Sendable (String) async -> ConsumerShare?)? {
        guard let client = try? client(logger: logger) else { return nil }
        return { id in
            do {
                return try await client.share(id: id)
            } catch {
                logger?.log(
                    level: level,
                    "the status of share \(id) could not be looked up: \((error as? CDXAPIError)?.summary ?? "\(error)")"
                )
                return nil
            }
        }
    }
}
