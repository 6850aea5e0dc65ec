#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file that should be small (a share, a client configuration) without ever holding more than
/// `limit + 1` bytes: a huge file, a device such as `/dev/zero` or an endless FIFO is refused after
/// `limit` bytes, not read whole and then judged.
package enum BoundedFileRead {
    /// Why a file could not be read.
    package enum Failure: Error, Sendable, Hashable {
        /// `open` or `read` failed with this `errno`.
        case system(Int32)
        /// The file has more than `limit` bytes.
        case tooLarge(limit: Int)

        /// In words, for a message about the file.
        package var reason: String {
            switch self {
            case .system(let code): String(cString: strerror(code))
            case .tooLarge(let limit): "it is larger than \(BoundedFileRead.sizeText(limit))"
            }
        }
    }

    /// The whole file, at most `limit` bytes.
    /// - Throws: ``Failure``.
    package static func contents(of path: String, limit: Int) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .system(errno) }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let wanted = min(buffer.count, limit + 1 - data.count)
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(errno)
            }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
            if data.count > limit { throw .tooLarge(limit: limit) }
        }
    }

    /// `16 MiB`, `512 KiB` or `100 bytes`.
    package static func sizeText(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
