import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Synchronization
import Testing

@testable import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Broker outages on librdkafka 2.0.2's mock cluster. Taking a broker down re-binds its port, and the
/// mock aborts the process when another socket took the port in between: the sandbox holds the port
/// meanwhile (`BrokerPortGuard`). The test runs in a child process, so that a regression fails this
/// test instead of killing the suite.
@Suite("Mock cluster faults", .timeLimit(.minutes(2)))
struct MockClusterFaultTests {
    @Test(
        "a broker taken down and up 2,000 times (or for 60 s) while a thread keeps trying to bind its port: never an abort"
    )
    func brokerDownUpWhileItsPortIsWanted() async throws {
        guard IsolatedTest.isChild else {
            let result = try await IsolatedTest.runInChild("brokerDownUpWhileItsPortIsWanted")
            #expect(IsolatedTest.failure(of: result) == nil, "\(IsolatedTest.failure(of: result) ?? "")")
            return
        }
        let cluster = try MockKafkaCluster(brokers: 1)
        let port = try #require(cluster.bootstrapServers.split(separator: ":").last.flatMap { UInt16($0) })
        let taken = Self.keepBinding(port: port)
        let started = ContinuousClock.now
        while taken.attempts == 0, ContinuousClock.now - started < .seconds(2) { usleep(10_000) }
        // Each cycle waits for the mock's thread twice: on a loaded machine 2,000 cycles took over the
        // time limit (4 minutes, once in 7 full runs). The race is per cycle: a minute of them is enough.
        var cycles = 0
        let until = ContinuousClock.now + .seconds(60)
        while cycles < 2_000, ContinuousClock.now < until {
            cluster.setBroker(1, up: false)
            cluster.setBroker(1, up: true)
            cycles += 1
        }
        taken.stop()
        #expect(cycles >= 100, "only \(cycles) down/up cycles in 60 s")
        // Whenever the thread tried (a busy machine may give it little time), the port was taken.
        #expect(taken.successes == 0)
    }

    /// A thread that binds 127.0.0.1:`port` (without SO_REUSEADDR) as fast as it can while the CPU is
    /// otherwise idle, and holds the port whenever it gets it.
    final class PortTaker: Sendable {
        private let state = Mutex((stop: false, attempts: 0, successes: 0, held: [Int32]()))
        var attempts: Int { state.withLock { $0.attempts } }
        var successes: Int { state.withLock { $0.successes } }

        func stop() {
            let held = state.withLock { state in
                state.stop = true
                return state.held
            }
            // Let the thread see the flag before closing what it holds.
            usleep(20_000)
            held.forEach { close($0) }
        }

        func loop(port: UInt16) {
            // SCHED_IDLE: the loop runs on a core nothing else wants, never slowing the tests beside it.
            var parameters = sched_param(sched_priority: 0)
            _ = pthread_setschedparam(pthread_self(), 5, &parameters)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            while !state.withLock({ $0.stop }) {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { continue }
                let bound = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                state.withLock { state in
                    state.attempts += 1
                    if bound == 0 {
                        state.successes += 1
                        state.held.append(fd)
                    }
                }
                if bound != 0 { close(fd) }
            }
        }
    }

    static func keepBinding(port: UInt16) -> PortTaker {
        let taker = PortTaker()
        let thread = Thread { taker.loop(port: port) }
        thread.start()
        return taker
    }
}
