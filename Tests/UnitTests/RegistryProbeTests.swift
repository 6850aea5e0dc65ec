import Foundation
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// The Schema Registry probe against scripted answers: verdicts that a live server under load could
/// not show deterministically.
@Suite("Registry probe")
struct RegistryProbeTests {
    /// Answers every request with what `answer` returns for its URL.
    final class Answering: HTTPTransport {
        let answer: @Sendable (String) -> TransportResponse
        let requests = Mutex(0)

        init(_ answer: @escaping @Sendable (String) -> TransportResponse) { self.answer = answer }

        func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
            requests.withLock { $0 += 1 }
            return answer(request.url)
        }
    }

    @Test(
        "a registry that answers 429 until the deadline: every subject fails rate_limited, with the shared-limit hint"
    )
    func rateLimitedUntilTheDeadline() async throws {
        let limited = TransportResponse(
            status: 429,
            headers: [("Retry-After", "1")],
            body: Data(#"{"error_code":42901,"message":"Rate limit exceeded"}"#.utf8)
        )
        let transport = Answering { url in
            url.hasSuffix("/schemas/types")
                ? TransportResponse(status: 200, headers: [], body: Data(#"["AVRO"]"#.utf8)) : limited
        }
        let sink = CheckSink()
        let probe = SchemaRegistryProbe(
            registry: SchemaRegistryConfig(url: URL(string: "https://sr.example")!, apiKey: "K", secret: Secret("S")),
            subjects: ["a-value", "b-value", "c-value"],
            transport: transport,
            concurrency: 4,
            deadline: ContinuousClock.now + .milliseconds(2_500),
            sink: sink,
            pacing: RegistryPacing(requestsPerSecond: nil)
        )
        await probe.run()
        let subjects = sink.all.filter { $0.id == "schema_registry.subject" }
        #expect(subjects.count == 3)
        #expect(subjects.allSatisfy { $0.code == "rate_limited" }, "\(subjects.map(\.code))")
        #expect(subjects.allSatisfy { $0.hint?.contains("shared with every client") == true })
        // Paced by the advice: a handful of attempts in 2.5 s, not a storm.
        #expect(transport.requests.withLock { $0 } < 20)
    }
}
