#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension ShareMonitor {
    /// One scheduled run of a monitor: its report, or why it could not be made.
    public struct Run: Sendable {
        /// 1 for the first run of the sequence, then 2, 3, …
        public let number: Int
        /// When the run started (after any wait for a ``MonitorPool`` slot).
        public let startedAt: Date
        /// How long the run took (the wait for a slot left out).
        public let duration: Duration
        /// The report, or the error that kept the run from being made (a ``ConfigurationError`` when
        /// the CA file became unreadable, say): a local problem, never a verdict about the share.
        public let result: Result<VerificationReport, any Error>

        /// The report, when the run was made.
        public var report: VerificationReport? { try? result.get() }
    }

    /// The monitor's runs on a schedule: the first at once, then one every `interval` from the start
    /// of one run to the start of the next. A run that outlasts the interval delays the next one; runs
    /// never overlap. The sequence ends when the iterating task is cancelled or the monitor's scope
    /// ends; a run that cannot be made is an element (``Run/result`` holds the error), not the end.
    ///
    /// ```swift
    /// var tracker = CheckChangeTracker()
    /// for await run in monitor.reports(every: .seconds(60)) {
    ///     guard let report = run.report else { continue }
    ///     let changes = tracker.record(report)
    ///     // log changes.failed and changes.recovered, export report.summary …
    /// }
    /// ```
    /// - Parameters:
    ///   - interval: From the start of one run to the start of the next.
    ///   - beforeEachRun: Called before each run, when it is due (for example to pick up a share file
    ///     that was redeemed again with ``replaceShare(_:)``).
    /// - Returns: The runs, as they are made.
    public nonisolated func reports(
        every interval: Duration,
        beforeEachRun: @escaping @Sendable (ShareMonitor) async -> Void = { _ in }
    ) -> Reports {
        Reports(monitor: self, interval: interval, beforeEachRun: beforeEachRun)
    }

    /// The runs of a monitor on a schedule; see ``ShareMonitor/reports(every:beforeEachRun:)``.
    public struct Reports: AsyncSequence, Sendable {
        /// Each element is one run.
        public typealias Element = Run

        let monitor: ShareMonitor
        let interval: Duration
        let beforeEachRun: @Sendable (ShareMonitor) async -> Void

        /// Makes the iterator: the first run is due at once.
        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(reports: self)
        }

        /// Makes each run when it is due.
        public struct AsyncIterator: AsyncIteratorProtocol {
            let reports: Reports
            private var due: ContinuousClock.Instant?
            private var number = 0

            init(reports: Reports) {
                self.reports = reports
            }

            /// Waits until the next run is due, makes it and returns it; `nil` once the task is
            /// cancelled or the monitor has shut down.
            public mutating func next() async -> Run? {
                if let due {
                    do {
                        try await Task.sleep(until: due, clock: .continuous)
                    } catch {
                        return nil
                    }
                }
                guard !Task.isCancelled else { return nil }
                let start = ContinuousClock.now
                due = start + reports.interval
                await reports.beforeEachRun(reports.monitor)
                let result: Result<TimedRun, any Error>
                do {
                    result = .success(try await reports.monitor.timedRun())
                } catch is CancellationError {
                    return nil
                } catch ShareMonitorError.shutDown {
                    return nil
                } catch {
                    result = .failure(error)
                }
                number += 1
                let run = try? result.get()
                return Run(
                    number: number,
                    startedAt: run?.startedAt ?? Date(),
                    duration: run?.duration ?? .zero,
                    result: result.map(\.report)
                )
            }
        }
    }
}
