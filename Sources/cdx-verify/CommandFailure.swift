import ArgumentParser
import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one place where errors become messages and exit codes.
enum CommandFailure {
    /// Prints an error once, in one or two lines, and returns its exit code.
    static func report(_ error: any Error, console: Console) -> any Error {
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
}
