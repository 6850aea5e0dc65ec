import ArgumentParser
import Logging
import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verify-and-report: the verification (with the CDX API's look-ups when Cloud API credentials are
/// at hand), the report rendered or written, and the documented exit code.
enum Verifying {
    /// Verifies, renders, and exits with the documented code.
    static func verify(
        _ prepared: PreparedShare,
        options: VerifyOptions,
        verifierOptions: ShareVerifier.Options,
        consumer: ConsumerConfiguration? = nil,
        wait: WaitPolicy = .none,
        cloud: CloudOptions? = nil,
        console: Console,
        logger: Logger?
    ) async throws -> Never {
        // With Cloud API credentials at hand, the library looks up a PrivateLink share's network before
        // the checks, and explains a refused key by the share's status (each within 5 s).
        let cdx = cloud.flatMap {
            try? $0.client(logger: logger, retryPolicy: .never, requestTimeout: .seconds(5))
        }
        let share = prepared.share
        console.progress(
            "verifying \(share.topics.count) topic(s), \(share.groupPrefixes.count) group prefix(es), "
                + "\(share.subjects.count) subject(s) …"
        )
        let report: VerificationReport
        do {
            report = try await ShareVerifier(options: verifierOptions, cdx: cdx, logger: logger).verify(
                prepared: prepared,
                consumer: consumer,
                waiting: wait
            ) {
                // With debug logs on stderr, a line that rewrites itself would be interleaved with them.
                if logger == nil {
                    console.status(waitLine($0, policy: wait))
                } else {
                    console.info(waitLine($0, policy: wait))
                }
            }
            console.endStatus()
        } catch {
            console.endStatus()
            throw CommandFailure.report(error, console: console)
        }
        let document = report.rendered(
            as: options.reportFormat,
            color: options.reportOutput == nil && options.reportFormat == .text && console.color
        )
        if let output = options.reportOutput {
            do {
                // Checked again here: the file may have become a share since the command started.
                try ShareFiles.checkReportDestination(output, shares: [])
                // Mode 0600, renamed into place over a regular file only: /dev/null or /dev/stdout are
                // written to, never replaced.
                try ShareFile.write(Data(document.utf8), to: output, overwrite: true)
            } catch let error as ValidationError {
                console.error(error.message)
                throw Exit.invalidInput
            } catch {
                console.error("cannot write the report to '\(output)'")
                throw Exit.invalidInput
            }
            let summary = report.summary
            console.info(
                "\(summary.status.rawValue.uppercased()): \(summary.failed) failed, \(summary.warned) warning(s), "
                    + "\(summary.passed) passed; report written to \(output)"
            )
        } else {
            console.output(document)
        }
        throw report.passed(strict: options.strict) ? Exit.passed : Exit.checksFailed
    }

    /// The status line before a pause of `--wait`.
    static func waitLine(_ progress: WaitProgress, policy: WaitPolicy) -> String {
        let elapsed = "\(progress.elapsed.components.seconds) s of \(policy.duration.components.seconds) s"
        let next = "next try in \(progress.pause.components.seconds) s"
        if progress.waitingForKey {
            return "waiting for the new key to become active… \(elapsed) (\(next))"
        }
        let failing = progress.report.failures.prefix(3).map { "\($0.qualifiedID): \($0.code)" }
        let more = progress.report.failures.count > 3 ? ", …" : ""
        return "\(progress.report.failures.count) check(s) failing (\(failing.joined(separator: ", "))\(more)); "
            + "waiting… \(elapsed) (\(next))"
    }
}
