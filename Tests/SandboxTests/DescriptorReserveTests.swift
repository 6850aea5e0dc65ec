import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// A process with no descriptor left, in a child process of its own: libdispatch's worker-pool monitor
/// opens `/proc/<tid>/stat` once a second while work is queued, and traps (SIGILL) when it cannot.
@Suite("Descriptor reserve", .serialized, .timeLimit(.minutes(2)))
struct DescriptorReserveTests {
    @Test("out of descriptors while work is queued: the pool's reserve gives its own up, and nothing traps")
    func reserveGivesRoom() async throws {
        let failure = try await IsolatedTest.run("DescriptorReserveTests/reserveGivesRoom") {
            try await withMonitorPool(maximumConcurrentRuns: 1) { pool in
                #expect(pool.reserve.heldCount == pool.reserve.size)
                // The reserve's watch has looked at least once (its clock's timer is set up).
                try await Task.sleep(for: .milliseconds(300))
                let taken = Self.takeEveryDescriptor()
                defer { for descriptor in taken { close(descriptor) } }
                let deadline = ContinuousClock.now + .seconds(2)
                while pool.reserve.heldCount > 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(pool.reserve.heldCount == 0)
                #expect(pool.reserve.exhaustions >= 1)
                // A run that failed across the exhaustion failed for the process's shortage.
                #expect(pool.shortage(sinceExhaustions: 0) != nil)
                await Self.queueWork(for: .seconds(3))
            }
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    @Test("the reserve is taken again once there is room, and only counts an exhaustion when none is left")
    func reserveTakenAgain() async throws {
        let failure = try await IsolatedTest.run("DescriptorReserveTests/reserveTakenAgain") {
            let reserve = DescriptorReserve(size: 4)
            defer { reserve.giveBack() }
            #expect(reserve.check() == false)
            #expect(reserve.heldCount == 4 && reserve.exhaustions == 0)
            let taken = Self.takeEveryDescriptor()
            #expect(reserve.check() == true)
            #expect(reserve.heldCount == 0 && reserve.exhaustions == 1)
            for descriptor in taken { close(descriptor) }
            #expect(reserve.check() == false)
            #expect(reserve.heldCount == 4 && reserve.exhaustions == 1)
        }
        #expect(failure == nil, "\(failure ?? "")")
    }

    /// Lowers the soft descriptor limit to 32 above those open, then opens descriptors until none is left.
    /// - Returns: The descriptors opened.
    static func takeEveryDescriptor() -> [Int32] {
        let open = FileDescriptors.openCount ?? 0
        var limit = rlimit()
        getrlimit(resourceLimitNoFile, &limit)
        limit.rlim_cur = rlim_t(open + 32)
        #expect(setrlimit(resourceLimitNoFile, &limit) == 0)
        var taken: [Int32] = []
        while taken.count < 100_000 {
            let descriptor = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { break }
            taken.append(descriptor)
        }
        #expect(Glibc.open("/dev/null", O_RDONLY) < 0 && errno == EMFILE)
        return taken
    }

    /// Keeps Swift's global executor (libdispatch's root queues) with jobs waiting for `duration`.
    static func queueWork(for duration: Duration) async {
        let end = ContinuousClock.now + duration
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while ContinuousClock.now < end { await Task.yield() }
                }
            }
        }
    }

    private static let resourceLimitNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
}
