/// A share file that cannot be written or read.
public struct ShareFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is; compare with the static members (new codes may be added).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case alreadyExists = "already_exists"
            case notFound = "not_found"
            case permissionDenied = "permission_denied"
            case io = "io_error"
            case invalidContent = "invalid_content"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The destination exists and overwriting was not allowed.
        public static let alreadyExists = Code(.alreadyExists)
        /// The file (or its directory) does not exist.
        public static let notFound = Code(.notFound)
        /// The file or its directory is not accessible.
        public static let permissionDenied = Code(.permissionDenied)
        /// Any other I/O failure.
        public static let io = Code(.io)
        /// The file is not a valid share (see ``ShareFileError/validation``).
        public static let invalidContent = Code(.invalidContent)

        /// The stable machine-readable code.
        public var description: String { base.rawValue }
    }

    /// The kind of problem.
    public let code: Code
    /// The file concerned.
    public let path: String
    /// What went wrong, in words.
    public let message: String
    /// For ``Code/invalidContent``: the field at fault.
    public let validation: ShareValidationError?

    /// The redeem response as received, when it could be saved nowhere (the destination and the
    /// temporary directory both failed): the credentials exist only here now. Print it for the user
    /// (``Secret/revealed``) rather than drop it; never shown by `description`.
    public let unsavedResponse: Secret?

    init(
        _ code: Code,
        path: String,
        message: String,
        validation: ShareValidationError? = nil,
        unsavedResponse: Secret? = nil
    ) {
        self.code = code
        self.path = path
        self.message = message
        self.validation = validation
        self.unsavedResponse = unsavedResponse
    }

    public var description: String { "share file '\(path)': \(message)" }
}
