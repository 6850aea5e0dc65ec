import Logging
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// The library's logs, over a real HTTP exchange with the CDX API emulator.
@Suite("Logs never leak")
struct LogRedactionTests {
    @Test("logs of a redeem carry no secret at the most verbose level")
    func logs() async throws {
        let sink = LogSink()
        var logger = Logger(label: "test", factory: { _ in sink })
        logger.logLevel = .trace
        try await TestAPI.with { emulator in
            let token = try emulator.api.mintToken(for: try Fixture.share())
            let client = CDXClient(
                credentials: emulator.api.credentials,
                configuration: .init(baseURL: emulator.server.baseURL),
                logger: logger
            )
            _ = try await client.redeem(RedeemTokenRequest(token: token))
            _ = try? await client.redeem(RedeemTokenRequest(token: token))
            let lines = sink.lines
            #expect(lines.count >= 4)
            for line in lines {
                for secret in Fixture.allSecrets + [token.revealed, emulator.api.credentials.secret.revealed] {
                    #expect(!line.contains(secret), "\(line)")
                }
            }
        }
    }
}

/// Collects every log line with its metadata.
final class LogSink: LogHandler, Sendable {
    private let storage = Mutex<[String]>([])
    var lines: [String] { storage.withLock { $0 } }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        storage.withLock { $0.append("\(event.level) \(event.message) \(event.metadata ?? [:])") }
    }
}
