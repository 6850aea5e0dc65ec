/// The one race of an answer against a deadline: the body runs as one child of a task group and a
/// sleep as the other; whichever ends first decides, and the other is cancelled.
enum Deadline {
    /// `body`'s answer, or nil when it took longer than `budget` (it is then cancelled).
    static func answer<Value: Sendable>(
        within budget: Duration,
        _ body: @escaping @Sendable () async -> Value?
    ) async -> Value? {
        await withTaskGroup(of: Value?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: budget)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
