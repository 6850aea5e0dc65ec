#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward proxy that HTTP requests go through: an HTTP proxy (async-http-client opens a `CONNECT`
/// tunnel for every request, plain HTTP too, so TLS still ends at the server) or a SOCKS5 proxy.
///
/// Its credentials, from the URL's user information, are a ``Secret``: the description shows
/// the scheme, host and port only.
public struct HTTPProxy: Sendable, Hashable, CustomStringConvertible {
    /// How the proxy is spoken to.
    public enum Kind: String, Sendable, Hashable {
        /// An HTTP proxy (`http://`, the default when a URL has no scheme).
        case http
        /// A SOCKS5 proxy (`socks5://` or `socks5h://`; the proxy resolves host names).
        case socks5
    }

    /// The protocol.
    public var kind: Kind
    /// The proxy's host name or address (IPv6 without brackets).
    public var host: String
    /// The proxy's port (1080 when the URL has none, as curl assumes).
    public var port: Int
    /// The user name for the proxy's Basic authentication, if any.
    public var username: String?
    /// The password for the proxy's Basic authentication, if any.
    public var password: Secret?

    /// Creates a proxy.
    public init(kind: Kind = .http, host: String, port: Int, username: String? = nil, password: Secret? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Reads a proxy URL as curl does: `host:port`, `http://[user:password@]host[:port]`,
    /// `socks5://host:port` or `socks5h://host:port`. The port defaults to 1080.
    /// - Throws: ``HTTPProxyError`` for another scheme (an `https://` proxy, SOCKS4), a URL without a
    ///   host, a bad port, or credentials for a SOCKS proxy; the message never repeats the credentials.
    public init(parsing text: String) throws(HTTPProxyError) {
        let trimmed = text.trimmingWhitespace()
        let withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed
        guard let components = URLComponents(string: withScheme), let scheme = components.scheme?.lowercased() else {
            throw HTTPProxyError("the proxy '\(Self.withoutCredentials(trimmed))' is not a URL")
        }
        switch scheme {
        case "http": kind = .http
        case "socks5", "socks5h": kind = .socks5
        case "https":
            throw HTTPProxyError(
                "the proxy '\(Self.withoutCredentials(trimmed))' is an https:// proxy (TLS to the proxy), which "
                    + "is not supported: use its http:// address (HTTPS requests still go through a CONNECT tunnel)"
            )
        default:
            throw HTTPProxyError(
                "the proxy '\(Self.withoutCredentials(trimmed))' has the scheme '\(scheme)': "
                    + "use http:// or socks5:// (socks5h://)"
            )
        }
        guard let host = components.host, !host.isEmpty else {
            throw HTTPProxyError("the proxy '\(Self.withoutCredentials(trimmed))' has no host")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        // URLComponents rejects a non-numeric port; an out-of-range one is checked here.
        let port = components.port ?? 1080
        guard (1...65535).contains(port) else {
            throw HTTPProxyError("the proxy '\(Self.withoutCredentials(trimmed))' has an invalid port")
        }
        self.port = port
        let user = components.percentEncodedUser.flatMap { $0.percentDecoded() ?? $0 }
        let password = components.percentEncodedPassword.flatMap { $0.percentDecoded() ?? $0 }
        self.username = user.flatMap { $0.isEmpty ? nil : $0 }
        self.password = password.map { Secret($0) }
        if kind == .socks5, username != nil || password != nil {
            throw HTTPProxyError(
                "the proxy '\(Self.withoutCredentials(trimmed))' is a SOCKS5 proxy with credentials, which "
                    + "is not supported"
            )
        }
    }

    /// `http://host:port`, with `(with credentials)` when it has some; never the credentials.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let credentials = username != nil || password != nil ? " (with credentials)" : ""
        return "\(kind == .http ? "http" : "socks5h")://\(shownHost):\(port)\(credentials)"
    }

    /// A proxy URL as typed, with any user information replaced, for messages.
    static func withoutCredentials(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.firstRange(of: "://").map(\.upperBound) ?? text.startIndex
        guard start <= at else { return text }
        return String(text[..<start]) + "…@" + String(text[text.index(after: at)...])
    }
}

/// A proxy setting that cannot be used.
public struct HTTPProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, without the proxy's credentials.
    public let message: String

