import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

/// How `-F` files are read: at most 16 MiB, as share files, and a file in another encoding than the
/// clients read is named as such instead of being read as one without properties.
@Suite("cdx-verify -F: size cap and encodings", .timeLimit(.minutes(2)))
struct ConsumerFileReadingTests {
    static let properties = "bootstrap.servers=pkc-1.example.cloud:9092\nsecurity.protocol=SASL_SSL\n"

    static func bytes(_ text: String, _ encoding: String.Encoding, bom: [UInt8]) -> Data {
        Data(bom) + text.data(using: encoding)!
    }

    @Test(
        "a UTF-16 or UTF-32 file, with or without a byte order mark, is invalid input naming its encoding",
        arguments: [
            ("utf16le-bom", [0xFF, 0xFE], String.Encoding.utf16LittleEndian, "UTF-16"),
            ("utf16be-bom", [0xFE, 0xFF], .utf16BigEndian, "UTF-16"),
            ("utf32le-bom", [0xFF, 0xFE, 0x00, 0x00], .utf32LittleEndian, "UTF-32"),
            ("utf32be-bom", [0x00, 0x00, 0xFE, 0xFF], .utf32BigEndian, "UTF-32"),
            ("utf16le", [], .utf16LittleEndian, "NUL"),
        ] as [(String, [UInt8], String.Encoding, String)]
    )
    func otherEncodingsAreNamed(name: String, bom: [UInt8], encoding: String.Encoding, expected: String) async throws {
        let directory = try Fixture.temporaryDirectory()
        try ShareFile.write(try Fixture.share().jsonData(), to: directory + "/share.json", overwrite: false)
        let path = directory + "/\(name).properties"
        try Self.bytes(Self.properties, encoding, bom: bom).write(to: URL(fileURLWithPath: path))
        let result = try await CLITests.cli(["verify", "--share", directory + "/share.json", "-F", path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stderr.contains("UTF-8"), "\(result.stderr)")
    }

    @Test(
        "a UTF-8 byte order mark that the file's client reads as part of line 1 is invalid input, saying what it does",
        arguments: [
            ("librdkafka", "bootstrap.servers=b:9092\nsasl.mechanisms=PLAIN\n", "kcat -F"),
            ("java", "bootstrap.servers=b:9092\nsasl.mechanism=PLAIN\n", "Java reads it as part of the first key"),
            ("env", "KAFKA_BOOTSTRAP_SERVERS=b:9092\n", "docker --env-file"),
        ]
    )
    func utf8ByteOrderMark(name: String, text: String, expected: String) async throws {
        let directory = try Fixture.temporaryDirectory()
        try ShareFile.write(try Fixture.share().jsonData(), to: directory + "/share.json", overwrite: false)
        let path = directory + "/\(name).properties"
        try Self.bytes(text, .utf8, bom: [0xEF, 0xBB, 0xBF]).write(to: URL(fileURLWithPath: path))
        let result = try await CLITests.cli(["verify", "--share", directory + "/share.json", "-F", path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("UTF-8 byte order mark"), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("a UTF-8 byte order mark before a Java file's comment is harmless: read as the file without it")
    func utf8ByteOrderMarkBeforeJavaComment() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/consumer.properties"
        let text = "# the consumer\nbootstrap.servers=b:9092\nsasl.mechanism=PLAIN\n"
        try Self.bytes(text, .utf8, bom: [0xEF, 0xBB, 0xBF]).write(to: URL(fileURLWithPath: path))
        let consumer = try ConsumerConfiguration(contentsOf: path)
        #expect(consumer.family == .java)
        #expect(consumer.properties.map(\.key) == ["bootstrap.servers", "sasl.mechanism"])
        // The same file for librdkafka is refused: kcat -F stops at line 1.
        #expect(throws: ConfigurationError.self) { try ConsumerConfiguration(contentsOf: path, family: .librdkafka) }
        // A comment ending in a backslash is no longer a comment behind the mark: it takes line 2 with it.
        let continued = directory + "/continued.properties"
        let joined = "# see the docs \\\nbootstrap.servers=b:9092\nsasl.mechanism=PLAIN\n"
        try Self.bytes(joined, .utf8, bom: [0xEF, 0xBB, 0xBF]).write(to: URL(fileURLWithPath: continued))
        let refused = #expect(throws: ConfigurationError.self) {
            try ConsumerConfiguration(contentsOf: continued, family: .java)
        }
        #expect(refused?.message.contains("takes line 2 with it") == true)
        // A form feed is not a line end for Java: a property after it is the first key's.
        let feed = directory + "/feed.properties"
        try Self.bytes("\u{0C}bootstrap.servers=b:9092\n", .utf8, bom: [0xEF, 0xBB, 0xBF])
            .write(to: URL(fileURLWithPath: feed))
        #expect(throws: ConfigurationError.self) { try ConsumerConfiguration(contentsOf: feed, family: .java) }
    }

    @Test("a file over 16 MiB is invalid input and is not read whole")
    func largeFileIsRefused() async throws {
        let directory = try Fixture.temporaryDirectory()
        try ShareFile.write(try Fixture.share().jsonData(), to: directory + "/share.json", overwrite: false)
        let path = directory + "/huge.properties"
        let line = Data("# padding padding padding padding padding padding padding padding padding pad\n".utf8)
        var data = Data(Self.properties.utf8)
        while data.count <= 16 << 20 { data.append(line) }
        try data.write(to: URL(fileURLWithPath: path))
        let result = try await CLITests.cli([
            "verify", "--share", directory + "/share.json", "-F", path, "--timeout", "2s",
        ])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("16 MiB"), "\(result.stderr)")
    }
}
