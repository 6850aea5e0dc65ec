import Foundation
import Testing

@testable import StreamShare

@Suite("proxy settings read like curl reads them")
struct HTTPProxyTests {
    @Test(
        "a proxy URL: scheme, host, port (1080 by default), credentials",
        arguments: [
            ("proxy.corp:3128", HTTPProxy(kind: .http, host: "proxy.corp", port: 3128)),
            ("http://proxy.corp", HTTPProxy(kind: .http, host: "proxy.corp", port: 1080)),
            ("HTTP://10.0.0.1:8080/", HTTPProxy(kind: .http, host: "10.0.0.1", port: 8080)),
            ("http://[fd00::1]:3128", HTTPProxy(kind: .http, host: "fd00::1", port: 3128)),
            ("socks5h://127.0.0.1:1081", HTTPProxy(kind: .socks5, host: "127.0.0.1", port: 1081)),
            (
                "http://svc%40corp:p%3Ass@proxy:3128",
                HTTPProxy(kind: .http, host: "proxy", port: 3128, username: "svc@corp", password: Secret("p:ss"))
            ),
        ]
    )
    func parsesProxyURLs(text: String, expected: HTTPProxy) throws {
        #expect(try HTTPProxy(parsing: text) == expected)
    }

    @Test(
        "an unusable proxy is refused with a message that never repeats its credentials",
        arguments: [
            ("https://user:hunter2@proxy:443", "https:// proxy"),
            ("socks4://proxy:1080", "'socks4'"),
            ("socks5://user:hunter2@proxy:1080", "SOCKS5 proxy with credentials"),
            ("http://user:hunter2@:3128", "no host"),
            ("http://user:hunter2@proxy:70000", "invalid port"),
        ]
    )
    func refusesUnusableProxies(text: String, expected: String) {
        #expect {
            try HTTPProxy(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains(expected) && !message.contains("hunter2")
        }
    }

    @Test("a proxy's description shows where it is and never its credentials")
    func descriptionHidesCredentials() throws {
        let proxy = try HTTPProxy(parsing: "http://svc:hunter2@proxy.corp:3128")
        #expect(proxy.description == "http://proxy.corp:3128 (with credentials)")
        let configuration = HTTPProxyConfiguration(proxy: proxy, noProxy: NoProxy(".corp"))
        for text in ["\(configuration)", String(reflecting: configuration), "\(proxy)", String(reflecting: proxy)] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
    }

    @Test(
        "NO_PROXY: names cover their subdomains, addresses and CIDR ranges match, * matches all",
        arguments: [
            ("example.com", "example.com", true),
            ("example.com", "api.EXAMPLE.com.", true),
            (".example.com", "example.com", true),
            (".example.com", "api.example.com", true),
            ("example.com", "notexample.com", false),
            ("api.example.com", "example.com", false),
            ("10.0.0.0/8", "10.1.2.3", true),
            ("10.0.0.0/8", "11.1.2.3", false),
            ("192.168.1.7", "192.168.1.7", true),
            ("192.168.1.7", "192.168.1.8", false),
            ("fd00::/8", "[fd12::1]", true),
            ("[::1]", "::1", true),
            ("localhost:8080", "localhost", true),
            ("*", "anything.example", true),
            (" * ", "anything.example", true),
            ("a.example,*", "anything.example", false),
            ("a.example, ,b.example", "b.example", true),
            ("", "example.com", false),
            ("127.0.0.1", "localhost", false),
        ]
    )
    func noProxyMatches(list: String, host: String, matches: Bool) {
        #expect(NoProxy(list).matches(host: host) == matches)
    }

    @Test("environment: https_proxy before HTTPS_PROXY, http_proxy lower case only, all_proxy as a fallback")
    func environmentPrecedence() throws {
        let https = URL(string: "https://api.confluent.cloud")!
        let http = URL(string: "http://registry.local:8081")!
        var env = ["HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2", "HTTP_PROXY": "http://cgi:3"]
        var configuration = try HTTPProxyConfiguration.environment(env)
        #expect(configuration.proxy(for: https)?.host == "lower")
        // HTTP_PROXY is ignored, as curl ignores it (a CGI server may set it from a request header).
        #expect(configuration.proxy(for: http) == nil)
        env["all_proxy"] = "socks5h://socks:1080"
        configuration = try HTTPProxyConfiguration.environment(env)
        #expect(configuration.proxy(for: http)?.kind == .socks5)
        env["http_proxy"] = "http://plain:4"
        env["NO_PROXY"] = "registry.local"
        configuration = try HTTPProxyConfiguration.environment(env)
        #expect(configuration.proxy(for: http) == nil)
        #expect(configuration.proxy(for: URL(string: "http://other:1")!)?.host == "plain")
        // The first variable that is set decides: an empty one means no proxy (as in curl).
        #expect(try HTTPProxyConfiguration.environment(["https_proxy": "  "]).isEmpty)
        #expect(try HTTPProxyConfiguration.environment(["https_proxy": "", "HTTPS_PROXY": "http://upper:1"]).isEmpty)
        let emptyHTTPS = try HTTPProxyConfiguration.environment(["https_proxy": "", "all_proxy": "http://all:1"])
        #expect(emptyHTTPS.httpsProxy == nil && emptyHTTPS.httpProxy?.host == "all")
    }

    @Test(
        "--proxy applies to every URL and keeps NO_PROXY; --proxy \"\" turns proxies off; --noproxy replaces NO_PROXY"
    )
    func flagsOverTheEnvironment() throws {
        let env = ["https_proxy": "http://env:1", "no_proxy": "internal.example"]
        let inside = URL(string: "https://registry.internal.example")!
        let external = URL(string: "http://api.example.org")!
        let flagged = try HTTPProxyConfiguration.resolve(proxy: "flag:3128", noProxy: nil, environment: env)
        #expect(flagged.proxy(for: external)?.host == "flag")
        #expect(flagged.proxy(for: inside) == nil)
        #expect(try HTTPProxyConfiguration.resolve(proxy: "", noProxy: nil, environment: env).isEmpty)
        let replaced = try HTTPProxyConfiguration.resolve(proxy: nil, noProxy: "api.example.org", environment: env)
        #expect(replaced.proxy(for: inside)?.host == "env")
        #expect(
            throws: HTTPProxyError.self,
            performing: {
                try HTTPProxyConfiguration.resolve(proxy: nil, noProxy: nil, environment: ["ALL_PROXY": "ftp://x"])
            }
        )
        // --proxy replaces the variables without reading them: an unusable one does not matter then.
        let bad = ["all_proxy": "socks5://user:pw@socks:1080", "https_proxy": "https://proxy:443"]
        #expect(try HTTPProxyConfiguration.resolve(proxy: "", noProxy: nil, environment: bad).isEmpty)
        #expect(
            try HTTPProxyConfiguration.resolve(proxy: "flag:1", noProxy: nil, environment: bad).httpsProxy?.host
                == "flag"
        )
    }
}
