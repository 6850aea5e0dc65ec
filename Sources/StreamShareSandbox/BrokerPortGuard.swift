#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a mock broker's port from being taken by another process while librdkafka 2.0.2 takes the
/// broker down.
///
/// `rd_kafka_mock_broker_set_down` closes the broker's listening socket and binds a new one to the
/// same port at once (so that it can listen again when set up); when another process binds that port
/// in between, the mock aborts the whole process (`Failed to-create mock broker listener`). A TCP
/// connection that the broker has accepted shares the port and lives on until the new socket is
/// bound (the mock closes its connections after re-binding): while it is open the kernel gives the
/// port to no other socket, neither to one that binds any free port nor to one that connects out.
/// Only the mock, binding that very port with `SO_REUSEADDR`, may have it.
final class BrokerPortGuard {
    private let descriptor: Int32

    /// Connects to the broker on 127.0.0.1:`port` and waits until it answers one request (an
    /// ApiVersions v0): only then has the mock accepted the connection. Nil when the broker does not
    /// answer within `timeoutMilliseconds` (it is already down, or gone).
    init?(port: UInt16, timeoutMilliseconds: Int32 = 5_000) {
        guard let fd = loopbackTCPSocket() else { return nil }
        guard Self.connect(fd, port: port, timeoutMilliseconds: timeoutMilliseconds),
            Self.exchangeApiVersions(fd, timeoutMilliseconds: timeoutMilliseconds)
        else {
            close(fd)
            return nil
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    private static func connect(_ fd: Int32, port: UInt16, timeoutMilliseconds: Int32) -> Bool {
        // Bounds a connect that the full backlog of the listener would make wait.
        var timeout = timeval(tv_sec: Int(timeoutMilliseconds / 1000), tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Darwin)
                Darwin.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #elseif canImport(Musl)
                Musl.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #else
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                #endif
            }
        }
        return result == 0
    }

    /// Sends an ApiVersions v0 request and reads the response's size and correlation id.
    private static func exchangeApiVersions(_ fd: Int32, timeoutMilliseconds: Int32) -> Bool {
        // Size 10; api key 18, version 0, correlation id 1, an empty client id.
        let request: [UInt8] = [0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0, 0]
        #if canImport(Darwin)
        let flags: Int32 = 0
        #else
        let flags = Int32(MSG_NOSIGNAL)
        #endif
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
        guard sent == request.count else { return false }
        var received = 0
        var buffer = [UInt8](repeating: 0, count: 64)
        while received < 8 {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready < 0, errno == EINTR { continue }
            guard ready == 1 else { return false }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            received += count
        }
        // The correlation id comes back (bytes 4…7 of the response).
        return buffer[4..<8] == [0, 0, 0, 1]
    }
}

/// A new IPv4 TCP socket, closed on exec (a child must not inherit the ports the sandbox holds); nil
/// when none can be made.
func loopbackTCPSocket() -> Int32? {
    #if canImport(Darwin)
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #else
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #endif
    guard fd >= 0 else { return nil }
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    return fd
}
