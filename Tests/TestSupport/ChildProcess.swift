import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, its standard input, output and error on pipes.
///
/// Not Foundation's `Process`: on Linux its `run()` reads `/proc/self/fd` with a 256-byte copy of
/// each directory entry and crashes now and then when an entry ends a page (swift-corelibs-foundation
/// pull request 5472, fixed after Swift 6.3.1), which a suite that starts hundreds of children meets.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The write end of the child's standard input (closed by ``closeInput()``).
    private let input: Mutex<Int32>
    /// The read ends of its standard output and error.
    let outputDescriptor: Int32
    let errorDescriptor: Int32
    /// The wait status once the child was reaped.
    private let waitStatus = Mutex<Int32?>(nil)

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc module
    /// does not declare.
    private static let addCloseFrom:
        (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            else { return nil }
            return unsafeBitCast(
                symbol,
                to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self
            )
        }()

    /// Held from creating a child's pipes to spawning it.
    private static let spawning = NSLock()

    /// util-linux's `setpriv`, which sets a parent-death signal before it runs a program.
    private static let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    private static let spawnThread = SpawnThread()

    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `executable` with `arguments`, in `directory` (through `env -C`) when given, with
    /// `environment` (default: this process's). Every descriptor made here is close-on-exec in the
    /// parent, so no other child inherits the ends of these pipes.
    init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        directory: String? = nil
    ) throws {
        // pipe2(O_CLOEXEC) is not visible from Swift's Glibc: pipe, then close-on-exec, with every
        // spawn of the tests under the same lock, so that no child starts between the two.
        Self.spawning.lock()
        defer { Self.spawning.unlock() }
        func makePipe() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw SpawnError(description: "pipe: \(errno)") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            return (fds[0], fds[1])
        }
        let stdin = try makePipe()
        let stdout = try makePipe()
        let stderr = try makePipe()

        var argv = [executable] + arguments
        var path = executable
        if let directory {
            path = "/usr/bin/env"
            argv = ["env", "-C", directory, "--", executable] + arguments
        }
        // The child dies with the test process, even when that one crashes: its parent-death signal
        // (PR_SET_PDEATHSIG, kept across exec) is set by setpriv, which then runs the child in its place.
        if let setpriv = Self.setpriv {
            argv = ["setpriv", "--pdeathsig", "KILL", "--", path] + argv.dropFirst()
            path = setpriv
        }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on the child's 0, 1 and 2.
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        // And nothing else: descriptors of the test process that are not close-on-exec (sockets of
        // the emulators or the mock cluster) must not live on in a child.
        _ = Self.addCloseFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default signal handling (the test process may ignore SIGPIPE).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        // From the one thread that lives as long as the process: a parent-death signal fires when the
        // *thread* that started the child ends, and the threads of Swift's concurrency come and go.
        let status = withUnsafeMutablePointer(to: &actions) { actions in
            withUnsafeMutablePointer(to: &attributes) { attributes in
                withUnsafeMutablePointer(to: &pid) { pid in
                    let call = SpawnCall(
                        pid: pid,
                        path: path,
                        actions: actions,
                        attributes: attributes,
                        argv: cArgv,
                        env: cEnv
                    )
                    return Self.spawnThread.perform(call)
                }
            }
        }
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        guard status == 0 else {
            for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
            throw SpawnError(description: "posix_spawn \(path): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        self.input = Mutex(stdin.write)
        self.outputDescriptor = stdout.read
        self.errorDescriptor = stderr.read
    }

    deinit {
        closeInput()
        close(outputDescriptor)
        close(errorDescriptor)
        if waitStatus.withLock({ $0 }) == nil {
            // Never left a zombie behind.
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    /// Writes to the child's standard input (ignoring a child that stopped reading).
    func write(_ data: Data) {
        let fd = input.withLock { $0 }
        guard fd >= 0 else { return }
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    /// Closes the child's standard input (it reads end of file).
    func closeInput() {
        input.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Whether the child is still running (reaping it when it has ended).
    var isRunning: Bool { reap(blocking: false) == nil }

    /// Waits for the child to end; its exit status, or the signal that ended it.
    @discardableResult
    func waitUntilExit() -> Int32 { reap(blocking: true)! }

    /// The exit status, or the signal that ended it; nil while it runs.
    var terminationStatus: Int32? { reap(blocking: false) }

    /// Sends a signal, unless the child was already reaped (its pid may be another's by then).
    func signal(_ signal: Int32) {
        waitStatus.withLock { status in
            if status == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    private func reap(blocking: Bool) -> Int32? {
        if let status = waitStatus.withLock({ $0 }) { return Self.decode(status) }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == pid {
                waitStatus.withLock { $0 = status }
                return Self.decode(status)
            }
            if result == 0 { return nil }
            if errno == EINTR { continue }
            // Reaped by a racing call, which records its status in a moment.
            if let status = waitStatus.withLock({ $0 }) { return Self.decode(status) }
            if !blocking { return nil }
            usleep(1000)
        }
    }

    /// Exit code for a normal exit, else the terminating signal (as Foundation's `terminationStatus`).
    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : signal
    }
}

/// One `posix_spawn` call, its pointers valid until it returns.
private struct SpawnCall: @unchecked Sendable {
    let pid: UnsafeMutablePointer<pid_t>
    let path: String
    let actions: UnsafeMutablePointer<posix_spawn_file_actions_t>
    let attributes: UnsafeMutablePointer<posix_spawnattr_t>
    let argv: [UnsafeMutablePointer<CChar>?]
    let env: [UnsafeMutablePointer<CChar>?]
}

/// A thread that never ends and spawns the children, one call at a time (callers hold
/// `ChildProcess.spawning`).
private final class SpawnThread: Sendable {
    private let call = Mutex<SpawnCall?>(nil)
    private let result = Mutex<Int32>(0)
    private let requested = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            while true {
                requested.wait()
                guard let call = call.withLock({ $0 }) else { continue }
                let status = posix_spawn(call.pid, call.path, call.actions, call.attributes, call.argv, call.env)
                result.withLock { $0 = status }
                done.signal()
            }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    func perform(_ call: SpawnCall) -> Int32 {
        self.call.withLock { $0 = call }
        requested.signal()
        done.wait()
        return result.withLock { $0 }
    }
}
