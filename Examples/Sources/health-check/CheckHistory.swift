import StreamShare

/// Remembers whether each check failed in its latest run, and tells which ones changed.
///
/// `warn` counts as passing. A `skip` (the check did not run because something it depends on failed)
/// says nothing about the check and leaves its state as it was.
struct CheckHistory {
    /// A check that went from passing to failing, or back.
    struct Change {
        /// The check's result in the run that changed it.
        let check: CheckResult
        /// `true` when it started failing, `false` when it passes again.
        let isFailing: Bool
    }

    /// Whether each check (by `qualifiedID`) failed when it last ran.
    private var failing: [String: Bool] = [:]

    /// Records a run.
    /// - Parameter report: The run's report.
    /// - Returns: The checks whose state differs from their previous run; none on the first run.
    mutating func record(_ report: VerificationReport) -> [Change] {
        var changes: [Change] = []
        for check in report.checks {
            let isFailing: Bool
            switch check.status {
            case .pass, .warn: isFailing = false
            case .fail: isFailing = true
            case .skip: continue
            }
            let previous = failing.updateValue(isFailing, forKey: check.qualifiedID)
            if let previous, previous != isFailing {
                changes.append(Change(check: check, isFailing: isFailing))
            }
        }
        return changes
    }
}
