import AsyncHTTPClient
import NIOPosix
import RdKafka
import Synchronization

/// What many ``ShareMonitor``s share, so that a fleet of shares costs what its runs in progress
/// cost, not what its number of shares costs.
///
/// - At most ``maximumConcurrentRuns`` runs at once across the monitors of the pool, first come,
///   first served; a run waiting for its turn is not timed.
/// - A monitor holds its Kafka clients only while it runs. Afterwards they go to a small warm set
///   (as many shares as runs at once); the least recently used share's clients are released when a
///   further share's are put there. A fleet no larger than the concurrency keeps every client warm.
/// - The Schema Registry requests of every monitor go through one HTTP client per route (the proxy
///   that applies, or none), whose idle connections close after the pool's idle timeout.
/// - While the pool's scope lasts, a few descriptors are held back for the process and given up the
///   moment it has none left (an internal `DescriptorReserve`): libdispatch traps when it cannot open one.
///
/// Open one with ``withMonitorPool(maximumConcurrentRuns:idleConnectionTimeout:_:)`` and pass it to
/// ``withShareMonitor(share:options:httpClient:idleConnectionTimeout:pool:logger:_:)``.
public final class MonitorPool: Sendable {
    /// The most runs at once.
    public let maximumConcurrentRuns: Int
    /// How long the pool's HTTP clients keep an idle connection.
    public let idleConnectionTimeout: Duration

    private struct Warm {
        var owner: ObjectIdentifier
        var handles: KafkaHandlePool
    }

    private struct State {
        var available: Int
        var waiting: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextWaiter = 0
        /// Most recently used last.
        var warm: [Warm] = []
        var clients: [HTTPProxy?: HTTPClient] = [:]
        var isShutDown = false
        /// Runs admitted by ``roomForRun(needing:)`` and not yet ended: each may still open descriptors.
        var admitted = 0
        /// The descriptors those runs were admitted with, in all.
        var admittedNeed = 0
    }

    private let state: Mutex<State>
    /// Descriptors held back for the process, and how often it ran out.
    let reserve: DescriptorReserve

    init(maximumConcurrentRuns: Int, idleConnectionTimeout: Duration) {
        self.maximumConcurrentRuns = max(1, maximumConcurrentRuns)
        self.idleConnectionTimeout = idleConnectionTimeout
        state = Mutex(State(available: max(1, maximumConcurrentRuns)))
        reserve = DescriptorReserve(size: 8)
    }

    // MARK: run slots

