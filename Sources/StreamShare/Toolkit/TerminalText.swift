#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Text from outside (a provider's names and descriptions, share ids, file names, a server's messages)
/// made safe to print for people: the one escaper of everything the command line shows as text.
///
/// A terminal acts on control characters: ESC starts sequences that set the window title, erase lines,
/// move the cursor or write the clipboard (OSC 52); a carriage return or a line feed lets a field forge
/// a table row or a log line. Each such character is shown as a visible escape (`\x1B`, `\n`,
/// `\u{2028}`) instead. JSON keeps the text exact: its encoder escapes C0 characters, and
/// `escapingJSON(_:)` writes the others as `\uXXXX`, which decodes to the same string.
public enum TerminalText {
    /// `text` with every control character escaped: C0 (U+0000–U+001F: ESC, BEL, CR, LF, TAB, …), DEL,
    /// C1 (U+0080–U+009F: CSI, OSC, NEL, …), the line and paragraph separators (U+2028, U+2029) and the
    /// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder
    /// what a terminal shows. Everything else, letters of every script included, is kept.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value <= 0xFF: result += "\\x" + hex(scalar.value, digits: 2)
            default: result += "\\u{" + hex(scalar.value, digits: 4) + "}"
            }
        }
        return result
    }

    /// `text`, when there is one, escaped.
    public static func escaped(_ text: String?) -> String? {
        text.map { escaped($0) }
    }

    /// Encoded JSON with the control characters its encoder leaves raw (DEL, C1, the separators and
    /// the bidirectional controls, all of which can only appear inside its strings) written as
    /// `\uXXXX`: the same document once decoded, and nothing a terminal acts on when it is shown.
    package static func escapingJSON(_ json: Data) -> Data {
        // Below DEL only the encoder's own white space is raw (it escapes C0 inside strings).
        func raw(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x7F && needsEscape(scalar) }
        let text = String(decoding: json, as: UTF8.self)
        guard text.unicodeScalars.contains(where: raw) else { return json }
        var result = ""
        for scalar in text.unicodeScalars {
            if raw(scalar) {
                result += "\\u" + hex(scalar.value, digits: 4).lowercased()
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return Data(result.utf8)
    }

    /// Whether a terminal could act on the character rather than show it.
    package static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
