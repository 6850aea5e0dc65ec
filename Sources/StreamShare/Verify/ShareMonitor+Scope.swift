public import AsyncHTTPClient
public import Logging

/// Runs `body` with a ``ShareMonitor`` of `share`, and releases the monitor's Kafka clients and HTTP
/// connections when `body` returns or throws.
///
/// - Parameters:
///   - share: The redeemed share.
///   - options: As for ``ShareVerifier``.
///   - httpClient: The client for Schema Registry requests. By default the monitor makes one
///     (trusting ``ShareVerifier/Options/caFile`` when given) that keeps idle connections for
///     `idleConnectionTimeout`, and shuts it down at the end of the scope.
///   - idleConnectionTimeout: Keep-alive of the monitor's own HTTP connections; choose it longer
///     than the interval between runs.
///   - pool: The fleet the monitor belongs to (``withMonitorPool(maximumConcurrentRuns:idleConnectionTimeout:_:)``):
///     its runs then wait for one of the pool's slots, hold Kafka clients only while they run (the pool
///     keeps a few warm) and use the pool's HTTP clients. `nil`: the monitor keeps its own clients.
///   - logger: Receives `debug` messages; silent without one.
///   - body: Uses the monitor; it must not let the monitor escape.
/// - Returns: What `body` returns.
/// - Throws: ``ConfigurationError`` when no client configuration can be built from the share and
///   options, or the CA file cannot be read (`body` is not called); otherwise what `body` throws.
public func withShareMonitor<Result: Sendable>(
    share: RedeemedShare,
    options: ShareVerifier.Options = .init(),
    httpClient: HTTPClient? = nil,
    idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
    pool: MonitorPool? = nil,
    logger: Logger? = nil,
    _ body: (ShareMonitor) async throws -> Result
) async throws -> Result {
    try await withShareMonitor(
        configuration: PreparedConfiguration(share: share, options: options),
        options: options,
        httpClient: httpClient,
        idleConnectionTimeout: idleConnectionTimeout,
        pool: pool,
        logger: logger,
        body
    )
}

/// ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:pool:logger:_:)`` with a share
/// already parsed.
/// - Parameters:
///   - prepared: The share and its endpoints.
///   - options: As for ``ShareVerifier``.
///   - httpClient: As for ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:pool:logger:_:)``.
///   - idleConnectionTimeout: Keep-alive of the monitor's own HTTP connections.
///   - pool: The fleet the monitor belongs to, or `nil`.
///   - logger: Receives `debug` messages; silent without one.
///   - body: Uses the monitor; it must not let the monitor escape.
/// - Returns: What `body` returns.
/// - Throws: ``ConfigurationError`` when no client configuration can be built from the share and
///   options, or the CA file cannot be read (`body` is not called); otherwise what `body` throws.
public func withShareMonitor<Result: Sendable>(
    prepared: PreparedShare,
    options: ShareVerifier.Options = .init(),
    httpClient: HTTPClient? = nil,
    idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
    pool: MonitorPool? = nil,
    logger: Logger? = nil,
    _ body: (ShareMonitor) async throws -> Result
) async throws -> Result {
    try await withShareMonitor(
        configuration: PreparedConfiguration(prepared: prepared, options: options),
        options: options,
        httpClient: httpClient,
        idleConnectionTimeout: idleConnectionTimeout,
        pool: pool,
        logger: logger,
        body
    )
}

/// ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:pool:logger:_:)`` with the share's
/// configuration already validated (with the same options).
package func withShareMonitor<Result: Sendable>(
    configuration prepared: PreparedConfiguration,
    options: ShareVerifier.Options = .init(),
    httpClient: HTTPClient? = nil,
    idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
    pool: MonitorPool? = nil,
    logger: Logger? = nil,
    _ body: (ShareMonitor) async throws -> Result
) async throws -> Result {
    let monitor = try ShareMonitor(
        configuration: prepared,
        options: options,
        httpClient: httpClient,
        idleConnectionTimeout: idleConnectionTimeout,
        pool: pool,
        logger: logger
    )
    do {
        let result = try await body(monitor)
        await monitor.shutdown()
        return result
    } catch {
        await monitor.shutdown()
        throw error
    }
}
