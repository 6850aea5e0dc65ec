import ArgumentParser
import AsyncHTTPClient
import Logging
import StreamShare
import StreamShareSandbox

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the subcommands share: redeem-and-save, verify-and-report, and the one place where errors
/// become messages and exit codes.
enum Runner {
    /// A default share file name in the current directory that never overwrites.
    static func defaultSharePath() -> String {
        // Local time, as the C library reads the time zone (no Foundation formatter: ICU data).
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y%m%d-%H%M%S", &local)
        let stamp = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var path = "share-\(stamp).json"
        var counter = 2
        while FileManager.default.fileExists(atPath: path) {
            path = "share-\(stamp)-\(counter).json"
            counter += 1
        }
        return path
    }

    /// Redeems and saves (0600, before validation); errors are printed and mapped to exit codes.
    static func redeem(
        cloud: CloudOptions,
        token: TokenOptions,
        savePath: String,
        overwrite: Bool,
        console: Console,
        logger: Logger?,
        retryPolicy: RetryPolicy = RetryPolicy()
    ) async throws -> RedeemedShare {
        let request = try token.request()
        let client = try Self.client(cloud: cloud, logger: logger, retryPolicy: retryPolicy)
        if token.skipPreview {
            console.info("--skip-preview: redeeming without reading what the token shares first")
        } else {
            try await checkPreview(client: client, request: request, console: console)
        }
        console.progress("redeeming the share token at \(cloud.resolvedAPIURL) …")
        // From here on the token may be spent: SIGINT and SIGTERM wait until the answer is saved or printed.
        let (outcome, signal) = await RedeemSignals.holding { () async -> Result<RedeemedShare, any Error> in
            do {
                let share = try await client.redeem(
                    request,
                    savingTo: savePath,
                    overwrite: overwrite,
                    checkingPrivateNetworking: false  // checked above, with what to say
                )
                console.info("saved the redeemed share to \(savePath) (mode 0600)")
                return .success(share)
            } catch {
                return .failure(fail(error, console: console))
            }
        }
        if let signal {
            console.info("stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM") once the redeem's answer was handled")
            throw ExitCode(128 + signal)
        }
        return try outcome.get()
    }

    /// A CDX API client for `--api-url` with the Cloud API credentials, through the proxy that applies.
    static func client(
        cloud: CloudOptions,
        logger: Logger?,
        retryPolicy: RetryPolicy = RetryPolicy(),
        requestTimeout: Duration = .seconds(30)
    ) throws -> CDXClient {
        let baseURL = try cloud.baseURL()
        return CDXClient(
            credentials: try cloud.credentials(),
            configuration: .init(
                baseURL: baseURL,
                requestTimeout: requestTimeout,
                retryPolicy: retryPolicy,
                proxy: try cloud.proxyOptions.proxy(for: baseURL, logger: logger)
            ),
            logger: logger
        )
    }

    /// Reads an object from the CDX API and prints it as text or JSON; an API error is printed once and
    /// becomes exit 2.
    static func show<Value: Encodable>(
        _ format: ObjectFormat,
        cloud: CloudOptions,
        output: OutputOptions,
        text: (Value) -> String,
        _ read: (CDXClient) async throws(CDXAPIError) -> Value
    ) async throws {
        let console = output.console
        let client = try Self.client(cloud: cloud, logger: output.logger)
        let value: Value
        do {
            value = try await read(client)
        } catch {
            throw fail(error, console: console)
        }
        switch format {
        case .json: console.output(try ShareText.json(value))
        case .text: console.output(text(value))
        }
    }

    /// The library's check before a redeem (``CDXClient/checkBeforeRedeeming(_:)``), said on the
    /// console: a PrivateLink share whose cloud has no account in the request is refused (exit 3, the
    /// token unspent, naming the flag to add); an API without the preview is said and the redeem goes on;
    /// other failures stop as a redeem error would.
    static func checkPreview(client: CDXClient, request: RedeemTokenRequest, console: Console) async throws {
        console.progress("reading what the token shares (the token is not spent) …")
        do {
            if case .unavailable(let status) = try await client.checkBeforeRedeeming(request) {
                console.warning(
                    "the CDX API did not preview the token (HTTP \(status)); redeeming without checking "
                        + "whether the share needs a PrivateLink account"
                )
            }
        } catch let refused as PrivateNetworkingAccountMissing {
            let flags = refused.clouds.map { cloud in TokenOptions.accountFlag(for: cloud).map { "\($0) <id>" } }
            let known = flags.compactMap { $0 }
            var hint = known.isEmpty ? "" : "add " + known.joined(separator: " and ")
            hint +=
                known.isEmpty ? "" : " (the account that will create the private endpoint), then run the command again"
            if known.count < flags.count {
                let clouds = refused.clouds.map { $0.rawValue.isEmpty ? "an unnamed cloud" : $0.rawValue }
                hint +=
                    (hint.isEmpty ? "" : "; ") + "this version has no flag for \(clouds.joined(separator: ", ")): "
                    + "--skip-preview redeems anyway"
            }
            console.error(refused.description, hint: hint)
            throw Exit.invalidInput
        } catch {
            throw fail(error, console: console)
        }
    }

