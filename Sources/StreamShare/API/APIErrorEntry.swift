/// One entry of the `errors` array Confluent Cloud returns with every error status.
public struct APIErrorEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where in the request the problem is.
    public struct Source: Sendable, Hashable, Codable {
        /// A JSON Pointer into the request body, e.g. `/token`.
        public var pointer: String?
        /// The query parameter at fault.
        public var parameter: String?

        /// Creates a source.
        public init(pointer: String? = nil, parameter: String? = nil) {
            self.pointer = pointer
            self.parameter = parameter
        }
    }

    /// A unique identifier of this occurrence.
    public var id: String?
    /// The HTTP status, as a string.
    public var status: String?
    /// An application-specific code, e.g. `resource_already_exists`.
    public var code: String?
    /// A short summary, e.g. `Resource Already exists`.
    public var title: String?
    /// The explanation specific to this occurrence.
    public var detail: String?
    /// The part of the request that caused it.
    public var source: Source?
    /// A numeric error code some services add.
    public var errorCode: Int?
    /// A message some services add.
    public var message: String?

    /// Creates an entry.
    public init(
        id: String? = nil,
        status: String? = nil,
        code: String? = nil,
        title: String? = nil,
        detail: String? = nil,
        source: Source? = nil,
        errorCode: Int? = nil,
        message: String? = nil
    ) {
        self.id = id
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.source = source
        self.errorCode = errorCode
        self.message = message
    }

    private enum CodingKeys: String, CodingKey {
        case id, status, code, title, detail, source, message
        case errorCode = "error_code"
    }

    /// `title: detail (code; at /pointer)`, with whatever of it is present.
    public var description: String {
        var text = [title, detail ?? message].compactMap { $0 }.joined(separator: ": ")
        var extras: [String] = []
        if let code { extras.append(code) }
        if let pointer = source?.pointer { extras.append("at \(pointer)") }
        if let parameter = source?.parameter { extras.append("parameter \(parameter)") }
        if !extras.isEmpty {
            text += text.isEmpty ? extras.joined(separator: "; ") : " (\(extras.joined(separator: "; ")))"
        }
        return text
    }
}

/// The error document: `{"errors": [...]}`.
struct APIErrorDocument: Decodable {
    var errors: [APIErrorEntry]
}
