import Foundation
import RdKafka
import StreamShareSandbox
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// Verdicts against librdkafka's mock cluster (in process) and the Schema Registry emulator on a
/// real loopback HTTP server. Every check id, status and code is asserted.
@Suite("Share verifier", .timeLimit(.minutes(2)))
struct VerifierTests {
    /// The deadline only bounds a hang (the product's default): verdicts, not speed, are asserted,
    /// and the first seconds of a parallel test run can starve the process of CPU.
    static func verify(
        _ scenario: Scenario,
        deadline: Duration = .seconds(30),
        deep: Bool = false,
        count: Bool = false,
        mutate: (inout RedeemedShare) -> Void = { _ in }
    ) async throws -> VerificationReport {
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            var share = sandbox.share()
            mutate(&share)
            return try await ShareVerifier(
                options: .init(deadline: deadline, deep: deep, kafka: .init(countRequests: count))
            )
            .verify(share)
        }
    }

    static func verdicts(_ report: VerificationReport) -> [String: String] { TestSupport.verdicts(report) }

    @Test("a healthy share passes every check, flagging only the sandbox's plaintext")
    func healthy() async throws {
        let report = try await Self.verify(.healthy, deep: true)
        #expect(
            Self.verdicts(report) == [
                "kafka.connect": "warn:connected_plaintext",
                "kafka.broker[1 \(report.share.bootstrapServers)]": "pass:reachable",
                "kafka.topic[orders]": "pass:ok",
                "kafka.topic[payments]": "pass:ok",
                "kafka.topic.read[orders]": "pass:readable",
                "kafka.topic.read[payments]": "pass:readable",
                "kafka.group[share-orders-]": "pass:authorized",
                "kafka.group.join[share-orders-]": "pass:joined",
                "schema_registry.auth": "pass:authenticated",
                "schema_registry.subject[orders-value]": "pass:ok",
                "schema_registry.subject[payments-value]": "pass:ok",
                "schema_registry.record_schema[orders]": "pass:ok",
                "schema_registry.record_schema[payments]": "pass:ok",
            ]
        )
        #expect(report.checks.first { $0.qualifiedID == "kafka.topic[orders]" }?.details["partitions"] == "4")
        #expect(
            report.checks.first { $0.qualifiedID == "schema_registry.subject[payments-value]" }?.details["schema_type"]
                == "JSON"
        )
        #expect(report.recommendedGroupID == "share-orders-consumer")
        // The deep join uses a probe group of its own under the prefix, never the consumers' group.
        let joined = try #require(report.checks.first { $0.id == "kafka.group.join" }?.details["group_id"])
        #expect(joined.hasPrefix("share-orders-cdx-verify-probe-"), "\(joined)")
        #expect(joined != report.recommendedGroupID)
        let group = report.checks.first { $0.id == "kafka.group" }?.details["group_id"]
        #expect(group == "share-orders-consumer")
        #expect(report.passed())
        #expect(!report.passed(strict: true))
        try report.requirePassing()
        #expect(report.summary.status == .warn)
    }

    @Test(
        "--deep resolves the schema ids of the records read: readable, denied, unknown, not registry-encoded, none"
    )
    func recordSchemas() async throws {
        typealias Record = Scenario.Topic.Record
        let scenario = Scenario(
            name: "records",
            topics: [
                .init(name: "enc", records: [Record(valueSubject: "enc-value"), Record(valueSubject: "enc-value")]),
                .init(name: "keyed", records: [Record(valueSubject: "keyed-value", keySubject: "keyed-key")]),
                .init(name: "denied", records: [Record(valueSubject: "secret-value")]),
                .init(name: "unknown", records: [Record(valueSchemaID: 4242)]),
                .init(name: "plain", records: [Record(value: nil), Record(value: "hello")]),
                .init(name: "tombstone", records: [Record(value: "hello"), Record(value: nil)]),
                .init(name: "empty"),
            ],
            subjects: [
                .init(name: "enc-value"), .init(name: "keyed-value"), .init(name: "keyed-key"),
                .init(name: "secret-value", fault: .forbidden, shared: false),
            ]
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let share = sandbox.share()
            let options = ShareVerifier.Options(deadline: .seconds(20), deep: true)
            let report = try await ShareVerifier(options: options).verify(share)
            let verdicts = Self.verdicts(report)
            #expect(verdicts["schema_registry.record_schema[enc]"] == "pass:ok")
            #expect(verdicts["schema_registry.record_schema[keyed]"] == "pass:ok")
            #expect(verdicts["schema_registry.record_schema[denied]"] == "fail:forbidden")
            #expect(verdicts["schema_registry.record_schema[unknown]"] == "fail:schema_not_found")
            #expect(verdicts["schema_registry.record_schema[plain]"] == "warn:not_registry_encoded")
            #expect(verdicts["schema_registry.record_schema[empty]"] == "pass:no_records")
            // Its latest record deletes a key: no value to deserialize.
            #expect(verdicts["schema_registry.record_schema[tombstone]"] == "pass:no_records")
            let check = { (topic: String) in
                report.checks.first { $0.qualifiedID == "schema_registry.record_schema[\(topic)]" }
            }
            let id = try #require(sandbox.schemaRegistry.schemaID(of: "enc-value"))
            #expect(check("enc")?.details["value_schema_ids"] == "\(id)")
            #expect(check("enc")?.details["records"] == "1")  // the latest record of each partition
            #expect(
                check("keyed")?.details["key_schema_ids"]
                    == sandbox.schemaRegistry.schemaID(of: "keyed-key").map(String.init)
            )
            #expect(check("denied")?.message.contains("a deserializer would fail") == true)
            #expect(check("unknown")?.details["unreadable_schema_ids"] == "4242")
            #expect(check("plain")?.details["values_not_registry_encoded"] == "1")
            // Never the payload.
            #expect(!report.rendered(as: .json).contains("hello"))

            // Without --deep, no record is read and none of these checks is owed.
            let shallow = try await ShareVerifier(options: .init(deadline: .seconds(20))).verify(share)
            #expect(!shallow.checks.contains { $0.id == "schema_registry.record_schema" })

            // A key the registry refuses: the records are read, their ids not resolved.
            var wrongKey = share
            wrongKey.schemaRegistrySecret = Secret("wrong")
            let refused = Self.verdicts(try await ShareVerifier(options: options).verify(wrongKey))
            #expect(refused["schema_registry.auth"] == "fail:unauthorized")
            #expect(refused["kafka.topic.read[enc]"] == "pass:readable")
            #expect(refused["schema_registry.record_schema[enc]"] == "skip:not_checked")
        }
    }

    @Test("the faults scenario reports each failure with its own code and hint")
    func faults() async throws {
        let report = try await Self.verify(.faults)
        #expect(
            Self.verdicts(report) == [
                "kafka.connect": "warn:connected_plaintext",
                "kafka.broker[1 \(report.share.bootstrapServers)]": "pass:reachable",
                "kafka.topic[orders]": "pass:ok",
                "kafka.topic[payments]": "fail:unauthorized",
                "kafka.topic[audit]": "fail:not_found",
                "kafka.topic[clicks]": "pass:ok",
                "kafka.group[share-orders-]": "fail:unauthorized",
                "schema_registry.auth": "pass:authenticated",
                "schema_registry.subject[orders-value]": "pass:ok",
                "schema_registry.subject[payments-value]": "fail:forbidden",
                "schema_registry.subject[audit-value]": "fail:subject_not_found",
                "share.subject_coverage[clicks]": "warn:value_subject_not_shared",
            ]
        )
        for check in report.checks where check.status == .fail {
            #expect(check.hint?.isEmpty == false, "\(check.qualifiedID)")
        }
        #expect(report.summary.failed == 5)
        let failure = #expect(throws: VerificationFailure.self) { try report.requirePassing() }
        #expect(failure?.problems.count == 5)
        #expect(failure?.description.contains("kafka.topic[payments]") == true)
        #expect(failure?.description.contains("hint:") == true)
    }

    @Test("a group denied at FindCoordinator is caught from the error events while waiting")
    func groupDeniedAtCoordinator() async throws {
        let scenario = Scenario(
            name: "coordinator",
            topics: [.init(name: "orders", partitions: 2)],
            groups: [.init(prefix: "grp-", fault: .deniedCoordinator)]
        )
        let report = try await Self.verify(scenario)
        #expect(Self.verdicts(report)["kafka.group[grp-]"] == "fail:unauthorized")
    }

    // Every broker down takes no mock broker down (the share names ports that refuse): in process.
    @Test("all brokers down: kafka.connect fails at the TCP stage and dependents are skipped")
    func brokersDown() async throws {
        let scenario = Scenario(
            name: "down",
            brokersDown: true,
            topics: [.init(name: "orders", partitions: 4)],
            groups: [.init(prefix: "grp-")]
        )
        let report = try await Self.verify(scenario, deadline: .seconds(8))
        let connect = try #require(report.checks.first { $0.id == "kafka.connect" })
        #expect(connect.status == .fail)
        #expect(connect.code == "tcp")
        #expect(connect.details["librdkafka"]?.contains("Connection refused") == true)
        #expect(Self.verdicts(report)["kafka.topic[orders]"] == "skip:not_checked")
        #expect(Self.verdicts(report)["kafka.group[grp-]"] == "skip:not_checked")
    }

    @Test("brokers slower than the deadline: timeout verdict, and the verification does not wait for their answer")
    func slowBrokers() async throws {
        let rttMs = 10_000
        let scenario = Scenario(name: "slow", brokerRTTMs: rttMs, topics: [.init(name: "orders", partitions: 4)])
        let report = try await Self.verify(scenario, deadline: .seconds(2))
        #expect(Self.verdicts(report)["kafka.connect"] == "fail:timeout")
        #expect(Self.verdicts(report)["kafka.topic[orders]"] == "skip:not_checked")
        // A bound in round trips, not a timing: a deadline that is not honoured waits for the broker's
        // answer, which comes one round trip (10 s) after the request; one honoured ends at 2 s, well
        // before it however loaded the machine (5.1 s was seen with five builds beside the tests).
        #expect(report.timings.totalMs < Double(rttMs))
    }

    @Test("1,000 topics cost the same Kafka requests as one: a single batched metadata request")
    func batchedMetadata() async throws {
        let one = Scenario(name: "one", topics: [.init(name: "t0")])
        let many = Scenario(name: "many", topics: (0..<1000).map { .init(name: "t\($0)") })
        let small = try await Self.verify(one, count: true)
        let large = try await Self.verify(many, deadline: .seconds(30), count: true)
        #expect(large.checks.filter { $0.id == "kafka.topic" && $0.status == .pass }.count == 1000)
        let smallMetadata = try #require(small.kafkaRequests?["Metadata"])
        let largeMetadata = try #require(large.kafkaRequests?["Metadata"])
        #expect(largeMetadata == smallMetadata)
        // At most two on the main client, and at most two naming no topic on the one broker's proof
        // client (librdkafka's refresh when it connects, and the check's own request).
        #expect(largeMetadata <= 2 + 2)
    }

    @Test("Schema Registry: wrong key is 401 on auth; subjects are skipped")
    func registryUnauthorized() async throws {
        let report = try await Self.verify(.healthy) { share in share.schemaRegistrySecret = Secret("wrong") }
        #expect(Self.verdicts(report)["schema_registry.auth"] == "fail:unauthorized")
        #expect(Self.verdicts(report)["schema_registry.subject[orders-value]"] == "skip:not_checked")
    }

    @Test("Schema Registry: a server error and a registry that never answers are distinct failures")
    func registryServerErrorAndHang() async throws {
        let broken = Scenario(
            name: "sr-500",
            topics: [.init(name: "orders", partitions: 4)],
            subjects: [.init(name: "orders-value", fault: .serverError)]
        )
        let report = try await Self.verify(broken)
        #expect(Self.verdicts(report)["schema_registry.subject[orders-value]"] == "fail:server_error")

        let hanging = Scenario(
            name: "sr-hang",
            schemaRegistryDelayMs: 60_000,
            topics: [.init(name: "orders", partitions: 4)],
            subjects: [.init(name: "orders-value")]
        )
        let slow = try await Self.verify(hanging, deadline: .seconds(2))
        #expect(Self.verdicts(slow)["schema_registry.auth"] == "fail:timeout")
        #expect(Self.verdicts(slow)["kafka.topic[orders]"] == "pass:ok")
        #expect(slow.timings.totalMs < 2_000 + 1_500)
    }

    @Test("a subject name is percent-encoded into one path segment")
    func subjectEncoding() async throws {
        let scenario = Scenario(
            name: "encoding",
            topics: [.init(name: "orders", partitions: 4)],
            subjects: [.init(name: "orders-value"), .init(name: "com.example/Order Key")]
        )
        let report = try await Self.verify(scenario)
        #expect(Self.verdicts(report)["schema_registry.subject[com.example/Order Key]"] == "pass:ok")
    }

    @Test("an unknown resource kind is reported as unsupported, not dropped")
    func unsupportedKind() async throws {
        let report = try await Self.verify(.healthy) { share in
            share.resources.append(.unknown(kind: "Connector", fields: ["kind": .string("Connector")]))
        }
        #expect(Self.verdicts(report)["share.resource[Connector]"] == "warn:unsupported_kind")
        #expect(report.share.unsupportedKinds == ["Connector"])
    }

    @Test("--deep reads do not wait behind a group check whose coordinator was denied")
    func deepReadsAfterDeniedGroup() async throws {
        let scenario = Scenario(
            name: "coordinator",
            topics: [.init(name: "orders", partitions: 2)],
            groups: [.init(prefix: "grp-", fault: .deniedCoordinator)]
        )
        let report = try await Self.verify(scenario, deadline: .seconds(8), deep: true)
        #expect(Self.verdicts(report)["kafka.group[grp-]"] == "fail:unauthorized")
        #expect(Self.verdicts(report)["kafka.group.join[grp-]"] == "skip:not_checked")
        #expect(Self.verdicts(report)["kafka.topic.read[orders]"] == "pass:readable")
    }

    @Test("a broker unreachable after bootstrap fails kafka.broker, and the topics it leads fail with their partitions")
    func brokerDownAfterBootstrap() async throws {
        let failure = try await IsolatedTest.run("VerifierTests/brokerDownAfterBootstrap") {
            let report = try await Self.verify(.brokerDown, deep: true)
            let verdicts = Self.verdicts(report)
            let brokers = report.checks.filter { $0.id == "kafka.broker" }
            #expect(brokers.count == 3)
            #expect(brokers.filter { $0.status == .pass }.count == 2)
            let down = try #require(brokers.first { $0.details["broker_id"] == "3" })
            #expect(down.status == .fail)
            #expect(down.code == "tcp")
            #expect(down.resource?.hasPrefix("3 127.0.0.1:") == true)
            #expect(down.hint?.contains("Bootstrap works") == true)
            #expect(verdicts["kafka.connect"] == "warn:connected_plaintext")
            #expect(verdicts["kafka.topic[orders]"] == "fail:leader_unreachable")
            let topic = try #require(report.checks.first { $0.id == "kafka.topic" })
            // Broker 3 leads partitions 2 and 5 of 6 (the sandbox places leaders round-robin).
            let stranded = try #require(topic.details["unreachable_partitions"]).split(separator: ",")
            #expect(stranded == ["2", "5"], "\(topic.message)")
            #expect(topic.details["unreachable_brokers"] == "3")
            for partition in stranded { #expect(topic.message.contains(String(partition))) }
            // The fetch of partition 0 alone would have passed: the topic's verdict stops the deep read.
            #expect(verdicts["kafka.topic.read[orders]"] == "skip:not_checked")
            #expect(!report.passed())
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test("waiting: a new key is retried until it is accepted; other failures are not waited for under newKey")
    func waitsForNewKey() async throws {
        try await Sandbox.withSandbox(scenario: .newKey) { sandbox in
            let verifier = ShareVerifier(options: .init(deadline: .seconds(10)))
            let policy = WaitPolicy(
                duration: .seconds(60),
                condition: .authenticationFailure,
                initialPause: .milliseconds(500)
            )
            let retries = Mutex<[WaitProgress]>([])
            let report = try await verifier.verify(sandbox.share(), waiting: policy) { progress in
                retries.withLock { $0.append(progress) }
            }
            #expect(Self.verdicts(report)["schema_registry.auth"] == "pass:authenticated")
            #expect(report.passed())
            let seen = retries.withLock { $0 }
            #expect(!seen.isEmpty)
            #expect(seen.allSatisfy { $0.waitingForKey })
            #expect(seen.first.map { Self.verdicts($0.report)["schema_registry.auth"] } == "fail:unauthorized")
            // The new key's note is in the hint of the refused check.
            let refused = try #require(seen.first?.report.checks.first { $0.id == "schema_registry.auth" })
            #expect(refused.hint?.contains("a new API key can take a few minutes") == true)
        }
        try await Sandbox.withSandbox(scenario: .faults) { sandbox in
            let retried = Mutex(false)
            let report = try await ShareVerifier(options: .init(deadline: .seconds(10)))
                .verify(sandbox.share(), waiting: .newKey) { _ in retried.withLock { $0 = true } }
            #expect(!report.passed())
            #expect(!retried.withLock { $0 })
        }
    }

    @Test("schema references: each read once; a denied one, even two levels down, fails the subject that needs it")
    func schemaReferences() async throws {
        let denied = try await Self.verify(.deniedReference)
        let verdicts = Self.verdicts(denied)
        #expect(verdicts["schema_registry.subject[orders-value]"] == "fail:reference_unreadable")
        #expect(verdicts["schema_registry.reference[common-address@1]"] == "fail:forbidden")
        #expect(verdicts["schema_registry.reference[common-currency@1]"] == "pass:ok")
        let subject = try #require(denied.checks.first { $0.id == "schema_registry.subject" })
        #expect(subject.details["unreadable_references"] == "common-address@1")
        #expect(subject.message.contains("common-address@1"))

        // orders-value → money → currency (denied); payments-value → money too: money is read once.
        let nested = Scenario(
            name: "nested",
            topics: [.init(name: "orders"), .init(name: "payments")],
            subjects: [
                .init(name: "orders-value", references: ["money"]),
                .init(name: "payments-value", references: ["money"]),
                .init(name: "money", references: ["currency"], shared: false),
                .init(name: "currency", fault: .forbidden, shared: false),
            ]
        )
        let report = try await Self.verify(nested)
        let nestedVerdicts = Self.verdicts(report)
        #expect(nestedVerdicts["schema_registry.reference[money@1]"] == "pass:ok")
        #expect(nestedVerdicts["schema_registry.reference[currency@1]"] == "fail:forbidden")
        #expect(nestedVerdicts["schema_registry.subject[orders-value]"] == "fail:reference_unreadable")
        #expect(nestedVerdicts["schema_registry.subject[payments-value]"] == "fail:reference_unreadable")
        #expect(report.checks.filter { $0.id == "schema_registry.reference" }.count == 2)
        // A share whose subjects reference nothing is unchanged.
        let healthy = try await Self.verify(.healthy)
        #expect(!healthy.checks.contains { $0.id == "schema_registry.reference" })
    }

    @Test("several weakening overrides give one kafka.config warning each")
    func severalWeakeningOverrides() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let overrides = [
                try ConfigProperty(parsing: "enable.ssl.certificate.verification=0"),
                try ConfigProperty(parsing: "ssl.endpoint.identification.algorithm=none"),
            ]
            let report = try await ShareVerifier(
                options: .init(deadline: .seconds(10), kafka: .init(overrides: overrides))
            )
            .verify(sandbox.share())
            let warnings = report.checks.filter { $0.id == "kafka.config" }
            #expect(
                Set(warnings.compactMap(\.resource)) == [
                    "certificate_verification_disabled", "hostname_verification_disabled",
                ]
            )
            #expect(warnings.allSatisfy { $0.status == .warn })
        }
    }

    @Test("a registry URL that points at any other web server fails not_a_registry, not authenticated")
    func notARegistry() async throws {
        let page = LocalHTTPServer.Response(
            status: 404,
            headers: [("Content-Type", "text/html")],
            body: Data("<html><body>Not Found</body></html>".utf8)
        )
        try await LocalHTTPServer.withServer(handler: { _ in page }) { website in
            let report = try await Self.verify(.healthy) { share in
                share.schemaRegistryURL = website.baseURL.absoluteString
            }
            #expect(Self.verdicts(report)["schema_registry.auth"] == "fail:not_a_registry")
            #expect(Self.verdicts(report)["schema_registry.subject[orders-value]"] == "skip:not_checked")
        }
    }

    @Test("a rate-limited registry without the listing is waited for as it advises: 100 subjects at 20/s pass")
    func rateLimitedRegistry() async throws {
        let scenario = Scenario(
            name: "rate-limited",
            schemaRegistryRateLimit: 20,
            schemaRegistryListing: false,
            topics: [.init(name: "t0")],
            subjects: (0..<100).map { .init(name: "s\($0)-value") }
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            // No budget of our own: the registry's limit is what is met.
            let options = ShareVerifier.Options(deadline: .seconds(30), schemaRegistry: .init(requestsPerSecond: nil))
            let report = try await ShareVerifier(options: options).verify(sandbox.share())
            let subjects = report.checks.filter { $0.id == "schema_registry.subject" }
            #expect(subjects.count == 100)
            #expect(subjects.allSatisfy { $0.status == .pass }, "\(Set(subjects.map(\.code)))")
            #expect(sandbox.schemaRegistry.rateLimitedCount > 0)  // the limit was really met
            #expect(report.schemaRegistryRequests?["429"] == sandbox.schemaRegistry.rateLimitedCount)
        }
    }

    @Test("a 429 storm that outlasts the deadline fails rate_limited, never http_429, and ends by the deadline")
    func rateLimitedPastDeadline() async throws {
        let scenario = Scenario(
            name: "storm",
            schemaRegistryRateLimit: 1,
            schemaRegistryListing: false,
            topics: [.init(name: "t0")],
            subjects: (0..<20).map { .init(name: "s\($0)-value") }
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            // 20 subjects at 1 request/s outlast 8 s whatever the load; 8 s leave a loaded machine
            // time for the first requests (and their 429s) to go out.
            let options = ShareVerifier.Options(deadline: .seconds(8), schemaRegistry: .init(requestsPerSecond: nil))
            let report = try await ShareVerifier(options: options).verify(sandbox.share())
            let codes = Set(
                report.checks.filter { $0.id.rawValue.hasPrefix("schema_registry") && $0.status == .fail }.map(\.code)
            )
            // rate_limited, or timeout for checks a loaded machine did not finish: never http_429. The
            // rate_limited verdict itself is proven without load in UnitTests (RegistryProbeTests).
            #expect(codes.isSubset(of: ["rate_limited", "timeout"]), "\(codes)")
            #expect(sandbox.schemaRegistry.rateLimitedCount > 0)
            // Not a performance assertion: a deadline not honoured is a hang.
            #expect(report.timings.totalMs < 8_000 + 5_000)
        }
    }

    @Test("the listing proves 1,000 subjects in a handful of requests against a registry limited to 20/s")
    func listingAtScale() async throws {
        let scenario = Scenario(
            name: "listing",
            schemaRegistryRateLimit: 20,
            topics: [.init(name: "t0")],
            subjects: (0..<1000).map { .init(name: "t\($0)-value") }
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let report = try await ShareVerifier(options: .init(deadline: .seconds(30))).verify(sandbox.share())
            let subjects = report.checks.filter { $0.id == "schema_registry.subject" }
            #expect(subjects.count == 1000)
            #expect(subjects.allSatisfy { $0.status == .pass })
            // /schemas/types, one listing page (of up to 1,000), one read by id.
            #expect(sandbox.schemaRegistry.requestCount <= 10, "\(sandbox.schemaRegistry.requestCount)")
            #expect(sandbox.schemaRegistry.rateLimitedCount == 0)
            // The report counts what the registry saw.
            let counted = try #require(report.schemaRegistryRequests)
            #expect(counted.values.reduce(0, +) == sandbox.schemaRegistry.requestCount)
            #expect(counted.keys.sorted() == ["200"], "\(counted)")
        }
    }

    @Test("a 429 storm through the listing: a registry limited to 1 request/s is waited for, every subject passes")
    func listingUnderStorm() async throws {
        let scenario = Scenario(
            name: "listing-storm",
            schemaRegistryRateLimit: 1,
            topics: [.init(name: "t0")],
            subjects: (0..<300).map { .init(name: "t\($0)-value") }
                + [.init(name: "t300-value", fault: .forbidden), .init(name: "t301-value", fault: .missing)]
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let options = ShareVerifier.Options(deadline: .seconds(30), schemaRegistry: .init(requestsPerSecond: nil))
            let report = try await ShareVerifier(options: options).verify(sandbox.share())
            let verdicts = Self.verdicts(report)
            let subjects = report.checks.filter { $0.id == "schema_registry.subject" }
            #expect(subjects.count == 302)
            #expect(subjects.filter { $0.status == .pass }.count == 300, "\(Set(subjects.map(\.code)))")
            #expect(verdicts["schema_registry.subject[t300-value]"] == "fail:forbidden")
            #expect(verdicts["schema_registry.subject[t301-value]"] == "fail:subject_not_found")
            // The registry refused, and the verification waited instead of failing.
            #expect(sandbox.schemaRegistry.rateLimitedCount > 0)
            #expect((report.schemaRegistryRequests?["429"] ?? 0) > 0)
            #expect(sandbox.schemaRegistry.listingRequestCount >= 1)
        }
    }

    @Test(
        "at scale (150), exactly the denied and missing subjects fail, each with its own code; without the listing too"
    )
    func listingMixAtScale() async throws {
        for listing in [true, false] {
            let subjects: [Scenario.Subject] = (0..<150).map { index in
                .init(
                    name: "t\(index)-value",
                    fault: index % 10 == 3 ? .forbidden : (index % 15 == 7 ? .missing : nil)
                )
            }
            let scenario = Scenario(
                name: "mix",
                schemaRegistryListing: listing,
                topics: [.init(name: "t0")],
                subjects: subjects
            )
            try await Sandbox.withSandbox(scenario: scenario) { sandbox in
                let options = ShareVerifier.Options(
                    deadline: .seconds(30),
                    schemaRegistry: .init(requestsPerSecond: nil)
                )
                let report = try await ShareVerifier(options: options).verify(sandbox.share())
                let verdicts = Self.verdicts(report)
                for subject in subjects {
                    let expected =
                        switch subject.fault {
                        case .forbidden: "fail:forbidden"
                        case .missing: "fail:subject_not_found"
                        default: "pass:ok"
                        }
                    #expect(verdicts["schema_registry.subject[\(subject.name)]"] == expected, "listing \(listing)")
                }
                let failing = subjects.filter { $0.fault != nil }.count
                if listing {
                    // The listing, plus one request for each subject it did not return, plus one by id.
                    #expect(sandbox.schemaRegistry.requestCount <= 1 + 1 + failing + 1)
                    #expect(sandbox.schemaRegistry.listingRequestCount == 1)
                } else {
                    // Asked for once, answered 404: every subject is read on its own.
                    #expect(sandbox.schemaRegistry.listingRequestCount == 1)
                }
            }
        }
    }

    @Test("the registry request budget is kept: after a second's burst, no faster than the rate")
    func registryBudget() async throws {
        let scenario = Scenario(
            name: "budget",
            schemaRegistryListing: false,
            topics: [.init(name: "t0")],
            subjects: (0..<60).map { .init(name: "s\($0)-value") }
        )
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let options = ShareVerifier.Options(deadline: .seconds(30), schemaRegistry: .init(requestsPerSecond: 40))
            let report = try await ShareVerifier(options: options).verify(sandbox.share())
            #expect(report.checks.filter { $0.id == "schema_registry.subject" }.allSatisfy { $0.status == .pass })
            let arrivals = sandbox.schemaRegistry.arrivals.sorted()
            #expect(arrivals.count >= 121)  // /schemas/types, the listing attempt, two reads per subject
            // Request n cannot be sent before its slot: after the first second's burst (40), one every
            // 25 ms. A lower bound on the spread, which a slow machine can only lengthen.
            let spread = try #require(arrivals.last) - (try #require(arrivals.first))
            let slots = Double(arrivals.count - 40 - 1) / 40
            #expect(spread >= .milliseconds(Int64(slots * 1000 * 0.95)), "\(arrivals.count) requests in \(spread)")
        }
    }

    @Test("a --deep client that librdkafka refuses to create is a client error, not a timeout")
    func deepClientNotCreated() async throws {
        // The handles of a deep join and of a share without groups' fetches are the probe's own: make
        // librdkafka's rd_kafka_new refuse exactly those (max.poll.interval.ms below session.timeout.ms).
        let refusing = { (refuse: @escaping @Sendable ([RdKafkaProperty], Bool) -> Bool) in
            KafkaHandlePool { properties, debug, pooled throws(KafkaHandle.CreateError) in
                let poison = refuse(properties, pooled) ? [RdKafkaProperty("max.poll.interval.ms", "1000")] : []
                return try KafkaHandle(properties: properties + poison, debugProtocol: debug)
            }
        }
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let verifier = ShareVerifier(options: .init(deadline: .seconds(10), deep: true))
            let joins = try await verifier.run(
                PreparedConfiguration(share: sandbox.share(), options: verifier.options),
                handles: refusing { _, pooled in !pooled },
                registryKnowledge: RegistryKnowledge(),
                httpClient: nil
            )
            #expect(Self.verdicts(joins)["kafka.group.join[share-orders-]"] == "fail:client_error")
            #expect(Self.verdicts(joins)["kafka.group[share-orders-]"] == "pass:authorized")
            let join = try #require(joins.checks.first { $0.id == "kafka.group.join" })
            #expect(join.message.contains("max.poll.interval.ms"), "\(join.message)")

            var noGroups = sandbox.share()
            noGroups.resources.removeAll { if case .group = $0 { true } else { false } }
            let reads = try await verifier.run(
                PreparedConfiguration(share: noGroups, options: verifier.options),
                handles: refusing { properties, _ in
                    properties.contains { $0.key == "group.id" && $0.value == "cdx-verify-probe" }
                },
                httpClient: nil
            )
            #expect(Self.verdicts(reads)["kafka.topic.read[orders]"] == "fail:client_error")
            #expect(Self.verdicts(reads)["kafka.topic.read[payments]"] == "fail:client_error")
            #expect(Self.verdicts(reads)["kafka.topic[orders]"] == "pass:ok")
        }
    }

    @Test("reports never contain a secret, in any format")
    func reportsHideSecrets() async throws {
        try await Sandbox.withSandbox(scenario: .faults) { sandbox in
            let share = sandbox.share()
            let report = try await ShareVerifier(options: .init(deadline: .seconds(10))).verify(share)
            for format in ReportFormat.allCases {
                let text = report.rendered(as: format)
                #expect(!text.contains(share.secret.revealed))
                #expect(!text.contains(share.schemaRegistrySecret!.revealed))
            }
        }
    }
}
