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

    /// A probe of `subjects` against `transport` at https://sr.example.
    static func probe(
        _ subjects: [String],
        transport: any HTTPTransport,
        concurrency: Int = 4,
        deadline: Duration,
        sink: CheckSink = CheckSink(),
        pacing: RegistryPacing = RegistryPacing(),
        knowledge: RegistryKnowledge = RegistryKnowledge()
    ) -> SchemaRegistryProbe {
        SchemaRegistryProbe(
            registry: SchemaRegistryConfig(url: URL(string: "https://sr.example")!, apiKey: "K", secret: Secret("S")),
            subjects: subjects,
            transport: transport,
            concurrency: concurrency,
            deadline: ContinuousClock.now + deadline,
            sink: sink,
            pacing: pacing,
            knowledge: knowledge
        )
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
        let probe = Self.probe(
            ["a-value", "b-value", "c-value"],
            transport: transport,
            deadline: .milliseconds(2_500),
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

    @Test("the window of requests in flight halves on a 429 and grows back by one per window of answers")
    func windowAdapts() async throws {
        let pacing = RegistryPacing(concurrency: 8)
        #expect(pacing.window == 8)
        // One cut per 429 of a request sent after the last cut.
        for expected in [4, 2, 1, 1] {
            let ticket = try #require(await pacing.start())
            pacing.finish(ticket, status: 429)
            #expect(pacing.window == expected)
        }
        // A request not sent teaches nothing.
        pacing.finish(try #require(await pacing.start()), status: nil, sent: false)
        #expect(pacing.window == 1)
        // Additive increase: one more after `window` answers without a 429, up to the maximum.
        var answers = 0
        while pacing.window < 8 {
            pacing.finish(try #require(await pacing.start()), status: 200)
            answers += 1
            #expect(answers <= 1 + 2 + 3 + 4 + 5 + 6 + 7)
        }
        #expect(answers == 1 + 2 + 3 + 4 + 5 + 6 + 7)
        #expect(pacing.requestsByStatus == ["429": 4, "200": answers])
    }

    @Test("a registry's own 404 to the listing is remembered; a proxy's 404 page is not")
    func listingAbsenceRemembered() async throws {
        for (body, remembered) in [
            (#"{"error_code":404,"message":"HTTP 404 Not Found"}"#, true), ("<html>404</html>", false),
        ] {
            let transport = Answering { url in
                if url.hasSuffix("/schemas/types") {
                    return TransportResponse(status: 200, headers: [], body: Data(#"["AVRO"]"#.utf8))
                }
                if url.contains("/schemas?") {
                    return TransportResponse(status: 404, headers: [], body: Data(body.utf8))
                }
                return TransportResponse(status: 404, headers: [], body: Data(#"{"error_code":40401}"#.utf8))
            }
            let knowledge = RegistryKnowledge()
            let probe = Self.probe(
                ["a-value", "b-value"],
                transport: transport,
                deadline: .seconds(10),
                knowledge: knowledge
            )
            await probe.run()
            #expect(knowledge.listingSupported == !remembered, "\(body)")
        }
    }

    @Test("a budget too small for the deadline says so (rate_budget), and does not send what cannot finish")
    func budgetTooSmall() async throws {
        let transport = Answering { url in
            if url.hasSuffix("/schemas/types") {
                return TransportResponse(status: 200, headers: [], body: Data(#"["AVRO"]"#.utf8))
            }
            return TransportResponse(status: 404, headers: [], body: Data(#"{"error_code":40401}"#.utf8))
        }
        let sink = CheckSink()
        let probe = Self.probe(
            (0..<10).map { "s\($0)-value" },
            transport: transport,
            deadline: .milliseconds(1_500),
            sink: sink,
            pacing: RegistryPacing(requestsPerSecond: 1)
        )
        await probe.run()
        let codes = sink.all.filter { $0.id == "schema_registry.subject" }.map(\.code)
        #expect(codes.count == 10)
        #expect(codes.filter { $0 == "rate_budget" }.count >= 7, "\(codes)")
        #expect(!codes.contains("timeout"))
        // One slot a second (and one carried over): /schemas/types and at most two more in 1.5 s.
        #expect(transport.requests.withLock { $0 } <= 3)
    }

    @Test("a burst of 429s for requests sent together cuts the window once, not once each")
    func oneCutPerBurst() async throws {
        let pacing = RegistryPacing(concurrency: 32)
        var tickets: [Int] = []
        for _ in 0..<8 { tickets.append(try #require(await pacing.start())) }
        for ticket in tickets { pacing.finish(ticket, status: 429) }
        #expect(pacing.window == 16)
        // A request sent after the cut may cut again.
        pacing.finish(try #require(await pacing.start()), status: 429)
        #expect(pacing.window == 8)
    }

    @Test("a full window holds requests back until one finishes; a cancelled waiter takes no room")
    func windowHoldsBack() async throws {
        let pacing = RegistryPacing(concurrency: 1)
        let first = try #require(await pacing.start())
        let admitted = Mutex(false)
        let waiter = Task {
            let ticket = await pacing.start()
            admitted.withLock { $0 = ticket != nil }
            return ticket
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(admitted.withLock { $0 } == false)
        pacing.finish(first, status: 200)
        let second = try #require(await waiter.value)
        // The window (1) is taken by the admitted waiter: a new one waits, and is cancelled.
        let cancelled = Task { await pacing.start() }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        pacing.finish(second, status: 200)
        // The cancelled waiter took nothing: the window is free again.
        pacing.finish(try #require(await pacing.start()), status: 200)
    }

    @Test("after a 429 and its pause, requests go out through a halved window, not all at once")
    func stormNarrowsWindow() async throws {
        final class Storm: HTTPTransport {
            /// In flight, of the requests sent once the pause after the 429 was over, at each such send.
            /// Requests sent before it are not counted: on a loaded machine they can outlast the pause.
            let state = Mutex(
                (sent: 0, inFlightAfter: 0, limitedAt: ContinuousClock.Instant?.none, afterPause: [Int]())
            )

            func send(_ request: TransportRequest) async throws(TransportError) -> TransportResponse {
                let (sent, afterPause) = state.withLock { state in
                    state.sent += 1
                    guard let at = state.limitedAt, ContinuousClock.now - at >= .milliseconds(40) else {
                        return (state.sent, false)
                    }
                    state.inFlightAfter += 1
                    state.afterPause.append(state.inFlightAfter)
                    return (state.sent, true)
                }
                try? await Task.sleep(for: .milliseconds(20))
                defer { if afterPause { state.withLock { $0.inFlightAfter -= 1 } } }
                if request.url.hasSuffix("/schemas/types") {
                    return TransportResponse(status: 200, headers: [], body: Data(#"["AVRO"]"#.utf8))
                }
                // The 10th request is refused: the pause, then a window of 4 instead of 8.
                if sent == 10 {
                    state.withLock { $0.limitedAt = ContinuousClock.now }
                    return TransportResponse(
                        status: 429,
                        headers: [("Retry-After", "0.05")],
                        body: Data(#"{"error_code":42901}"#.utf8)
                    )
                }
                return TransportResponse(status: 404, headers: [], body: Data(#"{"error_code":40401}"#.utf8))
            }
        }
        let transport = Storm()
        let sink = CheckSink()
        let probe = Self.probe(
            (0..<40).map { "s\($0)-value" },
            transport: transport,
            concurrency: 8,
            deadline: .seconds(20),
            sink: sink,
            pacing: RegistryPacing(concurrency: 8)
        )
        await probe.run()
        let subjects = sink.all.filter { $0.id == "schema_registry.subject" }
        #expect(subjects.count == 40)
        #expect(subjects.allSatisfy { $0.code == "subject_not_found" }, "\(Set(subjects.map(\.code)))")
        #expect(probe.pacing.requestsByStatus["429"] == 1)
        // Eight tasks wait out the pause; without the window all eight would go out at once. With it,
        // four go, and the window grows by one only after four answers. Answers to the up to 7 requests
        // sent before the 429 count too, and on a loaded machine they can land after the pause: before
        // the 8th request at most 7 + 7 answers, and the window needs 4 to reach 5, 5 more to reach 6 and
        // 6 more to reach 7: 6 at most (5 when they land in time). It failed once at 6 under load.
        let afterPause = transport.state.withLock { $0.afterPause }
        #expect(afterPause.count >= 8)
        #expect(afterPause.prefix(8).max() ?? 0 <= 6, "\(afterPause)")
    }
}

@Suite("Record encoding")
struct RecordEncodingTests {
    @Test("the wire format: magic byte 0, then a 4-byte big-endian schema id; anything else is not registry-encoded")
    func wireFormat() {
        #expect(RecordEncoding.schemaID([0, 0, 1, 0x86, 0xA1]) == 100_001)
        #expect(RecordEncoding.schemaID([0, 0xFF, 0xFF, 0xFF, 0xFF]) == 4_294_967_295)
        #expect(RecordEncoding.schemaID([1, 0, 0, 0, 1]) == nil)  // another magic byte
        #expect(RecordEncoding.schemaID([0, 0, 0, 1]) == nil)  // too short for an id
        #expect(RecordEncoding.schemaID(Array(#"{"a"#.utf8)) == nil)
    }

    @Test("counts ids of keys and values apart; tombstones and absent keys count as nothing")
    func counts() {
        let encoding = RecordEncoding(
            partitions: 2,
            samples: [
                .init(partition: 0, keyPrefix: [0, 0, 0, 0, 7], valuePrefix: [0, 0, 0, 0, 9]),
                .init(partition: 1, keyPrefix: Array("k".utf8), valuePrefix: Array("plain".utf8)),
                .init(partition: 1, keyPrefix: nil, valuePrefix: nil),
            ]
        )
        #expect(encoding.records == 3)
        #expect(encoding.keyIDs == [7])
        #expect(encoding.valueIDs == [9])
        #expect(encoding.plainValues == 1)
        #expect(encoding.plainKeys == 1)
    }
}
