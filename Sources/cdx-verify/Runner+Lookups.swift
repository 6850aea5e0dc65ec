import Logging
import StreamShare

/// What `watch` looks up in the CDX API about a share besides verifying it: its status, for the
/// `cdx_verify_share_phase` series (`verify` leaves its look-ups to the library's ShareVerifier).
extension Runner {
    /// With Cloud API credentials (flags or environment), a lookup of a share's status by id (nil when
    /// it fails, which is logged at `level`); else nil.
    static func shareStatusLookup(
        cloud: CloudOptions,
        logger: Logger?,
        level: Logger.Level = .debug
    ) -> (@Sendable (String) async -> ConsumerShare?)? {
        guard let client = try? Runner.client(cloud: cloud, logger: logger) else { return nil }
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
