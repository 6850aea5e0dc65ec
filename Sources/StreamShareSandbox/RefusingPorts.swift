#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ports of 127.0.0.1 that refuse every connection, for as long as this value lives: the brokers of
/// a scenario whose brokers are all down.
///
/// Each port is bound (without `SO_REUSEADDR`) and never listened on, so a connection attempt is
/// refused at once, and no other socket can bind the port or be given it for an outgoing connection.
/// Unlike a mock broker taken down, nothing binds again: librdkafka 2.0.2's mock aborts the process
/// when such a re-bind fails (see ``MockKafkaCluster/setBroker(_:up:)``).
final class RefusingPorts: Sendable {
    private let descriptors: [Int32]
    /// `127.0.0.1:port,…`, one per port.
    let servers: String

    /// Binds `count` ports.
    /// - Throws: ``MockClusterError`` when a socket cannot be had.
    init(count: Int) throws {
        var descriptors: [Int32] = []
        var ports: [UInt16] = []
        for _ in 0..<count {
            guard let (fd, port) = Self.bindAnyPort() else {
                descriptors.forEach { close($0) }
                throw MockClusterError(message: "cannot bind a port of 127.0.0.1 for a broker that is down")
            }
            descriptors.append(fd)
            ports.append(port)
        }
        self.descriptors = descriptors
        servers = ports.map { "127.0.0.1:\($0)" }.joined(separator: ",")
    }

    deinit { descriptors.forEach { close($0) } }

    private static func bindAnyPort() -> (Int32, UInt16)? {
        guard let fd = loopbackTCPSocket() else { return nil }
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            return nil
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}