    init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// Which proxy each request goes through: the settings of `--proxy`/`--noproxy` or of the
/// environment, read like curl reads them.
///
/// - `http://` URLs: `http_proxy` (lower case only: curl ignores `HTTP_PROXY`, which a CGI server may
///   set from a request's `Proxy:` header), else `all_proxy`/`ALL_PROXY`.
/// - `https://` URLs: `https_proxy`, else `HTTPS_PROXY`, else `all_proxy`/`ALL_PROXY`.
/// - `no_proxy`, else `NO_PROXY`: hosts that are reached directly (see ``NoProxy``).
///
/// The first of these variables that is set decides, as in curl: a set but empty `https_proxy`
/// means no proxy for https URLs, whatever `HTTPS_PROXY` or `all_proxy` say.
///
/// An explicit proxy (``HTTPProxyConfiguration/init(proxy:noProxy:)``) is used for every URL, as
/// curl's `--proxy` is; an empty `--proxy ""` turns every proxy off.
public struct HTTPProxyConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// The proxy for `http://` URLs.
    public var httpProxy: HTTPProxy?
    /// The proxy for `https://` URLs.
    public var httpsProxy: HTTPProxy?
    /// Hosts reached without a proxy.
    public var noProxy: NoProxy
    /// Where the settings came from, for messages: `--proxy`, `https_proxy`, …
    public var source: String

    /// No proxy for any request.
    public static let direct = HTTPProxyConfiguration(httpProxy: nil, httpsProxy: nil, noProxy: NoProxy(""), source: "")

    /// Creates a configuration.
    public init(httpProxy: HTTPProxy?, httpsProxy: HTTPProxy?, noProxy: NoProxy, source: String) {
        self.httpProxy = httpProxy
        self.httpsProxy = httpsProxy
        self.noProxy = noProxy
        self.source = source
    }

    /// One proxy for every URL except the `noProxy` hosts (curl's `--proxy` with `--noproxy`).
    public init(proxy: HTTPProxy?, noProxy: NoProxy = NoProxy("")) {
        self.init(httpProxy: proxy, httpsProxy: proxy, noProxy: noProxy, source: "--proxy")
    }

    /// The settings of an environment, read like curl reads them.
    /// - Parameter environment: The variables (by default the process's).
    /// - Throws: ``HTTPProxyError`` when a variable that applies holds an unusable proxy.
    public static func environment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HTTPProxyError) -> HTTPProxyConfiguration {
        func value(_ names: [String]) -> (name: String, value: String)? {
            for name in names {
                if let value = environment[name] { return (name, value) }
            }
            return nil
        }
        func proxy(_ found: (name: String, value: String)?) throws(HTTPProxyError) -> HTTPProxy? {
            guard let found, !found.value.trimmingWhitespace().isEmpty else { return nil }
            do {
                return try HTTPProxy(parsing: found.value)
            } catch {
                throw HTTPProxyError("\(found.name): \(error.message)")
            }
        }
        let http = value(["http_proxy", "all_proxy", "ALL_PROXY"])
        let https = value(["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"])
        let httpProxy = try proxy(http)
        let httpsProxy = try proxy(https)
        let sources = [httpProxy == nil ? nil : http?.name, httpsProxy == nil ? nil : https?.name].compactMap { $0 }
        return HTTPProxyConfiguration(
            httpProxy: httpProxy,
            httpsProxy: httpsProxy,
            noProxy: noProxy(environment),
            source: Array(Set(sources)).sorted().joined(separator: ", ")
        )
    }

    /// `no_proxy`, else `NO_PROXY`, of an environment.
    static func noProxy(_ environment: [String: String]) -> NoProxy {
        NoProxy(environment["no_proxy"] ?? environment["NO_PROXY"] ?? "")
    }

    /// The settings of the command line over the environment's: `--proxy URL` for every URL,
    /// `--proxy ""` for none; `--noproxy LIST` over `no_proxy`/`NO_PROXY`.
    /// - Throws: ``HTTPProxyError`` when the flag or a variable that applies holds an unusable proxy.
    public static func resolve(
        proxy: String?,
        noProxy: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HTTPProxyError) -> HTTPProxyConfiguration {
        var configuration: HTTPProxyConfiguration
        if let proxy {
            let trimmed = proxy.trimmingWhitespace()
            let parsed: HTTPProxy?
            do {
                parsed = trimmed.isEmpty ? nil : try HTTPProxy(parsing: trimmed)
            } catch {
                throw HTTPProxyError("--proxy: \(error.message)")
            }
            // The flag replaces the proxy variables, which are then not even read: an unusable one
            // cannot stand in the way of `--proxy ""`.
            configuration = HTTPProxyConfiguration(proxy: parsed, noProxy: Self.noProxy(environment))
        } else {
            configuration = try Self.environment(environment)
        }
        if let noProxy { configuration.noProxy = NoProxy(noProxy) }
        return configuration
    }

    /// Whether any URL would go through a proxy.
    public var isEmpty: Bool { httpProxy == nil && httpsProxy == nil }

    /// The proxy for a URL: by its scheme, unless its host is in ``noProxy``.
    public func proxy(for url: URL) -> HTTPProxy? {
        guard let host = url.host, !noProxy.matches(host: host) else { return nil }
        switch url.scheme?.lowercased() {
        case "http": return httpProxy
        case "https": return httpsProxy
        default: return nil
        }
    }

    /// `https: http://proxy:3128 (from https_proxy); no proxy for: .internal, 10.0.0.0/8`.
    public var description: String {
        if isEmpty { return "no proxy" }
        var parts: [String] = []
        if httpProxy == httpsProxy {
            parts.append("\(httpProxy!)")
        } else {
            if let httpsProxy { parts.append("https: \(httpsProxy)") }
            if let httpProxy { parts.append("http: \(httpProxy)") }
        }
        let from = source.isEmpty ? "" : " (from \(source))"
        let except = noProxy.entries.isEmpty ? "" : "; not for \(noProxy.entries.joined(separator: ", "))"
        return parts.joined(separator: "; ") + from + except
    }
}

