#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds a key that appears twice in one JSON object. `JSONDecoder` keeps one of them silently
/// (and `jq` the other), so a share file with two `secret`s has ambiguous credentials: it is
/// refused, naming the key.
enum DuplicateKeys {
    /// The path of the first repeated key (`secret`, `resources[1].topic`), or `nil` when every
    /// object's keys are distinct or the text is not JSON (the decoder then says why).
    static func first(in data: [UInt8]) -> String? {
        var scanner = Scanner(bytes: data)
        return try? scanner.value(path: "")
    }

    private struct Malformed: Error {}

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        /// Scans one value; returns the path of a repeated key inside it, if any.
        mutating func value(path: String) throws -> String? {
            skipSpace()
            guard index < bytes.count else { throw Malformed() }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(path: path)
            case UInt8(ascii: "["): return try array(path: path)
            case UInt8(ascii: "\""):
                _ = try string()
                return nil
            default:
                // A number, true, false or null: up to the next delimiter.
                while index < bytes.count, !",}] \t\r\n".utf8.contains(bytes[index]) { index += 1 }
                return nil
            }
        }

        private mutating func object(path: String) throws -> String? {
            depth += 1
            guard depth <= 512 else { throw Malformed() }
            defer { depth -= 1 }
            index += 1
            var keys = Set<String>()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return nil
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Malformed() }
                let key = try string()
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                if !keys.insert(key).inserted { return keyPath }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed() }
                index += 1
                if let found = try value(path: keyPath) { return found }
                skipSpace()
                guard index < bytes.count else { throw Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return nil
                } else {
                    throw Malformed()
                }
            }
        }

        private mutating func array(path: String) throws -> String? {
            depth += 1
            guard depth <= 512 else { throw Malformed() }
            defer { depth -= 1 }
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return nil
            }
            var position = 0
            while true {
                if let found = try value(path: "\(path)[\(position)]") { return found }
                skipSpace()
                guard index < bytes.count else { throw Malformed() }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    position += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return nil
                } else {
                    throw Malformed()
                }
            }
        }

        /// A string starting at the opening quote, decoded (escapes included, so `"se\u0063ret"` is `secret`).
        private mutating func string() throws -> String {
            let start = index
            index += 1
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    let literal = bytes[start..<index]
                    guard literal.contains(UInt8(ascii: "\\")) else {
                        return String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
                    }
                    // With escapes, the JSON parser itself decodes the literal.
                    guard let decoded = try? JSONDecoder().decode(String.self, from: Data(literal)) else {
                        throw Malformed()
                    }
                    return decoded
                }
            }
            throw Malformed()
        }
    }
}
