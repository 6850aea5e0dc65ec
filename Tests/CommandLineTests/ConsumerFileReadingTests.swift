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
