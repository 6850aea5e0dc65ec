import Testing

@testable import StreamShare
@testable import TestSupport

@Suite("Bootstrap URL")
struct BootstrapServersTests {
    @Test(
        "turns every accepted form into bootstrap.servers and security.protocol",
        arguments: [
            (
                "SASL://pkc-xxxxx.us-west-2.aws.confluent.cloud:9092", "pkc-xxxxx.us-west-2.aws.confluent.cloud:9092",
                "SASL_SSL"
            ),
            ("SASL_SSL://b1.example.com:9093", "b1.example.com:9093", "SASL_SSL"),
            ("ssl://b1.example.com:9093", "b1.example.com:9093", "SASL_SSL"),
            ("PLAINTEXT://127.0.0.1:39092", "127.0.0.1:39092", "PLAINTEXT"),
            ("broker.example.com:9092", "broker.example.com:9092", "SASL_SSL"),
            ("broker.example.com", "broker.example.com:9092", "SASL_SSL"),
            (
                "SASL://a.example.com:9092,SASL://b.example.com:9093", "a.example.com:9092,b.example.com:9093",
                "SASL_SSL"
            ),
            ("a.example.com:1, b.example.com:2", "a.example.com:1,b.example.com:2", "SASL_SSL"),
            ("SASL://[::1]:9092", "[::1]:9092", "SASL_SSL"),
            ("[2001:db8::1]", "[2001:db8::1]:9092", "SASL_SSL"),
            ("SASL://pkc-1.confluent.cloud:9092/", "pkc-1.confluent.cloud:9092", "SASL_SSL"),
            // The first entry's scheme applies to the hosts that have none.
            ("PLAINTEXT://127.0.0.1:1,127.0.0.1:2", "127.0.0.1:1,127.0.0.1:2", "PLAINTEXT"),
            ("SASL://a.example.com:9092,b.example.com:9092", "a.example.com:9092,b.example.com:9092", "SASL_SSL"),
        ]
    )
    func parses(url: String, servers: String, securityProtocol: String) throws {
        let parsed = try BootstrapServers(parsing: url)
        #expect(parsed.bootstrapServers == servers)
        #expect(parsed.securityProtocol.rawValue == securityProtocol)
        #expect(parsed.isInsecure == (securityProtocol == "PLAINTEXT"))
    }

    @Test(
        "rejects what librdkafka could not use, saying why",
        arguments: [
            ("", "empty entry"),
            ("http://broker:9092", "unsupported scheme 'http'"),
            ("SASL://", "has no host"),
            ("SASL://host:0", "invalid port"),
            ("SASL://host:70000", "invalid port"),
            ("SASL://host:abc", "invalid port"),
            ("::1:9092", "IPv6 address in brackets"),
            ("[::1", "unterminated IPv6"),
            ("SASL://host:9092/path", "has a path"),
            ("a:9092,,b:9092", "empty entry"),
            ("SASL://a:9092,PLAINTEXT://b:9092", "mixes schemes"),
            ("SASL://ho st:9092", "invalid host name"),
            ("://host:9092", "empty scheme"),
        ]
    )
    func rejects(url: String, reason: String) {
        let error = #expect(throws: BootstrapServers.ParseError.self) { try BootstrapServers(parsing: url) }
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "no error")")
    }
}
