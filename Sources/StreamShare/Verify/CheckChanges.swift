/// What changed between two runs of the same share: the checks that started failing, the ones that
/// recovered, and the ones still failing.
///
/// A skipped check (its prerequisite failed) says nothing about its own state: it neither fails nor
/// recovers, and its last known status is kept for the next run.
public struct CheckChanges: Sendable, Hashable {
    /// One check whose state changed.
    public struct Change: Sendable, Hashable {
        /// The check as the latest run reported it.
        public var check: CheckResult
        /// Its status in the run before, or `nil` the first time it is seen.
        public var previous: CheckStatus?

        /// Creates a change.
        public init(check: CheckResult, previous: CheckStatus?) {
            self.check = check
            self.previous = previous
        }
    }

    /// Checks failing now that were not before (passing, warning — unless strict — or never seen).
    public var failed: [Change]
    /// Checks passing (or, unless strict, warning) now that were failing before.
    public var recovered: [Change]
    /// Checks failing now that were failing before too.
    public var stillFailing: [CheckResult]

    /// Creates changes.
    public init(failed: [Change] = [], recovered: [Change] = [], stillFailing: [CheckResult] = []) {
        self.failed = failed
        self.recovered = recovered
        self.stillFailing = stillFailing
    }

    /// True when no check started failing or recovered.
    public var isEmpty: Bool { failed.isEmpty && recovered.isEmpty }
}

/// Follows the checks of one share from run to run and says what changed, once per change.
///
/// ```swift
/// var tracker = CheckChangeTracker(strict: false)
/// for await run in monitor.reports(every: .seconds(60)) {
///     guard case .success(let report) = run.result else { continue }
///     let changes = tracker.record(report)
///     for change in changes.failed { logger.error("\(change.check.qualifiedID) failing") }
///     for change in changes.recovered { logger.notice("\(change.check.qualifiedID) recovered") }
/// }
/// ```
public struct CheckChangeTracker: Sendable, Hashable {
    /// Warnings count as failures.
    public let strict: Bool
    /// The last known status of each check, by ``CheckResult/qualifiedID`` (skips are not recorded).
    public private(set) var statuses: [String: CheckStatus] = [:]

    /// Creates a tracker that has seen no run.
    /// - Parameter strict: Treat warnings as failures.
    public init(strict: Bool = false) {
        self.strict = strict
    }

    /// Whether `status` counts as failing for this tracker.
    public func isFailing(_ status: CheckStatus) -> Bool {
        status == .fail || (strict && status == .warn)
    }

    /// Records a run and returns what changed since the run before.
    /// - Parameter report: The latest run of the share.
    /// - Returns: The checks that started failing, recovered, or are still failing.
    public mutating func record(_ report: VerificationReport) -> CheckChanges {
        var changes = CheckChanges()
        for check in report.checks where check.status != .skip {
            let previous = statuses.updateValue(check.status, forKey: check.qualifiedID)
            let failing = isFailing(check.status)
            let wasFailing = previous.map(isFailing) ?? false
            switch (wasFailing, failing) {
            case (false, true): changes.failed.append(.init(check: check, previous: previous))
            case (true, false): changes.recovered.append(.init(check: check, previous: previous))
            case (true, true): changes.stillFailing.append(check)
            case (false, false): break
            }
        }
        return changes
    }
}
