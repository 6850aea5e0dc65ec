import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import StreamShare
import Synchronization

/// The shares one watch verifies: the `--share` files, and the share files of `--share-dir` as they
/// appear and disappear. Each share runs on its own schedule (its runs never overlap), at most
/// ``Settings/maximumConcurrentRuns`` runs at once across shares; a share taken away is stopped and
/// its Kafka clients and HTTP connections are released.
final class WatchFleet: Service, Sendable {
    struct Settings: Sendable {
        var interval: Duration
        /// The interval as the user wrote it.
        var intervalText: String
        var options: ShareVerifier.Options
        var strict: Bool
        var staleAfter: Duration
        var idleConnectionTimeout: Duration
        var maximumConcurrentRuns: Int
        var logger: Logger
        /// Given to the monitors (debug logging), or nil.
        var monitorLogger: Logger?
        /// Looks a share up on Confluent Cloud by id (with Cloud API credentials), or nil.
        var shareStatus: (@Sendable (String) async -> ConsumerShare?)? = nil
        /// How often a share's status phase is looked up (at the first run, then at most this often).
        var phaseInterval: Duration = .seconds(300)
    }

    /// One watched share.
    private struct Entry: Sendable {
        let state: WatchState
        let task: Task<Void, Never>
        /// Found in --share-dir (and removed when its file goes), not named by --share.
        let fromDirectory: Bool
    }

    private let settings: Settings
    private let directory: String?
    private let entries = Mutex<[String: Entry]>([:])
    /// Files of the directory that are not usable shares, with the signature they were rejected at:
    /// looked at again only once they change.
    private let rejected = Mutex<[String: [String]]>([:])
    /// Runs completed by shares no longer in `entries` (taken away, or stopped at shutdown).
    private let runsOfRemovedShares = Mutex(0)
    private let limiter: RunLimiter
    /// Every share's series, for /metrics.
    let registry = PrometheusCollectorRegistry()

    init(settings: Settings, directory: String?) {
        self.settings = settings
        self.directory = directory
        limiter = RunLimiter(slots: max(1, settings.maximumConcurrentRuns))
    }

    // MARK: the shares

    /// Starts watching a share file.
    /// - Parameter fromDirectory: Found in the directory: stopped when the file goes away.
    func add(path: String, share: RedeemedShare, fromDirectory: Bool = false) {
        let label = uniqueLabel(share.id ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        let state = WatchState(
            label: label,
            strict: settings.strict,
            staleAfter: settings.staleAfter,
            shareID: share.id ?? "",
            registry: registry,
            logger: settings.logger
        )
        let settings = self.settings
        let limiter = self.limiter
        let task = Task {
            await Self.watch(share, path: path, state: state, settings: settings, limiter: limiter)
        }
        entries.withLock { $0[path] = Entry(state: state, task: task, fromDirectory: fromDirectory) }
        let counts =
            "\(share.topics.count) topic(s), \(share.groupPrefixes.count) group prefix(es), \(share.subjects.count) subject(s)"
        settings.logger.info("watching \(path) as share '\(label)' every \(settings.intervalText) (\(counts))")
    }

    /// Stops watching a share file: its run (if any) is cancelled, its clients released, its series
    /// taken out of /metrics.
    func remove(path: String) async {
        guard let entry = entries.withLock({ $0.removeValue(forKey: path) }) else { return }
        entry.task.cancel()
        await entry.task.value
        runsOfRemovedShares.withLock { $0 += entry.state.completedRuns }
        entry.state.metrics.remove()
        settings.logger.notice("\(path) is gone: share '\(entry.state.label)' is no longer watched")
    }

    private func uniqueLabel(_ wanted: String) -> String {
        let used = Set(entries.withLock { $0.values.map(\.state.label) })
        guard used.contains(wanted) else { return wanted }
        var index = 2
        while used.contains("\(wanted)-\(index)") { index += 1 }
        return "\(wanted)-\(index)"
    }

    /// The share files of the directory now: `*.json`, not hidden (a Kubernetes Secret's `..data`).
    private static func shareFiles(in directory: String) -> Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Set(
            names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
                .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
        )
    }

    /// Adds the directory's new share files and removes the ones gone.
    func syncDirectory() async {
        guard let directory else { return }
        let present = Self.shareFiles(in: directory)
        let (watched, fromDirectory) = entries.withLock { entries in
            (Set(entries.keys), Set(entries.filter(\.value.fromDirectory).keys))
        }
        for path in fromDirectory.subtracting(present) { await remove(path: path) }
        for path in present.subtracting(watched).sorted() {
            let signature = WatchedFile.signature(path)
            if rejected.withLock({ $0[path] }) == signature { continue }
            do {
                let share = try ShareFile.read(path).share
                // What the monitor would refuse is refused here, so the file is tried again once it changes.
                _ = try KafkaClientConfig(share: share, options: .init(verifierOptions: settings.options))
                add(path: path, share: share, fromDirectory: true)
                rejected.withLock { _ = $0.removeValue(forKey: path) }
            } catch {
                rejected.withLock { $0[path] = signature }
                settings.logger.error(
                    "\(path) is not a share file the watch can use (\(error)); skipped until it changes"
                )
            }
        }
        rejected.withLock { $0 = $0.filter { present.contains($0.key) } }
    }

    var count: Int { entries.withLock { $0.count } }

