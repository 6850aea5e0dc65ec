/// A redeem response or share file that cannot be used, naming the field at fault.
public struct ShareValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON path of the field, e.g. `resources[2].topic`; `nil` when the document as a whole is at fault.
    public let field: String?
    /// What is wrong with it, e.g. `is missing`.
    public let reason: String

    /// Creates a validation error.
    public init(field: String?, reason: String) {
        self.field = field
        self.reason = reason
    }

    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: Self.path(context.codingPath + [key]), reason: "is missing")
        case .valueNotFound(let type, let context):
            self.init(field: Self.path(context.codingPath), reason: "is null, expected \(Self.typeName(type))")
        case .typeMismatch(let type, let context):
            self.init(
                field: Self.path(context.codingPath),
                reason: "has the wrong type, expected \(Self.typeName(type))"
            )
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(field: nil, reason: "is not valid JSON")
            } else {
                self.init(field: Self.path(context.codingPath), reason: context.debugDescription)
            }
        @unknown default:
            self.init(field: nil, reason: "could not be decoded")
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? "(document)" : result
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is Secret.Type: "a string"
        case is [SharedResource].Type: "an array"
        default: "\(type)"
        }
    }

    public var description: String {
        if let field { "field '\(field)' \(reason)" } else { "the document \(reason)" }
    }
}
