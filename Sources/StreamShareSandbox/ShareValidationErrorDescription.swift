/// A scenario file's decoding error in one line, naming the field at fault.
enum ShareValidationErrorDescription {
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            String(keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix("."))
        }
        switch error {
        case .keyNotFound(let key, let context): return "field '\(path(context.codingPath + [key]))' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field '\(path(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON" : "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default: return "cannot be decoded"
        }
    }
}