    /// Runs completed since the start, by every share watched at any time (also after shutdown).
    var completedRuns: Int {
        runsOfRemovedShares.withLock { $0 } + entries.withLock { $0.values.reduce(0) { $0 + $1.state.completedRuns } }
    }

    // MARK: the service

    /// Picks up the directory's changes until graceful shutdown, then stops every share.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.syncDirectory()
                guard self.directory != nil else {
                    // Only --share files: nothing to pick up; wait for the shutdown.
                    try await Task.sleep(for: .seconds(86_400 * 365))
                    continue
                }
                try await Task.sleep(for: min(self.settings.interval, .seconds(5)))
            }
        }
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for entry in all { entry.task.cancel() }
        for entry in all { await entry.task.value }
        runsOfRemovedShares.withLock { total in total += all.reduce(0) { $0 + $1.state.completedRuns } }
    }

    /// One share's schedule: run, record, wait for the rest of the interval, until cancelled.
    private static func watch(
        _ share: RedeemedShare,
        path: String,
        state: WatchState,
        settings: Settings,
        limiter: RunLimiter
    ) async {
        do {
            try await withShareMonitor(
                share: share,
                options: settings.options,
                idleConnectionTimeout: settings.idleConnectionTimeout,
                logger: settings.monitorLogger
            ) { monitor in
                let file = WatchedFile(path: path)
                var shareID = share.id
                var phaseDue = ContinuousClock.now
                while !Task.isCancelled {
                    let start = ContinuousClock.now
                    if let replaced = await reloadIfChanged(file, monitor: monitor, state: state) {
                        // The old share's phase (DEACTIVATED, say) must not outlive it.
                        state.metrics.clearPhase()
                        shareID = replaced.id
                        phaseDue = start
                    }
                    guard await limiter.acquire() else { return }
                    // The run's duration leaves out the wait for a slot; the slot is given back once the
                    // run is recorded, so that runs of different shares never overlap their lines either.
                    let runStart = ContinuousClock.now
                    let outcome: Result<VerificationReport, any Error>
                    do {
                        outcome = .success(try await monitor.verify())
                    } catch {
                        outcome = .failure(error)
                    }
                    switch outcome {
                    case .success(let report):
                        let line = state.record(report, duration: ContinuousClock.now - runStart)
                        StandardStreams.writeOut(line + "\n")
                        limiter.release()
                    case .failure(is CancellationError):
                        limiter.release()
                        return
                    case .failure(let error):
                        state.recordRunError(error)
                        limiter.release()
                    }
                    if let lookUp = settings.shareStatus, let shareID, ContinuousClock.now >= phaseDue {
                        phaseDue = ContinuousClock.now + settings.phaseInterval
                        if let phase = await lookUp(shareID)?.phase {
                            state.metrics.recordPhase(phase.rawValue)
                        }
                    }
                    // A run that outlasted the interval delays the next one; it never overlaps it.
                    try await Task.sleep(until: start + settings.interval, clock: .continuous)
                }
            }
        } catch is CancellationError {
        } catch {
            state.recordRunError(error)
        }
    }

    /// A share file redeemed again (a new invitation after the provider rotated the key) is picked up
    /// before the next run; an unusable one is reported once and the previous share kept.
    /// - Returns: The new share, when it replaced the previous one.
    private static func reloadIfChanged(
        _ file: WatchedFile,
        monitor: ShareMonitor,
        state: WatchState
    ) async -> RedeemedShare? {
        guard file.changed() else { return nil }
        do {
            let loaded = try ShareFile.read(file.path)
            try await monitor.replaceShare(loaded.share)
            state.shareReplaced(loaded.share, path: file.path)
            return loaded.share
        } catch {
            state.recordError(
                "the share file \(file.path) changed but cannot be used (\(error)); still verifying the previous share"
            )
            return nil
        }
    }

    // MARK: health

    /// `/healthz` and `/readyz`: every share (200 when each one's last run passed), or one share by
    /// its label (404 when no share has it).
    func health(share: String?) -> WatchState.Health {
        let states = entries.withLock { $0.values.map(\.state) }.sorted { $0.label < $1.label }
        if let share {
            guard let state = states.first(where: { $0.label == share }) else {
                return .init(status: 404, body: #"{"message":"no watched share has this name","status":"unknown"}"#)
            }
            return state.health
        }
        guard !states.isEmpty else {
            return .init(status: 503, body: #"{"message":"no share to watch yet","shares":[],"status":"starting"}"#)
        }
        let healths = states.map(\.health)
        let ok = healths.allSatisfy { $0.status == 200 }
        let status =
            ok ? "ok" : (healths.contains { $0.body.contains(#""status":"starting""#) } ? "starting" : "failing")
        return .init(
            status: ok ? 200 : 503,
            body: #"{"shares":["# + healths.map(\.body).joined(separator: ",") + #"],"status":""# + status + #""}"#
        )
    }
}

/// At most `slots` runs at once, first come first served.
final class RunLimiter: Sendable {
    private struct State {
        var available: Int
        var waiting: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(slots: Int) { state = Mutex(State(available: slots)) }

    /// Waits for a slot; false, at once, when the task is cancelled meanwhile (then nothing is taken).
    func acquire() async -> Bool {
        let id = state.withLock { state -> Int? in
            guard state.available == 0 else {
                state.available -= 1
                return nil
            }
            state.nextID += 1
            return state.nextID
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
}
