import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// ShareMonitor: repeated runs over kept connections, against the mock cluster and the registry
/// emulator. Connection reuse is proven from librdkafka's protocol log: a new connection always
/// starts with an ApiVersion request, so a run without one made no new connection.
@Suite("Share monitor", .timeLimit(.minutes(2)))
struct MonitorTests {
    @Test("runs after the first reuse the Kafka connections and see changes on the cluster")
    func reuseAndFlip() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let monitor = try ShareMonitor(
                share: sandbox.share(),
                options: .init(deadline: .seconds(10), kafka: .init(countRequests: true))
            )

            let first = try await monitor.verify()
            #expect(first.passed())
            #expect((first.kafkaRequests?["ApiVersion"] ?? 0) >= 1)
            let clients = await monitor.kafkaClientCount
            #expect(clients == 1)  // one group prefix: its group.id rides on the main client

            for _ in 0..<3 {
                let again = try await monitor.verify()
                #expect(VerifierTests.verdicts(again) == VerifierTests.verdicts(first))
                // kafka.connect is proven over a new connection every run (ApiVersion on it), but the
                // group check reuses the kept client: its coordinator is known, its connection open.
                #expect(again.kafkaRequests?["FindCoordinator"] == nil, "the group coordinator was looked up again")
                #expect((again.kafkaRequests?["ApiVersion"] ?? 0) < (first.kafkaRequests?["ApiVersion"] ?? 0))
                #expect((again.kafkaRequests?["ApiVersion"] ?? 0) >= 1, "kafka.connect must use a new connection")
                #expect((again.kafkaRequests?["Metadata"] ?? 0) >= 1, "a later run must ask the cluster again")
            }
            #expect(await monitor.kafkaClientCount == clients)

            // The provider revokes a topic and deletes a subject: the next run says so, over the same
            // connections; restoring them is seen as well.
            sandbox.cluster.setTopicError("orders", .topicAuthorizationFailed)
            sandbox.schemaRegistry.remove("payments-value")
            let revoked = VerifierTests.verdicts(try await monitor.verify())
            #expect(revoked["kafka.topic[orders]"] == "fail:unauthorized")
            #expect(revoked["schema_registry.subject[payments-value]"] == "fail:subject_not_found")
            #expect(revoked["kafka.topic[payments]"] == "pass:ok")

            sandbox.cluster.setTopicError("orders", nil)
            sandbox.schemaRegistry.register(.init(name: "payments-value", schemaType: "JSON"))
            let restored = try await monitor.verify()
            #expect(VerifierTests.verdicts(restored) == VerifierTests.verdicts(first))
            #expect(restored.kafkaRequests?["FindCoordinator"] == nil)

