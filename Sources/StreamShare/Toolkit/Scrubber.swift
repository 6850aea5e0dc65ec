/// Takes secrets out of text that came from outside (server responses and headers, librdkafka's
/// messages) before it is printed, logged or put in a report: the one scrubber of the library.
///
/// Every secret is replaced with ``Secret/redactedPlaceholder``, the longest first (so that a secret
/// inside another, such as the base64 of `key:secret` in an `Authorization` header, is never
/// half-replaced), and the user-info of every URL in the text (`https://user:password@host`) too.
public struct Scrubber: Sendable {
    private let secrets: [Secret]

    /// A scrubber of `secrets` (empty ones are ignored).
    public init(_ secrets: [Secret]) {
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.revealed.count > $1.revealed.count }
    }

    /// A scrubber of HTTP Basic credentials: the secret, the `Authorization` header value and its
    /// base64 part.
    public init(basicUser user: String, secret: Secret, also others: [Secret] = []) {
        let token = Secret(Array("\(user):\(secret.revealed)".utf8).base64EncodedString())
        self.init([secret, token, Secret("Basic \(token.revealed)")] + others)
    }

    /// `text` with every secret and URL user-info replaced.
    public func callAsFunction(_ text: String) -> String {
        Self.withoutUserInfo(secrets.reduce(text) { $1.scrub($0) })
    }

    /// `text`, when there is one, scrubbed.
    public func callAsFunction(_ text: String?) -> String? {
        text.map { self($0) }
    }

    /// `https://user:password@host/…` → `https://<redacted>@host/…`, wherever a URL appears in text.
    public static func withoutUserInfo(_ text: String) -> String {
        guard text.contains("@") else { return text }
        return text.replacing(#/([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@/#) { match in "\(match.output.1)<redacted>@" }
    }
}

extension Array where Element == UInt8 {
    /// Standard base64 with padding (RFC 4648), without Foundation.
    func base64EncodedString() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((count + 2) / 3 * 4)
        var index = 0
        while index < count {
            let b0 = self[index]
            let b1: UInt8 = index + 1 < count ? self[index + 1] : 0
            let b2: UInt8 = index + 2 < count ? self[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < count ? alphabet[Int((b1 & 0x0f) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < count ? alphabet[Int(b2 & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