/// The hosts that are reached without a proxy, from a `NO_PROXY`-style list, matched as curl matches
/// them: a list that is `*` alone for every host; a name matches itself and every name under it (`example.com` and
/// `.example.com` both match `example.com` and `api.example.com`); an IP address matches itself, and
/// `10.0.0.0/8` or `fd00::/8` every address in the range. Case and a final dot don't matter; ports
/// in entries are ignored.
public struct NoProxy: Sendable, Hashable {
    /// The entries, trimmed, in order.
    public let entries: [String]
    /// The list is `*`: every host is reached directly.
    public let matchesAll: Bool

    /// Reads a comma- (or space-) separated list.
    public init(_ list: String) {
        matchesAll = list.trimmingWhitespace() == "*"
        entries = list.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
            .map { String($0) }
            .filter { !$0.isEmpty }
    }

    /// Whether `host` (a name, or an IP address with or without brackets) is reached directly.
    public func matches(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        if matchesAll { return true }
        let address = ipAddressBytes(host)
        for entry in entries {
            var pattern = entry.lowercased()
            if pattern.hasPrefix("[") {
                // [v6] or [v6]:port
                guard let close = pattern.firstIndex(of: "]") else { continue }
                pattern = String(pattern[pattern.index(after: pattern.startIndex)..<close])
            } else if pattern.filter({ $0 == ":" }).count == 1 {
                pattern = String(pattern.prefix { $0 != ":" })
            }
            if let address {
                if Self.addressMatches(address, pattern: pattern) { return true }
                continue
            }
            if pattern.hasPrefix(".") { pattern.removeFirst() }
            if pattern.hasSuffix(".") { pattern.removeLast() }
            guard !pattern.isEmpty else { continue }
            if host == pattern || host.hasSuffix("." + pattern) { return true }
        }
        return false
    }

    private static func addressMatches(_ address: [UInt8], pattern: String) -> Bool {
        let parts = pattern.split(separator: "/", maxSplits: 1).map(String.init)
        guard let network = ipAddressBytes(parts[0]), network.count == address.count else { return false }
        let bits: Int
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...(address.count * 8)).contains(prefix) else { return false }
            bits = prefix
        } else {
            bits = address.count * 8
        }
        for index in 0..<address.count {
            let remaining = bits - index * 8
            if remaining <= 0 { break }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if address[index] & mask != network[index] & mask { return false }
        }
        return true
    }
}

/// The bytes of an IPv4 (4) or IPv6 (16) address literal, or nil for a host name.
func ipAddressBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 {
        return withUnsafeBytes(of: &v4) { Array($0) }
    }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 {
        return withUnsafeBytes(of: &v6) { Array($0) }
    }
    return nil
}
