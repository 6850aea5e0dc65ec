import ArgumentParser
import Logging
import StreamShare

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

/// Redeem-and-save: the preview that keeps a PrivateLink token unspent, the redeem with signals held
/// until its answer is saved, and what is said on the console.
enum Redeeming {
    /// Redeems and saves (0600, before validation); errors are printed and mapped to exit codes.
    static func redeem(
        cloud: CloudOptions,
        token: TokenOptions,
        savePath: String,
        overwrite: Bool,
        console: Console,
        logger: Logger?,
        retryPolicy: RetryPolicy = RetryPolicy()
    ) async throws -> PreparedShare {
        let request = try token.request()
        let client = try cloud.client(logger: logger, retryPolicy: retryPolicy)
        if token.skipPreview {
            console.info("--skip-preview: redeeming without reading what the token shares first")
        } else {
            try await checkPreview(client: client, request: request, console: console)
        }
        console.progress("redeeming the share token at \(cloud.resolvedAPIURL) …")
        // From here on the token may be spent: SIGINT and SIGTERM wait until the answer is saved or printed.
        let (outcome, signal) = await RedeemSignals.holding { () async -> Result<PreparedShare, any Error> in
            do {
                let share = try await client.redeemPrepared(
                    request,
                    savingTo: savePath,
                    overwrite: overwrite,
                    checkingPrivateNetworking: false  // checked above, with what to say
                )
                console.info("saved the redeemed share to \(savePath) (mode 0600)")
                return .success(share)
            } catch {
                return .failure(CommandFailure.report(error, console: console))
            }
        }
        if let signal {
            console.info("stopped by \(signal == SIGINT ? "SIGINT" : "SIGTERM") once the redeem's answer was handled")
            throw ExitCode(128 + signal)
        }
        return try outcome.get()
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
            throw CommandFailure.report(error, console: console)
        }
    }
}
