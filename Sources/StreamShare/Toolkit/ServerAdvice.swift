#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a server advises about waiting before the next request, read the one way every client of
/// this library reads it (the CDX API, the Schema Registry).
///
/// `Retry-After` in seconds (whole or decimal) or as an HTTP-date (RFC 9110's IMF-fixdate, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`), else `X-RateLimit-Reset` in relative seconds (Confluent
/// Cloud's). A wait to sleep is capped at ``maximumWait``; the advice as given (for an error that
/// tells the user how long the server asked for) is read with `capped: false`. A date in the past is
/// a wait of zero.
public enum ServerAdvice {
    /// The longest wait slept on any advice: longer advice is read as this unless `capped` is false.
    public static let maximumWait: Duration = .seconds(3600)

    /// The advised wait, or `nil` when the server gave no usable advice.
    /// - Parameters:
    ///   - header: Looks a response header up by name (case-insensitively).
    ///   - now: The current time, for an HTTP-date.
    ///   - capped: Cap the wait at ``maximumWait`` (default); `false` keeps the advice as given (up to
    ///     a million seconds), for a caller whose own policy decides how long it waits.
    /// - Returns: The wait, from zero.
    public static func retryAfter(header: (String) -> String?, now: Date = Date(), capped: Bool = true) -> Duration? {
        func wait(_ seconds: Double) -> Duration {
            let advised = Duration.milliseconds(Int64((min(seconds, 1e6) * 1000).rounded()))
            return capped ? min(advised, maximumWait) : advised
        }
        if let value = header("Retry-After")?.trimmingWhitespace(), !value.isEmpty {
            if let seconds = Double(value), seconds.isFinite, seconds >= 0 { return wait(seconds) }
            if let date = httpDate(value) { return wait(max(0, date.timeIntervalSince(now))) }
        }
        if let value = header("X-RateLimit-Reset")?.trimmingWhitespace(), let seconds = Double(value),
            seconds.isFinite, seconds >= 0
        {
            return wait(seconds)
        }
        return nil
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders
    /// to use; no locale or ICU is involved.
    public static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int(parts[1]), let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3])
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), (0...23).contains(clock[0]), (0...59).contains(clock[1]),
            (0...60).contains(clock[2])
        else { return nil }
        let days = daysFromCivil(year: year, month: month + 1, day: day)
        let seconds = Double(days) * 86_400 + Double(clock[0] * 3600 + clock[1] * 60 + clock[2])
        return Date(timeIntervalSince1970: seconds)
    }

    /// Formats an IMF-fixdate (for servers and tests that send one).
    public static func httpDateString(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(total) / 86_400).rounded(.down))
        let seconds = total - days * 86_400
        let (year, month, day) = civilFromDays(days)
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(seconds / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60)) GMT"
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
