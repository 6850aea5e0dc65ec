/// A coding key for any name: reads the fields a type does not know.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { self.stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Reading and writing the fields of a CDX API object that this version does not know, so that they are
/// kept and shown rather than dropped.
enum AdditionalFields {
    /// Every field of the object at `decoder` whose name is not in `known`.
    static func decode(from decoder: any Decoder, known: Set<String>) throws -> [String: JSONValue] {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        var fields: [String: JSONValue] = [:]
        for key in container.allKeys where !known.contains(key.stringValue) {
            fields[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        return fields
    }

    /// Writes `fields` beside the known ones (a known name is never overwritten).
    static func encode(_ fields: [String: JSONValue], to encoder: any Encoder, known: Set<String>) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (name, value) in fields where !known.contains(name) {
            try container.encode(value, forKey: AnyCodingKey(name))
        }
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON-like text (strings unquoted at the top level), for people.
    public var description: String {
        switch self {
        case .string(let value): value
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): String(value)
        case .null: "null"
        case .array(let values): "[" + values.map(\.quoted).joined(separator: ", ") + "]"
        case .object(let fields):
            "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value.quoted)" }.joined(separator: ", ")
                + "}"
        }
    }

    private var quoted: String {
        if case .string(let value) = self { return "\"\(value)\"" }
        return description
    }
}