            await monitor.shutdown()
            await #expect(throws: ShareMonitorError.shutDown) { try await monitor.verify() }
        }
    }

    @Test("a registry without the bulk listing is asked for it once: later runs go subject by subject at once")
    func remembersListingSupport() async throws {
        let scenario = Scenario(
            name: "no-listing",
            schemaRegistryListing: false,
            topics: [.init(name: "t0")],
            subjects: (0..<5).map { .init(name: "t\($0)-value") }
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(10)))
            let first = try await monitor.verify()
            #expect(first.passed())
            #expect(sandbox.schemaRegistry.listingRequestCount == 1)
            for _ in 0..<2 {
                let again = try await monitor.verify()
                #expect(VerifierTests.verdicts(again) == VerifierTests.verdicts(first))
            }
            #expect(sandbox.schemaRegistry.listingRequestCount == 1, "the listing was asked for again")
            // A one-off verification knows nothing of the monitor's runs.
            _ = try await ShareVerifier(options: .init(deadline: .seconds(10))).verify(sandbox.share())
            #expect(sandbox.schemaRegistry.listingRequestCount == 2)
            await monitor.shutdown()
        }
    }

    @Test("a group denied on one run and allowed again is reported as such, never as a timeout")
    func groupRevokedAndRestored() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(10)))
            #expect(
                VerifierTests.verdicts(try await monitor.verify())["kafka.group[share-orders-]"] == "pass:authorized"
            )
            // The next OffsetFetch is refused, as after the provider removed the group ACL.
            sandbox.cluster.pushRequestErrors(.offsetFetch, .groupAuthorizationFailed, count: 1)
            #expect(
                VerifierTests.verdicts(try await monitor.verify())["kafka.group[share-orders-]"] == "fail:unauthorized"
            )
            #expect(await monitor.kafkaClientCount == 0)  // the group's client is not kept after a failure
            for _ in 0..<2 {
                let report = try await monitor.verify()
                #expect(VerifierTests.verdicts(report)["kafka.group[share-orders-]"] == "pass:authorized")
                #expect(report.timings.totalMs < 5_000, "a run waited for a deadline")
            }
            await monitor.shutdown()
        }
    }

    @Test("a run cancelled while blocked is not overlapped by the next one, which still gives verdicts")
    func runAfterCancellation() async throws {
        try await Sandbox.withSandbox(
            scenario: Scenario(name: "slow", brokerRTTMs: 400, topics: [.init(name: "orders")])
        ) { sandbox in
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(20)))
            let cancelled = Task { try await monitor.verify() }
            try await Task.sleep(for: .milliseconds(200))
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            let next = try await monitor.verify()
            #expect(VerifierTests.verdicts(next)["kafka.topic[orders]"] == "pass:ok")
            #expect(Fixture.date(next.startedAt) != nil)
            await monitor.shutdown()
        }
    }

    @Test("replacing the share drops the old clients; shutdown waits for a run in progress, then releases all")
    func replaceAndShutdown() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(10)))
            _ = try await monitor.verify()
            #expect(await monitor.kafkaClientCount == 1)
            var renewed = sandbox.share()
            renewed.resources.append(.subject("ghost-value"))
            try await monitor.replaceShare(renewed)
            #expect(await monitor.kafkaClientCount == 0)
            let report = try await monitor.verify()
            #expect(VerifierTests.verdicts(report)["schema_registry.subject[ghost-value]"] == "fail:subject_not_found")
            #expect(await monitor.share.subjects.contains("ghost-value"))

            let inFlight = Task { try await monitor.verify() }
            try await Task.sleep(for: .milliseconds(1))
            await monitor.shutdown()
            // Either it finished before the shutdown or it was refused by it; it never hangs.
            _ = try? await inFlight.value
            #expect(await monitor.kafkaClientCount == 0)
        }
    }

    @Test("a replaced share whose registry the proxy settings route otherwise gets a client of that route")
    func replacedShareTakesItsOwnRoute() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            // Every request would go through a proxy where nothing listens, except to localhost.
            let dead = try HTTPProxy(parsing: "http://127.0.0.1:1")
            let options = ShareVerifier.Options(
                deadline: .seconds(10),
                network: .init(proxy: HTTPProxyConfiguration(proxy: dead, noProxy: NoProxy("localhost")))
            )
            let port = sandbox.schemaRegistryURL.port!
            var direct = sandbox.share()
            direct.schemaRegistryURL = "http://localhost:\(port)"
            try await withShareMonitor(share: direct, options: options) { monitor in
                let first = try await monitor.verify()
                #expect(VerifierTests.verdicts(first)["schema_registry.auth"] == "pass:authenticated")
                var proxied = direct
                proxied.schemaRegistryURL = "http://127.0.0.1:\(port)"
                try await monitor.replaceShare(proxied)
                let second = try await monitor.verify()
                let auth = try #require(second.checks.first { $0.id == "schema_registry.auth" })
                #expect(auth.status == .fail, "\(auth)")
                #expect(
                    auth.message.contains("127.0.0.1:1") || auth.details.values.contains { $0.contains("127.0.0.1:1") }
                )
                // And back: the direct client is kept.
                try await monitor.replaceShare(direct)
                let third = try await monitor.verify()
                #expect(VerifierTests.verdicts(third)["schema_registry.auth"] == "pass:authenticated")
            }
        }
    }

    @Test("after a failed connection check the next run starts from fresh clients")
    func dropsClientsAfterConnectFailure() async throws {
        // Every broker down takes no mock broker down (the share names ports that refuse): in process.
        try await Sandbox.withSandbox(
            scenario: Scenario(name: "down", brokersDown: true, topics: [.init(name: "orders")])
        ) { sandbox in
            // 8 s, as the verifier's brokers-down test: librdkafka's verdict that every broker is down can
            // take a few seconds on a loaded machine (seen once at 3 s).
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(8)))
            let report = try await monitor.verify()
            #expect(VerifierTests.verdicts(report)["kafka.connect"] == "fail:tcp")
            #expect(await monitor.kafkaClientCount == 0)
            await monitor.shutdown()
        }
    }

    @Test("cancelling the calling task ends a run long before its deadline")
    func cancellation() async throws {
        try await Sandbox.withSandbox(
            scenario: Scenario(name: "slow", brokerRTTMs: 5_000, topics: [.init(name: "orders")])
        ) { sandbox in
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(30)))
            let started = ContinuousClock.now
            let run = Task { try await monitor.verify() }
            try await Task.sleep(for: .milliseconds(300))
            run.cancel()
            await #expect(throws: CancellationError.self) { try await run.value }
            // Not a performance figure: a run that ignored cancellation would take the 30 s deadline.
            #expect(ContinuousClock.now - started < .seconds(10))
            await monitor.shutdown()
        }
    }

    @Test("runs never overlap: concurrent calls are served one after the other")
    func serialized() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let monitor = try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(10)))
            let reports = try await withThrowingTaskGroup(of: VerificationReport.self) { group in
                for _ in 0..<4 { group.addTask { try await monitor.verify() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(reports.count == 4)
            #expect(reports.allSatisfy { $0.passed() })
            // Each run's interval [start, start + total] is disjoint from the others'.
            let spans = reports.compactMap { report -> (Date, Date)? in
                guard let start = Fixture.date(report.startedAt) else { return nil }
                return (start, start.addingTimeInterval(report.timings.totalMs / 1000))
            }.sorted { $0.0 < $1.0 }
            #expect(spans.count == 4)
            for (earlier, later) in zip(spans, spans.dropFirst()) {
                #expect(later.0 >= earlier.1.addingTimeInterval(-0.002))
            }
            await monitor.shutdown()
        }
    }
}
