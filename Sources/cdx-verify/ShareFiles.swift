import ArgumentParser
import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The share files of the command line: a default name that never overwrites, reading one, and
/// keeping a report from ever replacing one.
enum ShareFiles {
    /// A default share file name in the current directory that never overwrites.
    static func defaultSharePath() -> String {
        // Local time, as the C library reads the time zone (no Foundation formatter: ICU data).
        var now = time(nil)
        var local = tm()
        localtime_r(&now, &local)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y%m%d-%H%M%S", &local)
        let stamp = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var path = "share-\(stamp).json"
        var counter = 2
        while FileManager.default.fileExists(atPath: path) {
            path = "share-\(stamp)-\(counter).json"
            counter += 1
        }
        return path
    }

    /// Reads a share file, printing its warnings.
    static func read(_ path: String, console: Console) throws -> PreparedShare {
        do {
            let loaded = try ShareFile.read(path)
            loaded.warnings.forEach(console.warning)
            return loaded.prepared
        } catch {
            throw CommandFailure.report(error, console: console)
        }
    }

    /// Refuses a report destination that is one of `shares` (the share being read or saved), or any
    /// file that holds a share: a report written there would destroy one-time credentials.
    static func checkReportDestination(_ output: String, shares: [String]) throws {
        for share in shares where sameFile(output, share) {
            throw ValidationError("--output '\(output)' is the share file; choose another file for the report")
        }
        guard holdsShare(output) else { return }
        throw ValidationError("--output '\(output)' holds a share (api_key, secret); it is never replaced by a report")
    }

    /// Whether the file at `path` holds a share (a JSON object with `api_key` and `secret`).
    static func holdsShare(_ path: String) -> Bool {
        // Only a regular file can hold a share: reading a FIFO or a terminal (/dev/stdout) would block.
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= ShareFile.maximumSize,
            let data = try? BoundedFileRead.contents(of: path, limit: ShareFile.maximumSize),
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return false }
        return object["api_key"] != nil && object["secret"] != nil
    }

    /// Whether two paths name the same file (after symbolic links), or would.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        if resolved(first) == resolved(second) { return true }
        var a = stat()
        var b = stat()
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }
}
