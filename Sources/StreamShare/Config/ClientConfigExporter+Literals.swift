#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the program-source and YAML exports share: string literals no value can break out of, the
/// comment naming the share, and the broker list.
extension ClientConfigExporter {
    /// How a string literal writes a character outside the Basic Multilingual Plane.
    enum AstralEscape {
        /// `\uD83D\uDE00` (JavaScript: strings are UTF-16).
        case surrogatePairs
        /// `\U0001F600` (Python, YAML).
        case eightDigits
    }

    /// `text` as a double-quoted literal read back exactly by JavaScript, Python and YAML: `"` and `\`
    /// escaped, everything outside printable ASCII (line breaks, U+2028, NUL, non-ASCII letters) as a
    /// `\u` escape, so no value can end the string, the line or the statement.
    static func quoted(_ text: String, astral: AstralEscape) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x22: result += "\\\""
            case 0x5C: result += "\\\\"
            case 0x20...0x7E: result.unicodeScalars.append(scalar)
            case 0x10000... where astral == .eightDigits: result += "\\U" + Self.hex(scalar.value, digits: 8)
            default:
                for unit in String(scalar).utf16 { result += "\\u" + Self.hex(UInt32(unit), digits: 4) }
            }
        }
        return result + "\""
    }

    /// The comment lines at the top of a document, each starting with `marker`: the generator, and
    /// the share, its topics and the date when the ``origin`` is known.
    func headerComment(_ marker: String) -> [String] {
        var lines = ["\(marker) \(Self.header)"]
        if let origin {
            let topics = origin.topics.isEmpty ? "none" : origin.topics.joined(separator: ", ")
            lines.append(
                "\(marker) " + Self.commentSafe("share \(origin.shareID ?? "(no id)"); topics: \(topics)")
                    + "; generated \(Self.utcDate(origin.date))."
            )
        }
        return lines
    }

    /// `text` with every control, format, line or paragraph separator character replaced by `?`, so
    /// that it cannot end a comment line in any of the formats (nor turn text around on screen).
    static func commentSafe(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                result += "?"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Upper-case hexadecimal, zero-padded to `digits` (no `String(format:)`: FoundationEssentials has none).
    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// `yyyy-MM-dd` in UTC (the date part of the one timestamp format).
    static func utcDate(_ date: Date) -> String {
        String(Timestamps.format(date).prefix(10))
    }

    /// The bootstrap servers (after overrides) as a list of `host:port`.
    var brokers: [String] {
        (kafka["bootstrap.servers"] ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }.filter {
            !$0.isEmpty
        }
    }

    /// The SASL/PLAIN user name and password (rendered) when the configuration has them.
    func saslCredentials(_ reveal: Bool) -> (username: String, password: String)? {
        guard let username = kafka["sasl.username"],
            let password = kafka.properties.last(where: { $0.key == "sasl.password" })
        else { return nil }
        return (username, password.value.rendered(revealSecrets: reveal))
    }
}
