#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CDXClient {
    /// Redeems a token and saves the credentials **before** anything else can fail.
    ///
    /// 1. Checks that `path` can be written (so a token is not spent on an unwritable destination).
    /// 2. Unless `checkingPrivateNetworking` is false, previews the token and refuses to spend it when a
    ///    shared resource is reached over private networking and the request gives no account for its
    ///    cloud (``checkBeforeRedeeming(_:)``; an API without the preview does not stop the redeem).
    /// 3. Redeems.
    /// 4. Writes the body as received to `path` (atomically, mode 0600) — even if it will not validate,
    ///    because the credentials in it cannot be issued again. Should that write fail, the body goes
    ///    to a 0600 file in the temporary directory and the error names it.
    /// 5. Decodes and validates the share (a 2xx other than 200 whose body is a valid share is accepted:
    ///    the token is spent, and these are its credentials).
    ///
    /// When the body can be saved nowhere, the error carries it (``ShareFileError/unsavedResponse``).
    /// - Parameters:
    ///   - request: The token and private-networking fields.
    ///   - path: Where the share file goes.
    ///   - overwrite: Replace an existing file.
    ///   - checkingPrivateNetworking: Preview the token first and refuse a private-networking share
    ///     without the account for its cloud (default); `false` redeems at once (a caller that made the
    ///     check itself, or that redeems anyway).
    /// - Returns: The share.
    /// - Throws: ``ShareFileError`` (destination unusable before redeeming; or ``ShareFileError/Code/invalidContent``
    ///   after saving, naming the file and the field), ``PrivateNetworkingAccountMissing`` (not redeemed),
    ///   or ``CDXAPIError``.
    public func redeem(
        _ request: RedeemTokenRequest,
        savingTo path: String,
        overwrite: Bool = false,
        checkingPrivateNetworking: Bool = true
    ) async throws -> RedeemedShare {
        try await redeemPrepared(
            request,
            savingTo: path,
            overwrite: overwrite,
            checkingPrivateNetworking: checkingPrivateNetworking
        ).share
    }

    /// ``redeem(_:savingTo:overwrite:checkingPrivateNetworking:)``, returning the share as parsed when
    /// it was validated (for a caller that verifies it next).
    package func redeemPrepared(
        _ request: RedeemTokenRequest,
        savingTo path: String,
        overwrite: Bool = false,
        checkingPrivateNetworking: Bool = true
    ) async throws -> PreparedShare {
        try ShareFile.checkDestination(path, overwrite: overwrite)
        if checkingPrivateNetworking { _ = try await checkBeforeRedeeming(request) }
        let response = try await redeem(request)
        let savedPath = try Self.save(response.body, to: path, overwrite: overwrite)
        do {
            return try response.prepared()
        } catch {
            throw ShareFileError(
                .invalidContent,
                path: savedPath,
                message: "the redeem response was saved as received, but it is not a usable share: \(error)",
                validation: error
            )
        }
    }

    static func save(
        _ body: Data,
        to path: String,
        overwrite: Bool,
        rescueDirectory: URL = FileManager.default.temporaryDirectory
    ) throws(ShareFileError) -> String {
        do {
            try ShareFile.write(body, to: path, overwrite: overwrite)
            return path
        } catch let original {
            let rescue =
                rescueDirectory
                .appendingPathComponent(
                    "cdx-share-\(UInt64(Date().timeIntervalSince1970))-\(UInt32.random(in: 0...UInt32.max)).json"
                )
                .path
            do {
                try ShareFile.write(body, to: rescue, overwrite: false)
            } catch {
                throw ShareFileError(
                    original.code,
                    path: path,
                    message: "\(original.message); the redeemed credentials could not be saved anywhere",
                    unsavedResponse: Secret(String(decoding: body, as: UTF8.self))
                )
            }
            throw ShareFileError(
                original.code,
                path: path,
                message: "\(original.message); the redeemed share was saved to '\(rescue)' instead (mode 0600)"
            )
        }
    }
}
