import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Synchronization
import Testing

@testable import StreamShare
@testable import TestSupport

/// Many monitors in one pool, and the library's schedule, against the mock cluster and the registry
/// emulator.
@Suite("Monitor pool and schedule", .timeLimit(.minutes(2)))
struct MonitorPoolTests {
    @Test("admission counts what each run was admitted with, and the reserve's margin follows it")
    func admissionAccounting() throws {
        let pool = MonitorPool(maximumConcurrentRuns: 2, idleConnectionTimeout: .seconds(1))
        defer { pool.reserve.giveBack() }
        let floor = FileDescriptors.neededPerRun * 2 + FileDescriptors.keptFree + pool.reserve.size
        #expect(pool.descriptorMargin == floor)
        let soft = try #require(FileDescriptors.limits?.soft)
        let open = try #require(FileDescriptors.openCount)
        let large = max(300, (soft - open) / 2)
        try #require(soft - open > large + FileDescriptors.keptFree + 8, "too few descriptors for this test")
        #expect(pool.admitNow(needing: large))
        #expect(pool.descriptorMargin == large + FileDescriptors.keptFree + pool.reserve.size)
        // The first run's need counts against the second: no room for it beside the first.
        #expect(!pool.admitNow(needing: soft - open - large))
        pool.endRun(needing: large)
        #expect(pool.descriptorMargin == floor)
        // Ended: its need no longer counts.
        #expect(pool.admitNow(needing: large))
        pool.endRun(needing: large)
    }

    @Test("six shares, two runs at once: never more, clients held for at most two shares, verdicts as alone")
    func boundedByConcurrency() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let alone = try await ShareVerifier(options: .init(deadline: .seconds(15))).verify(sandbox.share())
            try await withMonitorPool(maximumConcurrentRuns: 2, idleConnectionTimeout: .seconds(5)) { pool in
                let monitors = try (0..<6).map { _ in
                    try ShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(15)), pool: pool)
                }
                let sampler = Sampler()
                let reports = await withTaskGroup(of: [VerificationReport].self) { group in
                    group.addTask {
                        // Samples the runs in progress while the monitors run.
                        while !sampler.done.load(ordering: .relaxed) {
                            let now = pool.runsInProgress
                            sampler.most.withLock { $0 = max($0, now) }
                            try? await Task.sleep(for: .milliseconds(2))
                        }
                        return []
                    }
                    let runs = await withTaskGroup(of: VerificationReport?.self) { runs in
                        for monitor in monitors {
                            runs.addTask {
                                let first = try? await monitor.verify()
                                #expect(await monitor.kafkaClientCount == 0, "a pooled monitor holds no client itself")
                                return first
                            }
                        }
                        return await runs.reduce(into: [VerificationReport]()) {
                            if let report = $1 { $0.append(report) }
                        }
                    }
                    sampler.done.store(true, ordering: .relaxed)
                    return runs
                }
                #expect(reports.count == 6)
                for report in reports {
                    #expect(VerifierTests.verdicts(report) == VerifierTests.verdicts(alone))
                }
                #expect(sampler.most.withLock { $0 } >= 1)
                #expect(sampler.most.withLock { $0 } <= 2, "more runs at once than the pool allows")
                // The verifications themselves (their own start and duration, not the pool's counter)
                // never overlap more than two at a time.
                #expect(Self.mostOverlapping(reports) <= 2, "more verifications at once than the pool allows")
                #expect(pool.runsInProgress == 0)
                // Warm clients for at most two shares (each share holds one client: its group rides on it).
                let warm = pool.warmKafkaClientCount
                #expect(warm >= 1)
                #expect(warm <= 2)

                // A second round reuses the warm clients of the two most recent shares and stays bounded.
                for monitor in monitors { _ = try await monitor.verify() }
                #expect(pool.warmKafkaClientCount <= 2)
                for monitor in monitors { await monitor.shutdown() }
                #expect(pool.warmKafkaClientCount == 0, "a monitor that shut down left warm clients behind")
            }
        }
    }

    @Test("the schedule: the first run at once, then one per interval, numbered; cancelling ends it")
    func schedule() async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            try await withShareMonitor(share: sandbox.share(), options: .init(deadline: .seconds(10))) { monitor in
                let prepared = Atomic(0)
                var runs: [ShareMonitor.Run] = []
                let interval = Duration.milliseconds(300)
                for await run in monitor.reports(
                    every: interval,
                    beforeEachRun: { _ in prepared.add(1, ordering: .relaxed) }
                ) {
                    runs.append(run)
                    if runs.count == 3 { break }
                }
                #expect(runs.map(\.number) == [1, 2, 3])
                #expect(prepared.load(ordering: .relaxed) == 3)
                #expect(runs.allSatisfy { $0.report?.passed() == true })
                for (earlier, later) in zip(runs, runs.dropFirst()) {
                    // Never earlier than the interval after the previous start (a lower bound only).
                    // Wall-clock times taken after an actor hop: 0.1 s of tolerance for a loaded machine.
                    #expect(later.startedAt.timeIntervalSince(earlier.startedAt) >= 0.2)
                }

                // Cancelling the iterating task ends the sequence (no further run, no error).
                let seen = Sampler()
                let counted = await withTaskGroup(of: Int.self) { group in
                    group.addTask {
                        for await _ in monitor.reports(every: .seconds(3600)) { seen.runs.add(1, ordering: .relaxed) }
                        return seen.runs.load(ordering: .relaxed)
                    }
                    // The first run is made at once; then the sequence waits an hour for the next.
                    for _ in 0..<200 where seen.runs.load(ordering: .relaxed) == 0 {
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                    group.cancelAll()
                    return await group.next() ?? -1
                }
                #expect(counted == 1, "one run at once, then the wait for the next is cancelled")
            }
        }
    }
}

extension MonitorPoolTests {
    /// The most reports whose verifications ran at the same moment, from each report's own start
    /// and total duration.
    static func mostOverlapping(_ reports: [VerificationReport]) -> Int {
        let spans = reports.compactMap { report -> (start: Double, end: Double)? in
            guard let start = Timestamps.parse(report.startedAt)?.timeIntervalSince1970 else { return nil }
            // startedAt is cut to the millisecond: the run began in [start, start + 1 ms) and ended
            // total_ms after. Only the part every such span shares counts, so that a slot handed
            // over within a millisecond is not taken for an overlap.
            return (start + 0.001, start + report.timings.totalMs / 1000)
        }
        #expect(spans.count == reports.count)
        // Ends sort before starts at the same instant (a slot handed over is not an overlap).
        let events = spans.flatMap { [($0.start, 1), ($0.end, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var now = 0
        var most = 0
        for (_, change) in events {
            now += change
            most = max(most, now)
        }
        return most
    }
}

/// What a test samples while monitors run.
private final class Sampler: Sendable {
    let most = Mutex(0)
    let done = Atomic(false)
    let runs = Atomic(0)
}
