/// The `kafka_bootstrap_url` of a share turned into what librdkafka understands.
///
/// The API returns a URL such as `SASL://pkc-xxxxx.us-west-2.aws.confluent.cloud:9092`, whose scheme
/// librdkafka rejects. This type strips the scheme, keeps `host:port` (several, comma-separated, are
/// allowed; IPv6 literals in brackets; port 9092 when none is given) and derives `security.protocol`.
public struct BootstrapServers: Sendable, Hashable, CustomStringConvertible {
    /// The security protocol a client must use.
    public enum SecurityProtocol: String, Sendable, Hashable, Codable {
        /// TLS with SASL authentication: what Confluent Cloud requires.
        case saslSSL = "SASL_SSL"
        /// Plaintext without authentication: accepted for the local sandbox only.
        case plaintext = "PLAINTEXT"
    }

    /// One `host:port`.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        /// Host name or IP literal (IPv6 without brackets).
        public var host: String
        /// TCP port.
        public var port: Int

        /// `host:port`, with brackets around an IPv6 literal.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// A bootstrap URL that cannot be used; `reason` says why.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public let reason: String
        public var description: String { "invalid Kafka bootstrap URL: \(reason)" }
    }

    /// The default Kafka port, used when the URL names none.
    public static let defaultPort = 9092

    /// The brokers to bootstrap from, in the order given.
    public var endpoints: [Endpoint]
    /// The protocol derived from the scheme (`SASL`, `SASL_SSL`, `SSL` or none → `SASL_SSL`).
    public var securityProtocol: SecurityProtocol

    /// `true` for a plaintext bootstrap URL; never acceptable outside the local sandbox.
    public var isInsecure: Bool { securityProtocol == .plaintext }

    /// The host names of ``endpoints``, in order, each once (case-insensitively).
    var hosts: [String] { Self.distinct(endpoints.map(\.host)) }

    /// Host names in order, each once (case-insensitively).
    static func distinct(_ hosts: [String]) -> [String] {
        var seen = Set<String>()
        return hosts.filter { seen.insert($0.lowercased()).inserted }
    }

    /// The value for librdkafka's `bootstrap.servers`.
    public var bootstrapServers: String { endpoints.map(\.description).joined(separator: ",") }

    public var description: String { bootstrapServers }

    /// Servers already parsed (one broker's advertised address, say).
    init(endpoints: [Endpoint], securityProtocol: SecurityProtocol) {
        self.endpoints = endpoints
        self.securityProtocol = securityProtocol
    }

    /// Parses a bootstrap URL.
    /// - Parameter url: e.g. `SASL://pkc-1.aws.confluent.cloud:9092`, `host1:9092,host2:9092`, `[::1]:9092`.
    /// - Throws: ``ParseError`` naming what is wrong.
    public init(parsing url: String) throws(ParseError) {
        var protocols: Set<SecurityProtocol> = []
        var endpoints: [Endpoint] = []
        var firstScheme: String? = nil
        let entries = url.split(separator: ",", omittingEmptySubsequences: false)
        for rawEntry in entries {
            let entry = rawEntry.trimmingWhitespace()
            guard !entry.isEmpty else {
                throw ParseError(reason: "'\(url)' has an empty entry")
            }
            var rest = Substring(entry)
            // `SASL://h1:9092,h2:9092`: a host without a scheme takes the first entry's.
            var scheme: String? = firstScheme
            if let range = rest.firstRange(of: "://") {
                scheme = String(rest[..<range.lowerBound])
                rest = rest[range.upperBound...]
                if endpoints.isEmpty { firstScheme = scheme }
            }
            protocols.insert(try Self.securityProtocol(forScheme: scheme))
            endpoints.append(try Self.endpoint(withoutScheme: rest, entry: entry))
        }
        guard protocols.count == 1, let securityProtocol = protocols.first else {
            throw ParseError(reason: "'\(url)' mixes schemes")
        }
        self.endpoints = endpoints
        self.securityProtocol = securityProtocol
    }

    /// Parses servers listed without a scheme (a consumer's own `bootstrap.servers`), reached with
    /// `securityProtocol`.
    init(entries: [String], securityProtocol: SecurityProtocol) throws(ParseError) {
        var endpoints: [Endpoint] = []
        for entry in entries {
            endpoints.append(try Self.endpoint(withoutScheme: Substring(entry), entry: entry))
        }
        self.init(endpoints: endpoints, securityProtocol: securityProtocol)
    }

    /// The endpoint of one entry once its scheme is taken off: `host:port`, a trailing `/` allowed.
    private static func endpoint(withoutScheme text: Substring, entry: String) throws(ParseError) -> Endpoint {
        var rest = text
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else {
                throw ParseError(reason: "'\(entry)' has a path; expected host:port")
            }
            rest = rest[..<slash]
        }
        return try endpoint(String(rest), entry: entry)
    }

    private static func securityProtocol(forScheme scheme: String?) throws(ParseError) -> SecurityProtocol {
        guard let scheme else { return .saslSSL }
        switch scheme.uppercased() {
        case "SASL", "SASL_SSL", "SSL": return .saslSSL
        case "PLAINTEXT": return .plaintext
        case "": throw ParseError(reason: "empty scheme before '://'")
        default:
            throw ParseError(reason: "unsupported scheme '\(scheme)'; expected SASL, SASL_SSL, SSL or PLAINTEXT")
        }
    }

    private static func endpoint(_ hostPort: String, entry: String) throws(ParseError) -> Endpoint {
        guard !hostPort.isEmpty else { throw ParseError(reason: "'\(entry)' has no host") }
        let host: String
        var portText: Substring? = nil
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw ParseError(reason: "'\(entry)' has an unterminated IPv6 literal")
            }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw ParseError(reason: "'\(entry)' has text after ']'") }
                portText = after.dropFirst()
            }
            guard host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw ParseError(reason: "'\(entry)' is not a valid IPv6 literal")
            }
        } else {
            let colons = hostPort.filter { $0 == ":" }.count
            if colons > 1 {
                throw ParseError(reason: "'\(entry)': put an IPv6 address in brackets, e.g. [::1]:9092")
            }
            if let colon = hostPort.firstIndex(of: ":") {
                host = String(hostPort[..<colon])
                portText = hostPort[hostPort.index(after: colon)...]
            } else {
                host = hostPort
            }
            let allowed = host.allSatisfy {
                $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_")
            }
            guard !host.isEmpty, allowed, !host.hasPrefix("."), !host.hasPrefix("-") else {
                throw ParseError(reason: "'\(entry)' has an invalid host name")
            }
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value), portText.allSatisfy(\.isNumber) else {
                throw ParseError(reason: "'\(entry)' has an invalid port '\(portText)'")
            }
            port = value
        }
        return Endpoint(host: host, port: port)
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs and newlines), without Foundation.
    package func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
