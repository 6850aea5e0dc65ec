#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's file descriptors: its limit, how many are open, and how many a run needs.
///
/// A run that cannot get descriptors would fail its connections with `EMFILE` and read like a broken
/// provider (`all_brokers_down`, `connect`). A ``ShareMonitor`` of a ``MonitorPool`` looks at the
/// headroom before each run and after a failing one, and reports a shortage as
/// ``ShareMonitorError/outOfFileDescriptors(open:limit:)``: a local error, never a verdict.
public enum FileDescriptors {
    /// Descriptors a run may need at most: a few librdkafka clients (a socket per broker, wake-up
    /// pipes) and the Schema Registry connections of one verification.
    public static let neededPerRun = 64

    /// Descriptors kept free beyond every admitted run's need, for the process itself: libdispatch's
    /// worker-pool monitor opens `/proc/<tid>/stat` once a second while work is queued and traps
    /// (SIGILL) when it cannot; the metrics server, a listing and a log line need a few too.
    public static let keptFree = 16

    /// The soft and hard limits (`RLIMIT_NOFILE`); `nil` when they cannot be read.
    public static var limits: (soft: Int, hard: Int)? {
        var limit = rlimit()
        guard getrlimit(resourceLimitNoFile, &limit) == 0 else { return nil }
        return (Self.count(limit.rlim_cur), Self.count(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one, as Go's runtime does at start; a process that watches
    /// many shares should not be held to systemd's 1,024 when it may have more.
    /// - Returns: The soft limit before and after, and the hard limit; `nil` when they cannot be read.
    @discardableResult
    public static func raiseSoftLimit() -> (before: Int, after: Int, hard: Int)? {
        var limit = rlimit()
        guard getrlimit(resourceLimitNoFile, &limit) == 0 else { return nil }
        let before = count(limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resourceLimitNoFile, &raised) == 0 { limit = raised }
        }
        return (before, count(limit.rlim_cur), count(limit.rlim_max))
    }

    /// Descriptors open now (Linux: the entries of `/proc/self/fd`); `nil` where that cannot be
    /// told. When the directory cannot even be opened for want of a descriptor, every descriptor
    /// counts as open.
    public static var openCount: Int? {
        #if os(Linux)
        guard let directory = opendir("/proc/self/fd") else {
            return errno == EMFILE || errno == ENFILE ? limits?.soft : nil
        }
        defer { closedir(directory) }
        var entries = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { entries += 1 }
        }
        // The directory's own descriptor is one of them.
        return max(0, entries - 1)
        #else
        return nil
        #endif
    }

    /// The shortage, when fewer than `needed` descriptors are free under the soft limit.
    /// - Returns: The open count and the soft limit when short; `nil` when there is room or it cannot
    ///   be told.
    public static func shortage(needing needed: Int = neededPerRun) -> (open: Int, limit: Int)? {
        guard let soft = limits?.soft, let open = openCount, soft - open < needed else { return nil }
        return (open, soft)
    }

    private static func count(_ value: rlim_t) -> Int {
        value == rlim_t.max || value > rlim_t(Int.max) ? Int.max : Int(value)
    }

    #if os(Linux)
    private static let resourceLimitNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceLimitNoFile = RLIMIT_NOFILE
    #endif
}
