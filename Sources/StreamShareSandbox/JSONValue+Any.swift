import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The emulators' JSON bodies without `JSONSerialization` (not in `FoundationEssentials`).
extension JSONValue {
    /// A value built of dictionaries, arrays, strings, integers, doubles and booleans; `nil` for
    /// anything else.
    init?(any value: Any) {
        switch value {
        case let value as JSONValue: self = value
        case let value as String: self = .string(value)
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .number(Double(value))
        case let value as Double: self = .number(value)
        case let value as [String: Any]:
            var object: [String: JSONValue] = [:]
            for (key, element) in value {
                guard let element = JSONValue(any: element) else { return nil }
                object[key] = element
            }
            self = .object(object)
        case let value as [Any]:
            var array: [JSONValue] = []
            for element in value {
                guard let element = JSONValue(any: element) else { return nil }
                array.append(element)
            }
            self = .array(array)
        default: return nil
        }
    }

    /// A JSON object's fields (`nil` when `data` is not a JSON object).
    static func object(from data: Data) -> [String: JSONValue]? {
        try? JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    /// The string, when this is one.
    var string: String? {
        if case .string(let value) = self { value } else { nil }
    }
}

/// `object` as JSON with sorted keys (empty when it is not made of JSON values).
func sortedJSON(_ object: Any) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return JSONValue(any: object).flatMap { try? encoder.encode($0) } ?? Data()
}