    /// Verifies, renders, and exits with the documented code.
    static func verify(
        _ share: RedeemedShare,
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
            try? client(cloud: $0, logger: logger, retryPolicy: .never, requestTimeout: .seconds(5))
        }
        console.progress(
            "verifying \(share.topics.count) topic(s), \(share.groupPrefixes.count) group prefix(es), "
                + "\(share.subjects.count) subject(s) …"
        )
        let report: VerificationReport
        do {
            report = try await ShareVerifier(options: verifierOptions, cdx: cdx, logger: logger).verify(
                share,
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
            throw fail(error, console: console)
        }
        let document = report.rendered(
            as: options.reportFormat,
            color: options.reportOutput == nil && options.reportFormat == .text && console.color
        )
        if let output = options.reportOutput {
            do {
                // Checked again here: the file may have become a share since the command started.
                try checkReportDestination(output, shares: [])
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

    /// Refuses a report destination that is one of `shares` (the share being read or saved), or any
    /// file that holds a share: a report written there would destroy one-time credentials.
    static func checkReportDestination(_ output: String, shares: [String]) throws {
        for share in shares where sameFile(output, share) {
            throw ValidationError("--output '\(output)' is the share file; choose another file for the report")
        }
        guard holdsShare(output) else { return }
        throw ValidationError("--output '\(output)' holds a share (api_key, secret); it is never replaced by a report")
    }

    /// Whether the file at `path` holds a share (a JSON object with `api_key` and `secret`).
    static func holdsShare(_ path: String) -> Bool {
        // Only a regular file can hold a share: reading a FIFO or a terminal (/dev/stdout) would block.
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= ShareFile.maximumSize,
            let data = try? BoundedFileRead.contents(of: path, limit: ShareFile.maximumSize),
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return false }
        return object["api_key"] != nil && object["secret"] != nil
    }

    /// Whether two paths name the same file (after symbolic links), or would.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        if resolved(first) == resolved(second) { return true }
        var a = stat()
        var b = stat()
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
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

    /// Prints an error once, in one or two lines, and returns its exit code.
    static func fail(_ error: any Error, console: Console) -> any Error {
        switch error {
        case let error as ExitCode:
            return error
        case let error as ValidationError:
            return error
        case let error as CDXAPIError:
            console.error(error.summary, hint: error.hint)
            return Exit.apiError
        case let error as ShareFileError:
            if let unsaved = error.unsavedResponse {
                // The last copy of one-time credentials: standard output, as received, rather than nothing.
                console.error(
                    error.description,
                    hint: "the redeem response (with the credentials) follows on standard output, as received: "
                        + "save it now (for example: cdx-verify … > share.json; chmod 600 share.json)"
                )
                console.output(unsaved.revealed.hasSuffix("\n") ? unsaved.revealed : unsaved.revealed + "\n")
                return Exit.invalidInput
            }
            console.error(
                error.description,
                hint: error.code == .alreadyExists ? "choose another --save/--out file" : nil
            )
            return Exit.invalidInput
        case let error as ShareValidationError:
            console.error("the share is not usable: \(error)")
            return Exit.invalidInput
        case let error as ConfigurationError:
            console.error("invalid client configuration: \(error)")
            return Exit.invalidInput
        case let error as VerificationFailure:
            console.error(error.description)
            return Exit.checksFailed
        default:
            console.error("unexpected failure: \(String(describing: type(of: error)))")
            return Exit.invalidInput
        }
    }

    /// A built-in scenario or a scenario file; a bad one is reported as invalid input.
    static func loadScenario(_ nameOrPath: String, console: Console) throws -> Scenario {
        do {
            return try Scenario.load(nameOrPath)
        } catch {
            console.error("\(error)")
            throw Exit.invalidInput
        }
    }

    /// Reads a share file, printing its warnings.
    static func readShare(_ path: String, console: Console) throws -> RedeemedShare {
        do {
            let loaded = try ShareFile.read(path)
            loaded.warnings.forEach(console.warning)
            return loaded.share
        } catch {
            throw fail(error, console: console)
        }
    }
}
