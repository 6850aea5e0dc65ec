import Foundation
import StreamShare
import Testing

/// The one reader of a server's advice, the one scrubber and the one timestamp format.
@Suite("Toolkit: server advice, scrubbing, timestamps")
struct ToolkitTests {
    static func headers(_ fields: [String: String]) -> (String) -> String? {
        { name in fields.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    @Test("Retry-After in seconds or as an HTTP-date, else X-RateLimit-Reset; capped; junk ignored")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(ServerAdvice.retryAfter(header: Self.headers(["Retry-After": "7"]), now: now) == .seconds(7))
        #expect(
            ServerAdvice.retryAfter(header: Self.headers(["retry-after": " 1.5 "]), now: now) == .milliseconds(1500)
        )
        #expect(
            ServerAdvice.retryAfter(header: Self.headers(["Retry-After": "Sun, 06 Nov 1994 08:49:47 GMT"]), now: now)
                == .seconds(10)
        )
        // A date in the past: no wait.
        #expect(
            ServerAdvice.retryAfter(header: Self.headers(["Retry-After": "Sat, 05 Nov 1994 08:49:37 GMT"]), now: now)
                == .zero
        )
        #expect(ServerAdvice.retryAfter(header: Self.headers(["X-RateLimit-Reset": "3"]), now: now) == .seconds(3))
        #expect(
            ServerAdvice.retryAfter(header: Self.headers(["Retry-After": "soon", "X-RateLimit-Reset": "4"]), now: now)
                == .seconds(4)
        )
        #expect(
            ServerAdvice.retryAfter(header: Self.headers(["Retry-After": "86400"]), now: now)
                == ServerAdvice.maximumWait
        )
        // As given, for a policy that decides itself how long it waits (the CDX client's).
        #expect(
            ServerAdvice.retryAfter(header: Self.headers(["Retry-After": "7200"]), now: now, capped: false)
                == .seconds(7200)
        )
        for junk in ["-1", "nan", "inf", "", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"] {
            #expect(ServerAdvice.retryAfter(header: Self.headers(["Retry-After": junk]), now: now) == nil, "\(junk)")
        }
        #expect(ServerAdvice.retryAfter(header: Self.headers([:]), now: now) == nil)
    }

    @Test("HTTP-dates round-trip, without a locale")
    func httpDates() throws {
        #expect(
            ServerAdvice.httpDateString(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT"
        )
        #expect(ServerAdvice.httpDate("Sun, 06 Nov 1994 08:49:37 GMT") == Date(timeIntervalSince1970: 784_111_777))
        for seconds in stride(from: 0.0, to: 4_102_444_800, by: 86_400 * 97 + 3_601) {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(ServerAdvice.httpDate(ServerAdvice.httpDateString(date)) == date)
        }
        // Leap day.
        #expect(ServerAdvice.httpDate("Thu, 29 Feb 2024 00:00:00 GMT") == Date(timeIntervalSince1970: 1_709_164_800))
    }

    @Test("the scrubber: every secret, the longest first, Basic credentials in any form, URL user-info")
    func scrubber() {
        let secret = Secret("s3cr3t-value")
        let scrub = Scrubber(basicUser: "KEY", secret: secret, also: [Secret("tok"), Secret("")])
        let base64 = Array("KEY:s3cr3t-value".utf8)
        let encoded = Data(base64).base64EncodedString()
        let text = "a s3cr3t-value b Basic \(encoded) c \(encoded) d tok e https://KEY:s3cr3t@psrc.example/x"
        let scrubbed = scrub(text)
        #expect(!scrubbed.contains("s3cr3t"))
        #expect(!scrubbed.contains(encoded))
        #expect(!scrubbed.contains("tok"))
        #expect(!scrubbed.contains("KEY:"))
        #expect(scrubbed.contains("https://<redacted>@psrc.example/x"))
        #expect(scrub(nil as String?) == nil)
        #expect(Scrubber([])("nothing to hide") == "nothing to hide")
    }

    @Test("timestamps: RFC 3339 with milliseconds out, with or without a fraction in")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_764_756_900.125)
        #expect(Timestamps.format(date) == "2025-12-03T10:15:00.125Z")
        let parsed = try #require(Timestamps.parse("2025-12-03T10:15:00.125Z"))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.001)
        #expect(Timestamps.parse("2025-12-03T10:15:00Z") == Date(timeIntervalSince1970: 1_764_756_900))
        #expect(Timestamps.parse("yesterday") == nil)
    }

    @Test("terminal text: control characters shown as escapes, other text kept; escaped JSON decodes the same")
    func terminalText() throws {
        let hostile = "a\u{1B}]52;c;eA==\u{07}b\r\n\tc\u{7F}\u{9B}31m\u{2028}\u{202E}é日本"
        #expect(TerminalText.escaped(hostile) == #"a\x1B]52;c;eA==\x07b\r\n\tc\x7F\x9B31m\u{2028}\u{202E}é日本"#)
        #expect(TerminalText.escaped("plain — ünïcode") == "plain — ünïcode")
        let json = try JSONEncoder().encode(["name": hostile])
        let escaped = TerminalText.escapingJSON(json)
        #expect(try JSONDecoder().decode([String: String].self, from: escaped) == ["name": hostile])
        let text = String(decoding: escaped, as: UTF8.self)
        #expect(
            !text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 }
        )
    }
}
