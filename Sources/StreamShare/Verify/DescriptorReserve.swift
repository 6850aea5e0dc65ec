import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A few descriptors a ``MonitorPool`` holds back for the process, given up the moment the process
/// has none left and taken again once it has room.
///
/// A process with every descriptor taken must still open some. libdispatch's worker-pool monitor (the
/// runtime of Swift concurrency on Linux) reads `/proc/<tid>/stat` once a second while work is queued
/// and traps when it cannot open it (`DISPATCH_CLIENT_CRASH`: SIGILL, "Signal 4"); closing a client,
/// a log line and a metrics answer need descriptors too. The reserve looks whether a descriptor can be
/// had — every 20 ms while the process is near its limit, every 500 ms while it has room —; when none
/// can, it closes its own, so that those find room while runs back off (no run is admitted while the
/// process is short). Each time it finds none counts as an exhaustion: a run that failed across one
/// failed for the process's shortage, not the share's.
final class DescriptorReserve: Sendable {
    /// Descriptors held back.
    let size: Int

    private struct State {
        var held: [Int32] = []
        var exhaustions = 0
        var isClosed = false
    }

    private let state = Mutex(State())

    /// Opens `size` descriptors (on `/dev/null`) to hold back; fewer when the process cannot have them.
    init(size: Int) {
        self.size = size
        state.withLock { $0.held = Self.openNull(size) }
    }

    deinit {
        state.withLock { state in for descriptor in state.held { close(descriptor) } }
    }

    /// Times the process was found with no descriptor to open.
    var exhaustions: Int { state.withLock { $0.exhaustions } }

    /// Descriptors held back now.
    var heldCount: Int { state.withLock { $0.held.count } }

    /// Looks once whether a descriptor can be had: if not, gives the held ones up and counts an
    /// exhaustion; if the reserve was given up and there is room again (its size and
    /// ``FileDescriptors/keptFree`` free), takes it again.
    /// - Returns: Whether the process was found out of descriptors.
    @discardableResult
    func check() -> Bool {
        state.withLock { state in
            guard !state.isClosed else { return false }
            let probe = Self.openNull()
            if probe >= 0 {
                close(probe)
                if state.held.count < size, FileDescriptors.shortage(needing: size + FileDescriptors.keptFree) == nil {
                    state.held += Self.openNull(size - state.held.count)
                }
                return false
            }
            guard errno == EMFILE || errno == ENFILE else { return false }
            for descriptor in state.held { close(descriptor) }
            state.held.removeAll()
            state.exhaustions += 1
            return true
        }
    }

    /// The pause between checks while the process is near its limit: well inside libdispatch's 1 s.
    static let nearPause: Duration = .milliseconds(20)
    /// The pause between checks while the process has room: a check wakes a thread, and 50 a second
    /// cost an idle watch about 1.6 % of a core (`scripts/bench-watch --idle`), 50 times its own cost.
    static let roomyPause: Duration = .milliseconds(500)

    /// Checks until the calling task is cancelled: every ``nearPause`` while fewer than `margin`
    /// descriptors are free (or the last check found none), else every ``roomyPause``. How many are
    /// free is counted at most every ``roomyPause`` (a count lists `/proc/self/fd`).
    /// - Parameter margin: Descriptors that may go within one ``roomyPause`` (asked at each count):
    ///   what the runs the pool admitted can open, and what it keeps free.
    func watch(margin: @Sendable () -> Int) async {
        var near = true
        var nextCount = ContinuousClock.now
        while !Task.isCancelled {
            let exhausted = check()
            if exhausted || ContinuousClock.now >= nextCount {
                near = exhausted || FileDescriptors.shortage(needing: margin()) != nil
                nextCount = ContinuousClock.now + Self.roomyPause
            }
            try? await Task.sleep(for: near ? Self.nearPause : Self.roomyPause)
        }
    }

    /// Gives the held descriptors back for good (the pool's scope ended).
    func giveBack() {
        state.withLock { state in
            state.isClosed = true
            for descriptor in state.held { close(descriptor) }
            state.held.removeAll()
        }
    }

    /// `count` descriptors on `/dev/null`, fewer when the process cannot have them.
    private static func openNull(_ count: Int) -> [Int32] {
        var opened: [Int32] = []
        for _ in 0..<max(0, count) {
            let descriptor = openNull()
            guard descriptor >= 0 else { break }
            opened.append(descriptor)
        }
        return opened
    }

    private static func openNull() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }
}
