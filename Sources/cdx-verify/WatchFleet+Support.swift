import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// When a share's status phase is due to be looked up again (at the first run, then at most every
/// so often), for the share id now verified.
final class PhaseLookup: Sendable {
    private let state: Mutex<(shareID: String?, due: ContinuousClock.Instant)>

    init(shareID: String?) { state = Mutex((shareID, .now)) }

    /// Another share from now on: looked up at the next run.
    func reset(shareID: String?) { state.withLock { $0 = (shareID, .now) } }

    /// The share id to look up now, if a look-up is due (and then the next one is set `interval` later).
    func due(every interval: Duration) -> String? {
        state.withLock { state in
            guard let id = state.shareID, ContinuousClock.now >= state.due else { return nil }
            state.due = .now + interval
            return id
        }
    }
}

/// A file as the system knows it (device and inode), whatever path names it.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The identity of the file `path` leads to (after every symbolic link), or nil when it cannot be
    /// looked at.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

extension RedeemedShare {
    /// "2 topic(s), 1 group prefix(es), 3 subject(s)".
    var resourceCounts: String {
        "\(topics.count) topic(s), \(groupPrefixes.count) group prefix(es), \(subjects.count) subject(s)"
    }
}
