#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The one way this library writes and reads timestamps: RFC 3339 in UTC with milliseconds
/// (`2026-12-03T10:15:00.123Z`), as reports, watch lines and health answers carry them.
public enum Timestamps {
    /// `2026-12-03T10:15:00.123Z`.
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Reads RFC 3339 with or without fractional seconds (the API's `created_at` has none).
    public static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
