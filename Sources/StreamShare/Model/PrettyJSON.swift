#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// JSON for people and files: pretty-printed, keys sorted, slashes unescaped, and empty arrays and
/// objects written `[]` and `{}` (Foundation on Linux spreads them over three lines), and no raw
/// character a terminal acts on (`TerminalText.escapingJSON(_:)`).
package enum PrettyJSON {
    /// Encodes `value`.
    package static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let text = compactingEmpty(String(decoding: try encoder.encode(value), as: UTF8.self))
        return TerminalText.escapingJSON(Data(text.utf8))
    }

    /// `[` or `{`, then only white space, then its closing bracket, becomes `[]` or `{}`. A JSON string
    /// cannot hold a raw line break, so the break after the bracket is always the encoder's.
    static func compactingEmpty(_ text: String) -> String {
        text.replacing(/\[\n\s*\]/, with: "[]").replacing(/\{\n\s*\}/, with: "{}")
    }
}
