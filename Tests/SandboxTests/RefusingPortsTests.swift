import Foundation
@_spi(Sandbox) import StreamShareSandbox
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scenario whose brokers are all down names ports that refuse connections: no mock broker is taken
/// down (librdkafka 2.0.2's mock could abort when re-binding its port), and no other socket can have them.
@Suite("Sandbox: brokers all down")
struct RefusingPortsTests {
    @Test("every bootstrap port refuses connections, and no other socket can bind it, SO_REUSEADDR or not")
    func portsRefuseAndAreHeld() async throws {
        let scenario = Scenario(name: "down", brokers: 2, brokersDown: true, topics: [.init(name: "orders")])
        try await Sandbox.withSandbox(scenario: scenario) { sandbox in
            let servers = sandbox.bootstrapServers.split(separator: ",")
            #expect(servers.count == 2)
            #expect(sandbox.share().kafkaBootstrapURL == servers.map { "PLAINTEXT://\($0)" }.joined(separator: ","))
            #expect(!sandbox.cluster.bootstrapServers.split(separator: ",").contains { servers.contains($0) })
            for server in servers {
                let port = try #require(server.split(separator: ":").last.flatMap { UInt16($0) })
                #expect(Self.connect(port) == ECONNREFUSED)
                #expect(Self.bind(port, reuseAddress: false) == EADDRINUSE)
                #expect(Self.bind(port, reuseAddress: true) == EADDRINUSE)
            }
        }
    }

    /// `errno` of a connection to 127.0.0.1:`port`, 0 when it is accepted.
    static func connect(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0 ? 0 : errno
    }

    /// `errno` of a bind to 127.0.0.1:`port`, 0 when it succeeds.
    static func bind(_ port: UInt16, reuseAddress: Bool) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var on: Int32 = 1
        if reuseAddress { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) }
        var address = loopback(port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0 ? 0 : errno
    }

    static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
