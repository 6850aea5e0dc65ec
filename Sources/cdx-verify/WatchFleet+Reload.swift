import StreamShare

/// Share files rewritten in place: reloaded before a run, their share id checked as a new file's.
extension WatchFleet {
    /// A share file redeemed again (a new invitation after the provider rotated the key) is picked up
    /// before the next run; an unusable one is reported once and the previous share kept. Its share id
    /// is checked as a new file's is: one that another watched file holds is refused (the previous
    /// share kept), one that falls to another shard is no longer watched here (a directory's file is
    /// looked at again once it changes).
    /// - Returns: The new share, when it replaced the previous one.
    func reloadIfChanged(
        _ file: WatchedFile,
        monitor: ShareMonitor,
        state: WatchState
    ) async -> RedeemedShare? {
        guard file.changed() else { return nil }
        let unusable = "the share file \(file.path) changed but cannot be used"
        let share: RedeemedShare
        let prepared: PreparedConfiguration
        do {
            let loaded = try ShareFile.read(file.path).prepared
            share = loaded.share
            prepared = try prepare(loaded)
        } catch {
            state.recordError("\(unusable) (\(error)); still verifying the previous share")
            return nil
        }
        guard isMine(share, path: file.path) else {
            if entries.withLock({ $0[file.path]?.fromDirectory }) == true {
                rejected.withLock { $0[file.path] = Rejection(signature: WatchedFile.signature(file.path)) }
            }
            remove(
                path: file.path,
                because: "now holds share \(share.id ?? "?"), which falls to another shard than \(shardText)"
            )
            return nil
        }
        let previousID: String?
        do {
            previousID = try claim(share.id, path: file.path)
        } catch {
            state.recordError("\(unusable) (\(error)); still verifying the previous share")
            return nil
        }
        do {
            try await monitor.replaceShare(configuration: prepared)
        } catch {
            entries.withLock { $0[file.path]?.shareID = previousID }
            state.recordError("\(unusable) (\(error)); still verifying the previous share")
            return nil
        }
        state.shareReplaced(share, path: file.path)
        if previousID != share.id { released(previousID) }
        return share
    }

    /// Gives the share file at `path`, rewritten in place, the share id `id` — unless another watched
    /// file holds it, as ``add(path:prepared:fromDirectory:)`` refuses a new file's.
    /// - Returns: The id the file held before (to give it back if the new share cannot be used).
    func claim(_ id: String?, path: String) throws(AddError) -> String? {
        try entries.withLock { (entries) throws(AddError) -> String? in
            if let id, let other = entries.values.first(where: { $0.shareID == id && $0.path != path }) {
                throw .duplicateID(id, path: path, other: other.path)
            }
            let previous = entries[path]?.shareID
            entries[path]?.shareID = id
            return previous
        }
    }
}
