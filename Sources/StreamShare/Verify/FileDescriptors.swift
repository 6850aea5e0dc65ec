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
    /// Descriptors a run is taken to need while its cluster's size is not known yet (its share's first
    /// run): a few librdkafka clients on a cluster of one to three brokers, and the Schema Registry
    /// connections of one verification. Once a run has seen the cluster,
    /// ``neededPerRun(brokers:brokerProofs:)`` counts with its brokers.
    public static let neededPerRun = 64

    /// Descriptors one librdkafka client may hold on a cluster of `brokers` brokers: a socket and
    /// wake-up descriptors for every broker it learns of, and its own. Measured about 1.6 per broker
    /// (`scripts/bench-watch --descriptors`); counted as 2 per broker, plus 4.
    public static func perClient(brokers: Int) -> Int {
        2 * max(1, brokers) + 4
    }

    /// Descriptors a run needs on a cluster of `brokers` brokers when it proves at most `brokerProofs`
    /// brokers at once (each proof is a client of its own that learns every broker, so that proving
    /// them all at once grows with the square of the cluster): the run's own clients (the probe, the
    /// readers of `--max-staleness` and `--max-lag`, a `--deep` join: 4), the proofs' clients, and
    /// 16 for Schema Registry connections and the rest.
    public static func neededPerRun(brokers: Int, brokerProofs: Int) -> Int {
        16 + (4 + max(1, min(brokers, brokerProofs))) * perClient(brokers: brokers)
    }

    /// Brokers a run of a ``MonitorPool`` proves at once when there is no room to prove them all at
    /// once (and room for this many): its runs share the process's descriptors, and such a run is
    /// admitted with room for this many proofs (``neededPerRun(brokers:brokerProofs:)``).
    public static let pooledBrokerProofs = 4

    /// Brokers a run outside a pool may prove at once within the descriptors free now: all of them
    /// when there is room (the quickest), fewer on a large cluster under a low limit, at least one.
    /// All of them when the free descriptors cannot be told.
    static func brokerProofsWithinHeadroom(brokers: Int) -> Int {
        guard brokers > 1, let soft = limits?.soft, let open = openCount, soft != Int.max else {
            return max(1, brokers)
        }
        let perClient = perClient(brokers: brokers)
        let available = soft - open - keptFree - 16 - 4 * perClient
        return min(brokers, max(1, available / perClient))
    }

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
