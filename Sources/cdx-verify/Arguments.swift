import ArgumentParser

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `30s`, `2m`, `500ms` or plain seconds.
struct DurationArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        guard let duration = Self.parse(argument, longest: Self.longest) else { return nil }
        self.duration = duration
    }

    /// `500ms`, `30s`, `2m`, `1h`, `1d` or plain seconds, from 1 ms to `longest` milliseconds.
    static func parse(_ argument: String, longest: Double) -> Duration? {
        let text = argument.trimmingWhitespace().lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        let (number, factor) =
            units.first { text.hasSuffix($0.0) }.map { (String(text.dropLast($0.0.count)), $0.1) } ?? (text, 1)
        // Only plain decimal numbers: no "inf", "nan" or hexadecimal, which Double would accept.
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number) else {
            return nil
        }
        let milliseconds = value * factor * 1000
        guard milliseconds.isFinite, milliseconds >= 1, milliseconds <= longest else { return nil }
        return .milliseconds(Int64(milliseconds))
    }

    /// The longest duration accepted (24 h): anything longer is a typo, and overflows later arithmetic.
    static let longest: Double = 24 * 3600 * 1000

    static var defaultCompletionKind: CompletionKind { .default }

    /// How `--help` shows a default: `30s`, not the type's debug description.
    var defaultValueDescription: String { text }

    /// `500ms`, `60s`, `1.5s`.
    var text: String {
        let milliseconds = duration / .milliseconds(1)
        if milliseconds < 1000 { return "\(Int(milliseconds))ms" }
        let seconds = milliseconds / 1000
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}

/// `--wait`: a duration, where `0s` (or `0`) means no waiting.
struct WaitArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        let text = argument.trimmingWhitespace().lowercased()
        let number = text.prefix { $0.isNumber || $0 == "." }
        if let value = Double(number), value == 0,
            ["", "ms", "s", "m", "h"].contains(String(text.dropFirst(number.count)))
        {
            duration = .zero
        } else if let parsed = DurationArgument(argument: text) {
            duration = parsed.duration
        } else {
            return nil
        }
    }
}
