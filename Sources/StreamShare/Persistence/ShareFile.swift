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

/// Reads and writes share files: the redeem response as received, mode 0600, written atomically.
///
/// A redeemed token cannot be redeemed again, so the file is the only copy of the credentials.
/// Writing goes to a temporary file in the same directory, is flushed with `fsync`, and is then
/// moved into place (`link` when overwriting is not allowed, so an existing file is never replaced,
/// `rename` otherwise); the directory is synced too. A reader never sees a half-written file. Only a
/// regular file (or a new path) is ever replaced: anything else at the path (a device such as
/// `/dev/null`, a FIFO, a symbolic link such as `/dev/stdout`) is opened and written in place.
public enum ShareFile {
    /// A share read from disk, with what the user should know about the file.
    public struct Loaded: Sendable {
        /// The decoded, validated share, with its parsed endpoints.
        public let prepared: PreparedShare
        /// The decoded, validated share.
        public var share: RedeemedShare { prepared.share }
        /// E.g. that the file is readable by other users.
        public let warnings: [String]
    }

    /// Checks, before redeeming, that a share can be written to `path`: the directory exists and is
    /// writable, and the file does not exist unless `overwrite` is set.
    /// - Throws: ``ShareFileError``.
    public static func checkDestination(_ path: String, overwrite: Bool) throws(ShareFileError) {
        let directory = directoryOf(path)
        var info = stat()
        guard stat(directory, &info) == 0, Int(info.st_mode) & Int(S_IFMT) == Int(S_IFDIR) else {
            throw ShareFileError(.notFound, path: path, message: "directory '\(directory)' does not exist")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw ShareFileError(.permissionDenied, path: path, message: "directory '\(directory)' is not writable")
        }
        // lstat, not stat: a dangling symbolic link "does not exist" for fileExists, yet link(2) will
        // refuse to replace it after the token is spent.
        var linkInfo = stat()
        if !overwrite, lstat(path, &linkInfo) == 0 || FileManager.default.fileExists(atPath: path) {
            throw ShareFileError(
                .alreadyExists,
                path: path,
                message: "already exists; choose another file or allow overwriting"
            )
        }
    }

    /// Writes `data` atomically with mode 0600; over a path that exists and is not a regular file (a
    /// device, a FIFO, a symbolic link), in place when `overwrite` is set: a rename would replace
    /// `/dev/null` itself with a regular file.
    /// - Parameters:
    ///   - data: The bytes to store (the redeem response as received).
    ///   - path: The destination.
    ///   - overwrite: Replace an existing file. When `false`, an existing file is left untouched.
    /// - Throws: ``ShareFileError``; on failure no temporary file is left behind.
    public static func write(_ data: Data, to path: String, overwrite: Bool) throws(ShareFileError) {
        var existing = stat()
        if overwrite, lstat(path, &existing) == 0, existing.st_mode & S_IFMT != S_IFREG {
            try writeInPlace(data, to: path)
            return
        }
        let directory = directoryOf(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = directory + "/." + name + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error(errno, path: path, doing: "cannot create a file in '\(directory)'") }
        var published = false
        defer { if !published { unlink(temporary) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, 0o600) == 0 else { throw error(errno, path: path, doing: "cannot set mode 0600") }
            if let writeError = writeAll(data, to: fd) { throw error(writeError, path: path, doing: "cannot write") }
            guard fsync(fd) == 0 else { throw error(errno, path: path, doing: "cannot flush to disk") }
        }
        if overwrite {
            guard rename(temporary, path) == 0 else { throw error(errno, path: path, doing: "cannot move into place") }
        } else {
            // link(2) fails with EEXIST instead of replacing: no window in which another file is clobbered.
            guard link(temporary, path) == 0 else {
                if errno == EEXIST {
                    throw ShareFileError(.alreadyExists, path: path, message: "already exists; it was not overwritten")
                }
                throw error(errno, path: path, doing: "cannot move into place")
            }
            unlink(temporary)
        }
        published = true
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Opens what is at `path` (following a symbolic link; created 0600 if the link dangles) and writes
    /// `data` to it, after emptying it if it is a regular file.
    private static func writeInPlace(_ data: Data, to path: String) throws(ShareFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw error(errno, path: path, doing: "cannot be opened for writing") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, ftruncate(fd, 0) != 0 {
            throw error(errno, path: path, doing: "cannot be emptied")
        }
        if let writeError = writeAll(data, to: fd) { throw error(writeError, path: path, doing: "cannot write") }
    }

    /// Writes all of `data` to `fd`; the `errno` of a failed write, or nil.
    private static func writeAll(_ data: Data, to fd: Int32) -> Int32? {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> Int32? in
            var offset = 0
            while offset < buffer.count {
                let written = posixWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
    }

    /// Reads and validates a share file.
    /// - Parameter path: The file.
    /// - Returns: The share and warnings (a file others may read, or that the group may read though it
    ///   is the reader's own).
    /// - Throws: ``ShareFileError`` for a missing or unreadable file, malformed JSON or a missing field.
    public static func read(_ path: String) throws(ShareFileError) -> Loaded {
        var info = stat()
        guard stat(path, &info) == 0 else { throw error(errno, path: path, doing: "cannot be read") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ShareFileError(.io, path: path, message: "is not a regular file")
        }
        // A share is a few kilobytes: a file far larger is not one, and is not read into memory.
        guard info.st_size <= maximumSize else {
            throw ShareFileError(
                .invalidContent,
                path: path,
                message: "is \(info.st_size) bytes; a share file is at most \(maximumSize) bytes"
            )
        }
        // Bounded too: the file may have grown since it was looked at.
        let data: Data
        do {
            data = try BoundedFileRead.contents(of: path, limit: maximumSize)
        } catch .system(let code) {
            throw error(code, path: path, doing: "cannot be read")
        } catch {
            throw ShareFileError(.invalidContent, path: path, message: "is larger than \(maximumSize) bytes")
        }
        let prepared: PreparedShare
        do {
            prepared = try PreparedShare(jsonData: data)
        } catch {
            throw ShareFileError(.invalidContent, path: path, message: "\(error)", validation: error)
        }
        var warnings: [String] = []
        let mode = info.st_mode & 0o777
        // Others may read it: always a problem. The group may: a problem when the file is ours (chmod 600
        // keeps it readable), not when another user owns it and we read it through the group, as with a
        // Kubernetes Secret mounted with fsGroup (root-owned, mode 0440): there chmod 600 would lock us out.
        if mode & 0o007 != 0 || (mode & 0o070 != 0 && info.st_uid == geteuid()) {
            warnings.append(
                "share file '\(path)' holds credentials but has mode \(String(mode, radix: 8)); run chmod 600 '\(path)'"
            )
        }
        return Loaded(prepared: prepared, warnings: warnings)
    }

    /// The largest share file read, and the largest redeem response accepted (16 MiB; a share with
    /// thousands of resources is a few hundred kilobytes).
    public static let maximumSize = 16 << 20

    static func directoryOf(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    private static func error(_ code: Int32, path: String, doing: String) -> ShareFileError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR: return ShareFileError(.notFound, path: path, message: "\(doing): \(reason)")
        case EACCES, EPERM, EROFS: return ShareFileError(.permissionDenied, path: path, message: "\(doing): \(reason)")
        default: return ShareFileError(.io, path: path, message: "\(doing): \(reason)")
        }
    }
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
    Musl.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}
