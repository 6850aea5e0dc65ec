import AsyncHTTPClient
import Foundation
import StreamShare
import StreamShareSandbox
import Synchronization

/// A transport that replays scripted outcomes (for retry decisions that a real server cannot
/// produce on demand, such as "connection refused, then success").
final class ScriptedTransport: HTTPTransport {
    enum Step: Sendable {
        case response(TransportResponse)
        case failure(TransportError)
    }

    private let steps: Mutex<[Step]>
    private let count = Mutex(0)

    init(_ steps: [Step]) { self.steps = Mutex(steps) }

    var requests: Int { count.withLock { $0 } }

    func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
        count.withLock { $0 += 1 }
        let step = steps.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        switch step {
        case .response(let response): return response
        case .failure(let error): throw error
        case nil: throw TransportError(kind: .notSent, detail: "script exhausted")
        }
    }
}

/// Records the waits a client asks for instead of sleeping.
final class SleepRecorder: Sendable {
    private let storage = Mutex<[Duration]>([])
    var waits: [Duration] { storage.withLock { $0 } }
    func sleep(_ duration: Duration) async throws { storage.withLock { $0.append(duration) } }
}

/// The CDX API emulator on a real loopback HTTP server.
struct TestAPI {
    let api: CDXAPIEmulator
    let server: LocalHTTPServer

    /// Runs `body` with the emulator served on loopback; the server stops when it returns.
    static func with(_ body: (TestAPI) async throws -> Void) async throws {
        let api = CDXAPIEmulator()
        try await api.withServer { server in try await body(TestAPI(api: api, server: server)) }
    }

    /// A client over real HTTP (async-http-client) whose waits are recorded, not slept.
    func client(
        recorder: SleepRecorder? = nil,
        timeout: Duration = .seconds(10),
        maxResponseBytes: Int = 1 << 20,
        policy: RetryPolicy = RetryPolicy(jitter: { 0.5 }),
        credentials: CloudAPICredentials? = nil
    ) -> CDXClient {
        CDXClient(
            credentials: credentials ?? api.credentials,
            configuration: .init(
                baseURL: server.baseURL,
                requestTimeout: timeout,
                maxResponseBytes: maxResponseBytes,
                retryPolicy: policy
            ),
            transport: AsyncHTTPTransport(client: HTTPClientFactory.shared),
            sleep: { duration in try await (recorder ?? SleepRecorder()).sleep(duration) },
            logger: nil
        )
    }
}
