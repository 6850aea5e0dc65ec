import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// A cluster of many brokers: each `kafka.broker` proof is a client that learns every broker, so
/// proving them all at once holds descriptors that grow with the cluster's size squared
/// (`scripts/bench-watch --descriptors`: 12 brokers about 250, 24 over 1,000).
@Suite("Large clusters: broker proofs within the descriptors", .timeLimit(.minutes(3)))
struct LargeClusterTests {
    @Test("the descriptors counted for a run cover what runs were measured to hold")
    func neededCoversMeasured() {
        // scripts/bench-watch --descriptors at 9f19b33 (plain / all optional checks), every proof at once.
        let measured: [(brokers: Int, held: Int)] = [(1, 43), (2, 33), (3, 75), (6, 89), (12, 401)]
        for (brokers, held) in measured {
            #expect(FileDescriptors.neededPerRun(brokers: brokers, brokerProofs: brokers) >= held, "\(brokers)")
        }
        // A pool's run proves a few at once: what it is admitted with grows with the cluster, not its square.
        let pooled = FileDescriptors.neededPerRun(brokers: 24, brokerProofs: FileDescriptors.pooledBrokerProofs)
        #expect(pooled < FileDescriptors.neededPerRun(brokers: 24, brokerProofs: 24) / 2)
        #expect(FileDescriptors.neededPerRun(brokers: 1, brokerProofs: 4) <= FileDescriptors.neededPerRun)
    }

    @Test("12 brokers with 120 descriptors to spare: every broker proven, a few at a time, and the share passes")
    func twelveBrokersUnderALowLimit() async throws {
        let failure = try await IsolatedTest.run("LargeClusterTests/twelveBrokersUnderALowLimit") {
            let scenario = Scenario(
                name: "twelve",
                brokers: 12,
                topics: (1...4).map { Scenario.Topic(name: "t\($0)", partitions: 12) },
                groups: [.init(prefix: "g-")]
            )
            try await Sandbox.withSandbox(scenario: scenario) { sandbox in
                // The mock cluster lives in this process too: the headroom is counted from here.
                let open = try #require(FileDescriptors.openCount)
                var limit = rlimit()
                getrlimit(Self.resourceLimitNoFile, &limit)
                limit.rlim_cur = rlim_t(open + 120)
                #expect(setrlimit(Self.resourceLimitNoFile, &limit) == 0)
                #expect(FileDescriptors.brokerProofsWithinHeadroom(brokers: 12) < 12)
                let report = try await ShareVerifier(options: .init(deadline: .seconds(60))).verify(sandbox.share())
                let brokers = report.checks.filter { $0.id == .kafkaBroker }
                #expect(brokers.count == 12)
                #expect(brokers.allSatisfy { $0.status == .pass }, "\(brokers.map(\.code))")
                let failed = report.checks.filter { $0.status == .fail }.map(\.qualifiedID)
                #expect(failed.isEmpty, "\(failed)")
            }
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test("a pool's first run on 12 brokers grows its admission once it knows them, and gives it back")
    func firstPooledRunGrowsItsAdmission() async throws {
        let failure = try await IsolatedTest.run("LargeClusterTests/firstPooledRunGrowsItsAdmission") {
            try await Sandbox.withSandbox(scenario: Self.twelve) { sandbox in
                try await withMonitorPool(maximumConcurrentRuns: 1) { pool in
                    let monitor = try ShareMonitor(
                        share: sandbox.share(),
                        options: .init(deadline: .seconds(60)),
                        pool: pool
                    )
                    let floor = pool.descriptorMargin
                    Self.lowerLimit(spare: 200)
                    let report = try await monitor.verify()
                    let brokers = report.checks.filter { $0.id == .kafkaBroker }
                    #expect(brokers.count == 12)
                    #expect(brokers.allSatisfy { $0.status == .pass }, "\(brokers.map(\.code))")
                    #expect(report.failures.isEmpty, "\(report.failures.map(\.qualifiedID))")
                    // What the run was admitted with, grown or not, is given back with it.
                    #expect(pool.descriptorMargin == floor)
                    // The second run is admitted for the 12 brokers the first one saw.
                    #expect(try await monitor.verify().failures.isEmpty)
                    #expect(pool.descriptorMargin == floor)
                    await monitor.shutdown()
                }
            }
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    static let twelve = Scenario(
        name: "twelve",
        brokers: 12,
        topics: (1...4).map { Scenario.Topic(name: "t\($0)", partitions: 12) },
        groups: [.init(prefix: "g-")]
    )

    /// Lowers the soft descriptor limit to `spare` above those open now.
    static func lowerLimit(spare: Int) {
        let open = FileDescriptors.openCount ?? 0
        var limit = rlimit()
        getrlimit(resourceLimitNoFile, &limit)
        limit.rlim_cur = rlim_t(open + spare)
        #expect(setrlimit(resourceLimitNoFile, &limit) == 0)
    }

    private static let resourceLimitNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