    /// Waits for a run slot; `false`, at once, when the calling task is cancelled meanwhile (then
    /// nothing is taken).
    func acquire() async -> Bool {
        let id = state.withLock { state -> Int? in
            guard state.available == 0 else {
                state.available -= 1
                return nil
            }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let id else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer = state.withLock { state -> Bool? in
                    // Cancelled before it was queued: the handler found nothing to resume.
                    if Task.isCancelled { return false }
                    // A slot given back since the first look (with nobody queued): take it.
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    state.waiting.append((id, continuation))
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Gives a slot back: to the first waiter, if any.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiting.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiting.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// Runs in progress now.
    public var runsInProgress: Int {
        state.withLock { maximumConcurrentRuns - $0.available }
    }

    // MARK: warm Kafka clients

    /// The Kafka clients `owner` left warm, taken out of the warm set, or a new empty pool.
    func takeHandles(for owner: ObjectIdentifier) -> KafkaHandlePool {
        state.withLock { state in
            guard let index = state.warm.firstIndex(where: { $0.owner == owner }) else { return nil }
            return state.warm.remove(at: index).handles
        } ?? KafkaHandlePool()
    }

    /// Puts `owner`'s clients back as the most recently used; releases the least recently used
    /// share's clients beyond the warm set's size. A run that kept no client (its connection failed)
    /// takes no other share's place.
    func putBack(_ handles: KafkaHandlePool, for owner: ObjectIdentifier) {
        let released = state.withLock { state -> [KafkaHandlePool] in
            state.warm.removeAll { $0.owner == owner }
            guard !state.isShutDown, handles.count > 0 else { return [handles] }
            state.warm.append(Warm(owner: owner, handles: handles))
            let excess = state.warm.count - maximumConcurrentRuns
            guard excess > 0 else { return [] }
            defer { state.warm.removeFirst(excess) }
            return state.warm.prefix(excess).map(\.handles)
        }
        for pool in released { pool.close() }
    }

    /// Waits for room for one run's descriptors (`needed`: ``FileDescriptors/neededPerRun`` until the
    /// share's cluster is known, then ``FileDescriptors/neededPerRun(brokers:brokerProofs:)``) beside
    /// those every run admitted before it may still open and those kept free for the process
    /// (``FileDescriptors/keptFree``): the check and the admission are one step, so runs that
    /// start together cannot all see the same free descriptors. When short, the warm clients are
    /// released first; then the run waits for the admitted runs to end (up to 2 minutes), or, with
    /// none in progress, up to 5 s for descriptors to come back. An admitted run ends with
    /// ``endRun(needing:)``.
    /// - Returns: `nil` when admitted (or the room cannot be told); the shortage otherwise.
    func roomForRun(needing need: Int = FileDescriptors.neededPerRun) async -> (open: Int, limit: Int)? {
        let start = ContinuousClock.now
        if admitNow(needing: need) { return nil }
        var releasedWarm = false
        while true {
            if admitNow(needing: need) { return nil }
            let othersRunning = state.withLock { $0.admitted > 0 }
            if !releasedWarm {
                releasedWarm = true
                let warm = state.withLock { state in
                    defer { state.warm.removeAll() }
                    return state.warm.map(\.handles)
                }
                for pool in warm { pool.close() }
            }
            let waited = ContinuousClock.now - start
            if Task.isCancelled || waited > (othersRunning ? .seconds(120) : .seconds(5)) {
                // Still short: the open count and the limit, whatever the headroom asked.
                let soft = FileDescriptors.limits?.soft ?? 0
                return FileDescriptors.shortage(needing: .max) ?? (open: soft, limit: soft)
            }
            // A closed client gives its descriptors back from its own queue, a moment later.
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The process's shortage when it ran out of descriptors since the reserve counted `exhaustions`
    /// (every descriptor was open then); nil otherwise.
    func shortage(sinceExhaustions exhaustions: Int) -> (open: Int, limit: Int)? {
        guard reserve.exhaustions != exhaustions, let soft = FileDescriptors.limits?.soft else { return nil }
        return (soft, soft)
    }

    /// Descriptors that may go within one of the reserve's long pauses: what the runs admitted now
    /// were admitted with (at least ``FileDescriptors/neededPerRun`` for each run the pool may
    /// admit at once), those kept free, and the reserve's own.
    var descriptorMargin: Int {
        let admitted = state.withLock { $0.admittedNeed }
        return max(admitted, FileDescriptors.neededPerRun * maximumConcurrentRuns) + FileDescriptors.keptFree
            + reserve.size
    }

    /// Admits a run needing `need` descriptors if there is room for them now, beside the runs admitted
    /// before it and those kept free (the check and the admission are one step); never waits.
    /// - Returns: Whether the run was admitted (then it ends with ``endRun(needing:)``).
    func admitNow(needing need: Int) -> Bool {
        state.withLock { state in
            let needed = state.admittedNeed + need + FileDescriptors.keptFree
            guard FileDescriptors.shortage(needing: needed) == nil else { return false }
            state.admitted += 1
            state.admittedNeed += need
            return true
        }
    }

    /// Admits, without waiting, what proving a cluster of `brokers` brokers takes beyond `admitted`,
    /// for as many proofs at once as there is room for: all of them, ``FileDescriptors/pooledBrokerProofs``,
    /// or one (``FileDescriptors/neededPerRun(brokers:brokerProofs:)``).
    /// - Returns: The proofs at once and the descriptors admitted for them (0 when `admitted` covers
    ///   them; else ended with ``endRun(needing:)``); nil when there is no room even for one.
    func admitProofs(brokers: Int, beyond admitted: Int) -> (proofs: Int, extra: Int)? {
        let choices = Set([max(1, brokers), max(1, min(brokers, FileDescriptors.pooledBrokerProofs)), 1])
        for proofs in choices.sorted(by: >) {
            let extra = FileDescriptors.neededPerRun(brokers: brokers, brokerProofs: proofs) - admitted
            if extra <= 0 { return (proofs, 0) }
            if admitNow(needing: extra) { return (proofs, extra) }
        }
        return nil
    }

    /// Ends a run admitted by ``roomForRun(needing:)`` with `need`.
    func endRun(needing need: Int = FileDescriptors.neededPerRun) {
        state.withLock { state in
            state.admitted = max(0, state.admitted - 1)
            state.admittedNeed = max(0, state.admittedNeed - need)
        }
    }

    /// Releases `owner`'s warm clients, if any (its share was replaced, or it shut down).
    func discard(_ owner: ObjectIdentifier) {
        let gone = state.withLock { state -> [KafkaHandlePool] in
            let mine = state.warm.filter { $0.owner == owner }.map(\.handles)
            state.warm.removeAll { $0.owner == owner }
            return mine
        }
        for pool in gone { pool.close() }
    }

    /// The number of librdkafka clients held warm between runs (for tests and diagnostics).
    public var warmKafkaClientCount: Int {
        state.withLock { $0.warm.reduce(0) { $0 + $1.handles.count } }
    }

    // MARK: HTTP clients

    /// The HTTP client of one route (the proxy that applies to the registry's URL, or none), made on
    /// first use; every client trusts `caFile` when given (one verifier's options for the whole pool).
    func httpClient(proxy: HTTPProxy?, options: ShareVerifier.Options) throws(ConfigurationError) -> HTTPClient {
        let made: Result<HTTPClient, ConfigurationError> = state.withLock { state in
            if let existing = state.clients[proxy] { return .success(existing) }
            // Made under the lock (it reads the CA file once): never two clients for one route.
            do throws(ConfigurationError) {
                let client = try ShareVerifier.makeClient(options, proxy: proxy, idleTimeout: idleConnectionTimeout)
                state.clients[proxy] = client
                return .success(client)
            } catch {
                return .failure(error)
            }
        }
        return try made.get()
    }

    /// Releases every warm client and shuts the HTTP clients down; called when the pool's scope ends.
    func shutdown() async {
        let (warm, clients) = state.withLock { state in
            state.isShutDown = true
            defer {
                state.warm.removeAll()
                state.clients.removeAll()
            }
            return (state.warm.map(\.handles), Array(state.clients.values))
        }
        for pool in warm { pool.close() }
        for client in clients { try? await client.shutdown() }
        reserve.giveBack()
    }
}

/// Runs `body` with a ``MonitorPool`` and releases its clients and connections when `body` returns
/// or throws. Monitors given the pool must not outlive the scope.
///
/// - Parameters:
///   - maximumConcurrentRuns: The most runs at once across the pool's monitors (at least 1); also the
///     number of shares whose Kafka clients are kept warm between runs.
///   - idleConnectionTimeout: How long the pool's HTTP clients keep an idle connection: choose it
///     longer than the interval between runs when the fleet is no larger than the concurrency (then
///     every run reuses its connections), shorter otherwise (connections follow the runs).
///   - body: Uses the pool.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws.
public func withMonitorPool<Result: Sendable>(
    maximumConcurrentRuns: Int,
    idleConnectionTimeout: Duration = ShareMonitor.defaultIdleConnectionTimeout,
    _ body: (MonitorPool) async throws -> Result
) async throws -> Result {
    // The pool's HTTP clients run on NIO's shared event loops, which NIO creates on first use and
    // cannot do without (it stops the process when their descriptors cannot be opened). First used
    // here, while descriptors are plentiful, rather than by a run's first registry request, when a
    // fleet may be using nearly all of them.
    _ = MultiThreadedEventLoopGroup.singleton
    let pool = MonitorPool(maximumConcurrentRuns: maximumConcurrentRuns, idleConnectionTimeout: idleConnectionTimeout)
    do {
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            // Watches for the process running out of descriptors while the body runs.
            group.addTask { await pool.reserve.watch(margin: { pool.descriptorMargin }) }
            defer { group.cancelAll() }
            return try await body(pool)
        }
        await pool.shutdown()
        return result
    } catch {
        await pool.shutdown()
        throw error
    }
}
