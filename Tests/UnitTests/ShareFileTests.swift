import Foundation
import Testing

@testable import StreamShare
@testable import TestSupport

@Suite("Share file")
struct ShareFileTests {
    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    @Test("is written with mode 0600 whatever the umask, and reads back")
    func writesPrivately() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        let previous = umask(0)
        defer { umask(previous) }
        try ShareFile.write(Data(Fixture.responseJSON.utf8), to: path, overwrite: false)
        #expect(try mode(path) == 0o600)
        let loaded = try ShareFile.read(path)
        #expect(loaded.share == (try Fixture.share()))
        #expect(loaded.warnings.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["share.json"])
    }

    @Test("refuses to overwrite and leaves the existing file untouched")
    func refusesOverwrite() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try Data("first".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ShareFileError.self) {
            try ShareFile.write(Data("second".utf8), to: path, overwrite: false)
        }
        #expect(error?.code == .alreadyExists)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["share.json"])
        #expect(
            (#expect(throws: ShareFileError.self) { try ShareFile.checkDestination(path, overwrite: false) })?.code
                == .alreadyExists
        )
        try ShareFile.checkDestination(path, overwrite: true)
    }

    @Test("a dangling symbolic link at the destination is refused before anything is spent")
    func danglingLink() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory + "/nowhere.json")
        let error = #expect(throws: ShareFileError.self) { try ShareFile.checkDestination(path, overwrite: false) }
        #expect(error?.code == .alreadyExists)
    }

    @Test("a file far larger than any share is refused without being read into memory")
    func oversizedFile() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/big.json"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(ShareFile.maximumSize) * 300)  // sparse: 300 MiB, no disk used
        try handle.close()
        let error = #expect(throws: ShareFileError.self) { try ShareFile.read(path) }
        #expect(error?.code == .invalidContent)
        #expect(error?.description.contains("at most") == true)
    }

    @Test("replaces atomically when allowed: the old inode is never truncated")
    func replacesAtomically() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try ShareFile.write(Data("old".utf8), to: path, overwrite: false)
        // A reader holding the old file keeps seeing the old, complete content: rename, not rewrite.
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? reader.close() }
        try ShareFile.write(Data(Fixture.responseJSON.utf8), to: path, overwrite: true)
        #expect(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self) == "old")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == Fixture.responseJSON)
        #expect(try mode(path) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["share.json"])
    }

    @Test("gives clear read errors: missing file, malformed JSON, missing field")
    func readErrors() throws {
        let directory = try Fixture.temporaryDirectory()
        let missing = #expect(throws: ShareFileError.self) { try ShareFile.read(directory + "/nope.json") }
        #expect(missing?.code == .notFound)
        #expect(missing?.description.contains("nope.json") == true)

        let malformed = directory + "/malformed.json"
        try ShareFile.write(Data("{\"api_key\": ".utf8), to: malformed, overwrite: false)
        let malformedError = #expect(throws: ShareFileError.self) { try ShareFile.read(malformed) }
        #expect(malformedError?.code == .invalidContent)
        #expect(malformedError?.description.contains("not valid JSON") == true)

        let incomplete = directory + "/incomplete.json"
        try ShareFile.write(try Fixture.json { $0.removeValue(forKey: "secret") }, to: incomplete, overwrite: false)
        let incompleteError = #expect(throws: ShareFileError.self) { try ShareFile.read(incomplete) }
        #expect(incompleteError?.validation?.field == "secret")
        #expect(incompleteError?.description.contains("field 'secret' is missing") == true)

        #expect((#expect(throws: ShareFileError.self) { try ShareFile.read(directory) })?.code == .io)
        #expect(
            (#expect(throws: ShareFileError.self) {
                try ShareFile.checkDestination(directory + "/no/such/dir/s.json", overwrite: false)
            })?
            .code == .notFound
        )
    }

    @Test("warns when the file is readable by group or others")
    func warnsAboutMode() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try ShareFile.write(Data(Fixture.responseJSON.utf8), to: path, overwrite: false)
        chmod(path, 0o644)
        let loaded = try ShareFile.read(path)
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.contains("chmod 600") == true)
        #expect(loaded.warnings.first?.contains("644") == true)
        chmod(path, 0o640)
        #expect(try ShareFile.read(path).warnings.count == 1)  // our own file: chmod 600 is the fix
    }

    @Test(
        "no warning for a file another user owns that we read through its group (a Secret mounted with fsGroup)",
        .enabled(if: getuid() == 0, "needs root to give the file to another user")
    )
    func groupReadableSecret() throws {
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/share.json"
        try ShareFile.write(Data(Fixture.responseJSON.utf8), to: path, overwrite: false)
        chmod(path, 0o440)
        #expect(chown(path, 65534, getgid()) == 0)
        #expect(try ShareFile.read(path).warnings.isEmpty)
        chmod(path, 0o444)  // others too: still a problem
        #expect(try ShareFile.read(path).warnings.count == 1)
    }

    @Test("reads are bounded: an endless device is refused at the limit, not read whole")
    func boundedReads() throws {
        #expect(throws: BoundedFileRead.Failure.tooLarge(limit: 1 << 20)) {
            try BoundedFileRead.contents(of: "/dev/zero", limit: 1 << 20)
        }
        let error = #expect(throws: ConfigurationError.self) { try ConsumerConfiguration(contentsOf: "/dev/zero") }
        #expect(error?.message.contains("larger than 16 MiB") == true, "\(String(describing: error))")
        let path = try Fixture.temporaryDirectory() + "/small"
        try Data("a=b\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(try BoundedFileRead.contents(of: path, limit: 4) == Data("a=b\n".utf8))
        #expect(throws: BoundedFileRead.Failure.tooLarge(limit: 3)) { try BoundedFileRead.contents(of: path, limit: 3) }
    }
}
