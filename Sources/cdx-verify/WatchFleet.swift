import Logging
import Prometheus
import ServiceLifecycle
import StreamShare
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The shares one watch verifies: the `--share` files, and the share files of `--share-dir` as they
/// appear and disappear. Each share runs on its own schedule (the library's
/// ``ShareMonitor/reports(every:beforeEachRun:)``), at most ``Settings/maximumConcurrentRuns`` runs at
/// once across shares (a ``MonitorPool``): Kafka clients and registry connections follow the runs,
/// not the shares. A share taken away is stopped and its series are taken out of /metrics.
///
/// A share file is known by the file it resolves to (device and inode), so every spelling of one file
/// is one share; two files holding the same share id are refused.
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
        /// This replica's shard (`--shard K/N`); nil: every share.
        var shard: Shard? = nil
        /// Freshness and lag series per partition (else per topic: `--no-partition-metrics`).
        var partitionMetrics = true
    }

    /// One watched share.
    struct Entry: Sendable {
        let path: String
        /// The file the path led to when last looked at (aliases of a watched file are refused).
        var identity: FileIdentity
        /// Taken again when the file is rewritten with another share.
        var shareID: String?
        let state: WatchState
        /// Found in --share-dir (and removed when its file goes), not named by --share.
        let fromDirectory: Bool
        /// Finished when the share is taken away: its schedule ends.
        let removal: AsyncStream<Never>.Continuation
    }

    /// A share to start, handed to the service's task group.
    private struct Start: Sendable {
        let path: String
        /// The share and its configuration, validated when the file was read.
        let prepared: PreparedConfiguration
        let state: WatchState
        let removed: AsyncStream<Never>
    }

    let settings: Settings
    private let directory: String?
    /// By path as given (a file rewritten in place, with a new inode, stays the same share and is
    /// reloaded by its schedule); the file identity of each tells aliases apart.
    let entries = Mutex<[String: Entry]>([:])
    /// Files of the directory that are not usable shares, with the signature they were rejected at:
    /// looked at again once they change, or, refused for a share id another file held, once that
    /// file lets the id go.
    let rejected = Mutex<[String: Rejection]>([:])

    /// Why a directory's file is not watched, and as what it was seen.
    struct Rejection: Sendable {
        /// ``WatchedFile/signature(_:)`` of the file when it was rejected.
        var signature: [String]
        /// The share id another watched file held, when that was the reason.
        var heldID: String? = nil
    }
    private let starts: AsyncStream<Start>
    private let startsContinuation: AsyncStream<Start>.Continuation
    /// Runs completed by every share the watch has had, those taken away included.
    private let runs = Atomic<Int>(0)
    /// Every share's series, for /metrics.
    let registry = PrometheusCollectorRegistry()

    init(settings: Settings, directory: String?) {
        self.settings = settings
        self.directory = directory
        (starts, startsContinuation) = AsyncStream.makeStream(of: Start.self)
    }

    // MARK: the shares

    /// Whether a share falls to this replica: by its id, else its file name (the same on every replica).
    func isMine(_ share: RedeemedShare, path: String) -> Bool {
        guard let shard = settings.shard else { return true }
        return shard.contains(shareID: share.id ?? URL(fileURLWithPath: path).lastPathComponent)
    }

    /// `K/N`, or "every share".
    var shardText: String { settings.shard.map { "shard \($0)" } ?? "every share" }

    /// Why a share file cannot be added.
    enum AddError: Error, CustomStringConvertible {
        case alreadyWatched(path: String, as: String)
        case duplicateID(String, path: String, other: String)
        case unreadable(path: String)

        var description: String {
            switch self {
            case .alreadyWatched(let path, let other):
                "\(path) is the file \(other) already names; it is watched once"
            case .duplicateID(let id, let path, let other):
                "\(path) holds share \(id), which \(other) holds too; watch one of them"
            case .unreadable(let path): "\(path) cannot be looked at"
            }
        }
    }

    /// Starts watching a share file.
    /// - Parameters:
    ///   - prepared: The share and its configuration, validated with the watch's options (``prepare(_:)``).
    ///   - fromDirectory: Found in the directory: stopped when the file goes away.
    /// - Throws: ``AddError`` when the file is one already watched, or its share id is.
    func add(
        path: String,
        prepared: PreparedConfiguration,
        fromDirectory: Bool = false
    ) throws(AddError) {
        let share = prepared.share
        guard let identity = FileIdentity(path: path) else { throw .unreadable(path: path) }
        let wanted = share.id ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let (removed, removal) = AsyncStream.makeStream(of: Never.self)
        let state: WatchState = try entries.withLock { (entries) throws(AddError) -> WatchState in
            if let same = entries[path] ?? entries.values.first(where: { $0.identity == identity }) {
                throw .alreadyWatched(path: path, as: same.path)
            }
            if let id = share.id, let other = entries.values.first(where: { $0.shareID == id }) {
                throw .duplicateID(id, path: path, other: other.path)
            }
            let state = WatchState(
                label: Self.uniqueLabel(wanted, used: Set(entries.values.map(\.state.label))),
                strict: settings.strict,
                staleAfter: settings.staleAfter,
                shareID: share.id ?? "",
                registry: registry,
                partitionMetrics: settings.partitionMetrics,
                logger: settings.logger
            )
            entries[path] = Entry(
                path: path,
                identity: identity,
                shareID: share.id,
                state: state,
                fromDirectory: fromDirectory,
                removal: removal
            )
            return state
        }
        startsContinuation.yield(Start(path: path, prepared: prepared, state: state, removed: removed))
        settings.logger.info(
            "watching \(path) as share '\(state.label)' every \(settings.intervalText) (\(share.resourceCounts))"
        )
    }

    /// The share's configuration, validated with the watch's options: built once, for the monitor.
    func prepare(_ share: PreparedShare) throws(ConfigurationError) -> PreparedConfiguration {
        try PreparedConfiguration(prepared: share, options: settings.options)
    }

    /// Stops watching a share file: its run (if any) is cancelled and its series are taken out of
    /// /metrics now, before another share may take its label (collectors with the same name and labels
    /// are the same objects in the registry).
    func remove(path: String, because reason: String = "is gone") {
        guard let entry = entries.withLock({ $0.removeValue(forKey: path) }) else { return }
        entry.removal.finish()
        entry.state.metrics.remove()
        settings.logger.notice("\(entry.path) \(reason): share '\(entry.state.label)' is no longer watched")
        released(entry.shareID)
    }

    /// A share id no watched file holds any more: the files refused for it are looked at again at the
    /// next scan of the directory.
    func released(_ id: String?) {
        guard let id else { return }
        rejected.withLock { $0 = $0.filter { $0.value.heldID != id } }
    }

    /// Whether the share file at `path` is still watched with this state (not taken away meanwhile).
    private func isWatched(_ path: String, as state: WatchState) -> Bool {
        entries.withLock { $0[path]?.state === state }
    }

    private static func uniqueLabel(_ wanted: String, used: Set<String>) -> String {
        guard used.contains(wanted) else { return wanted }
        var index = 2
        while used.contains("\(wanted)-\(index)") { index += 1 }
        return "\(wanted)-\(index)"
    }

    /// The share files of the directory now, by path, with the identity of each (`nil` for one that
    /// cannot be looked at now, a dangling link say: it is neither added nor taken for gone): `*.json`,
    /// not hidden (a Kubernetes Secret's `..data`); `nil` when the directory cannot be listed (that
    /// says nothing about its files).
    private static func shareFiles(in directory: String) -> [String: FileIdentity?]? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        var files: [String: FileIdentity?] = [:]
        for name in names where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            files[path] = FileIdentity(path: path)
        }
        return files
    }

    /// Adds the directory's new share files and removes the ones gone. A listing that fails changes
    /// nothing.
    func syncDirectory() {
        guard let directory else { return }
        guard let present = Self.shareFiles(in: directory) else {
            settings.logger.warning("cannot list \(directory) now; every share is kept until it can be listed")
            return
        }
        let (watched, fromDirectory) = entries.withLock { entries in
            // A file rewritten in place (a new inode at the same path) is known by its new identity.
            for (path, identity) in present {
                if let identity, entries[path] != nil { entries[path]?.identity = identity }
            }
            return (Set(entries.values.map(\.identity)), Set(entries.filter(\.value.fromDirectory).keys))
        }
        for path in fromDirectory.subtracting(present.keys) { remove(path: path) }
        for (path, identity) in present.sorted(by: { $0.key < $1.key }) {
            // Watched already (this path, or another spelling of the same file), or not to be looked at now.
            guard let identity, !watched.contains(identity) else { continue }
            let signature = WatchedFile.signature(path)
            if rejected.withLock({ $0[path]?.signature }) == signature { continue }
            do {
                let loaded = try ShareFile.read(path).prepared
                let share = loaded.share
                guard isMine(share, path: path) else {
                    // Another replica's: looked at again only once the file changes.
                    rejected.withLock { $0[path] = Rejection(signature: signature) }
                    settings.logger.debug("\(path) falls to another shard than \(shardText)")
                    continue
                }
                // What the monitor would refuse is refused here, so the file is tried again once it
                // changes; what is built is the monitor's.
                try add(path: path, prepared: try prepare(loaded), fromDirectory: true)
                rejected.withLock { _ = $0.removeValue(forKey: path) }
            } catch {
                // The process's own shortage says nothing about the file: it is tried again next time.
                if let short = FileDescriptors.shortage(needing: 8) {
                    settings.logger.warning(
                        "\(path) is not watched yet: out of file descriptors (\(short.open) of \(short.limit) open)"
                    )
                    continue
                }
                let heldID: String? = if case .duplicateID(let id, _, _)? = error as? AddError { id } else { nil }
                rejected.withLock { $0[path] = Rejection(signature: signature, heldID: heldID) }
                let until =
                    heldID.map { "until it changes or the other file no longer holds \($0)" } ?? "until it changes"
                settings.logger.error("\(path) is not a share file the watch can use (\(error)); skipped \(until)")
            }
        }
        let paths = Set(present.keys)
        rejected.withLock { $0 = $0.filter { paths.contains($0.key) } }
    }

    /// Runs completed so far, by every share.
    var completedRuns: Int { runs.load(ordering: .relaxed) }

    // MARK: the service

    /// Runs every share's schedule and picks up the directory's changes until graceful shutdown, then
    /// stops every share.
    func run() async throws {
        let settings = settings
        try await withMonitorPool(
            maximumConcurrentRuns: settings.maximumConcurrentRuns,
            idleConnectionTimeout: settings.idleConnectionTimeout
        ) { pool in
            await cancelWhenGracefulShutdown {
                // Discarding: a share's finished schedule (removed, say) leaves nothing behind.
                await withDiscardingTaskGroup { group in
                    group.addTask { try? await self.scanDirectory() }
                    // Ends when the task is cancelled (graceful shutdown): then every schedule is cancelled.
                    for await start in self.starts {
                        group.addTask { await self.watch(start, pool: pool) }
                    }
                    group.cancelAll()
                }
            }
        }
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for entry in all { entry.removal.finish() }
    }

    /// Looks at the directory every few seconds (no more often than the interval).
    private func scanDirectory() async throws {
        guard directory != nil else { return }
        while !Task.isCancelled {
            syncDirectory()
            try await Task.sleep(for: min(settings.interval, .seconds(5)))
        }
    }

    /// One share's schedule until it is removed (its series are taken out then, by remove(path:)) or
    /// the watch stops.
    private func watch(_ start: Start, pool: MonitorPool) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.schedule(start, pool: pool) }
            group.addTask { for await _ in start.removed {} }
            await group.next()
            group.cancelAll()
        }
    }

    /// Runs, records, and looks the share's phase up, until cancelled.
    private func schedule(_ start: Start, pool: MonitorPool) async {
        let settings = settings
        let state = start.state
        let phase = PhaseLookup(shareID: start.prepared.share.id)
        do {
            try await withShareMonitor(
                configuration: start.prepared,
                options: settings.options,
                idleConnectionTimeout: settings.idleConnectionTimeout,
                pool: pool,
                logger: settings.monitorLogger
            ) { monitor in
                let file = WatchedFile(path: start.path)
                let runs = monitor.reports(every: settings.interval) { monitor in
                    if let replaced = await self.reloadIfChanged(file, monitor: monitor, state: state) {
                        // The old share's phase (DEACTIVATED, say) must not outlive it.
                        state.metrics.clearPhase()
                        phase.reset(shareID: replaced.id)
                    }
                }
                for await run in runs {
                    // Taken away meanwhile (by the run's own reload, say): its series are gone and stay so.
                    guard self.isWatched(start.path, as: state) else { break }
                    switch run.result {
                    case .success(let report):
                        StandardStreams.writeOut(state.record(run, report: report) + "\n")

                        self.runs.add(1, ordering: .relaxed)
                    case .failure(let error):
                        StandardStreams.writeOut(state.recordRunError(error, run: run.number) + "\n")
                    }
                    if let lookUp = settings.shareStatus, let shareID = phase.due(every: settings.phaseInterval),
                        let found = await lookUp(shareID)?.phase
                    {
                        state.metrics.recordPhase(found.rawValue)
                    }
                }
            }
        } catch is CancellationError {
        } catch {
            state.recordRunError(error)
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
        let status = ok ? "ok" : (healths.contains { $0.state == .starting } ? "starting" : "failing")
        return .init(
            status: ok ? 200 : 503,
            body: #"{"shares":["# + healths.map(\.body).joined(separator: ",") + #"],"status":""# + status + #""}"#
        )
    }
}
