#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output and standard error without trapping when the reader went away
/// (`cdx-verify verify --format json | head -c 10`, `watch | head -n1`): a closed pipe ends the
/// process quietly with status 141, as a shell reports a command ended by SIGPIPE, instead of a
/// crash with a backtrace. (SwiftNIO ignores SIGPIPE in the process, so writes fail with EPIPE
/// rather than ending it.)
enum StandardStreams {
    /// The status of a process whose output pipe was closed (128 + SIGPIPE).
    static let closedPipeStatus: Int32 = 141

    static func writeOut(_ text: String) { write(text, to: STDOUT_FILENO) }

    static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                #else
                Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0, errno == EINTR || errno == EAGAIN {
                continue
            } else {
                // EPIPE (the reader is gone) or another failure: nothing more can be said anywhere.
                exit(closedPipeStatus)
            }
        }
    }
}
