#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The health of a share watched over time: what a readiness endpoint answers for it.
///
/// Built from the latest run with ``init(lastReport:lastRunAt:runError:strict:staleAfter:now:)``:
/// healthy when the last run completed recently and passed; failing with the checks at fault;
/// `starting` before any run completed; `stale` when runs stopped completing; `error` when the last
/// attempt could not run at all (a local problem, not a verdict about the share).
public struct ShareHealth: Sendable, Hashable {
    /// The state of a watched share.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// No run has completed yet.
        case starting
        /// The last run passed.
        case ok
        /// The last run had failed checks (or, when strict, warnings).
        case failing
        /// No run has completed for longer than allowed: the loop is stuck.
        case stale
        /// The last attempt could not run (for example the CA file became unreadable).
        case error

        /// The raw value (`ok`, `failing`, …).
        public var description: String { rawValue }
    }

    /// The state.
    public var state: State
    /// When the last run completed, if one has.
    public var lastRunAt: Date?
    /// Why the share is `stale` or in `error`.
    public var message: String?
    /// The summary of the last completed run.
    public var summary: VerificationReport.Summary?
    /// The checks of the last run that count as failing.
    public var failed: [CheckResult]

    /// True only for ``State/ok``.
    public var isHealthy: Bool { state == .ok }

    /// Creates a health value as given.
    public init(
        state: State,
        lastRunAt: Date? = nil,
        message: String? = nil,
        summary: VerificationReport.Summary? = nil,
        failed: [CheckResult] = []
    ) {
        self.state = state
        self.lastRunAt = lastRunAt
        self.message = message
        self.summary = summary
        self.failed = failed
    }

    /// The health that follows from the last run.
    /// - Parameters:
    ///   - lastReport: The last completed run's report, if any.
    ///   - lastRunAt: When it completed.
    ///   - runError: Why the last attempt could not run, if it could not.
    ///   - strict: Warnings count as failures.
    ///   - staleAfter: A last run older than this makes the share `stale`, whatever it said.
    ///   - now: The current time.
    public init(
        lastReport: VerificationReport?,
        lastRunAt: Date?,
        runError: String?,
        strict: Bool,
        staleAfter: Duration,
        now: Date = Date()
    ) {
        guard let report = lastReport, let lastRunAt else {
            self.init(
                state: runError == nil ? .starting : .error,
                message: runError ?? "no run has completed yet"
            )
            return
        }
        let stale = now.timeIntervalSince(lastRunAt) > Double(staleAfter / .milliseconds(1)) / 1000
        let state: State =
            stale ? .stale : (runError != nil ? .error : (report.passed(strict: strict) ? .ok : .failing))
        self.init(
            state: state,
            lastRunAt: lastRunAt,
            message: stale ? "no run has completed for longer than \(staleAfter)" : runError,
            summary: report.summary,
            failed: report.problems(strict: strict)
        )
    }
}
