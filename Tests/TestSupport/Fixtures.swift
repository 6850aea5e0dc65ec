import Foundation
import StreamShare
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Secrets used across tests; each is distinctive so a leak is easy to find in any output.
enum Fixture {
    static let kafkaSecret = "KSEC-s3cr3t/with\\back\"slash=and#hash"
    static let registrySecret = "SRSEC-0123456789abcdef"
    static let token = "TOKEN-abcdefghijklmnop"
    static let cloudSecret = "CLOUDSEC-zyxwvu"

    /// The seed's response shape with all three resource kinds and one kind from the future.
    static let responseJSON = #"""
        {
          "api_version": "cdx/v1",
          "kind": "RedeemTokenResponse",
          "id": "dlz-f3a90de",
          "metadata": {
            "self": "https://api.confluent.cloud/cdx/v1/redeem-token-responses/rtr-12345",
            "resource_name": "crn://confluent.cloud/organization=9bb441c4/redeem-token-response=rtr-12345",
            "created_at": "2006-01-02T15:04:05-07:00"
          },
          "api_key": "KAFKAKEY1",
          "secret": "KSEC-s3cr3t/with\\back\"slash=and#hash",
          "kafka_bootstrap_url": "SASL://pkc-xxxxx.us-west-2.aws.confluent.cloud:9092",
          "schema_registry_api_key": "SRKEY1",
          "schema_registry_secret": "SRSEC-0123456789abcdef",
          "schema_registry_url": "https://psrc-xxxxx.us-west-2.aws.confluent.cloud",
          "resources": [
            {"kind": "Topic", "topic": "orders"},
            {"kind": "Group", "group_prefix": "share-orders-"},
            {"kind": "Subject", "subject": "orders-value"},
            {"kind": "Connector", "connector": "lcc-123", "extra": {"n": 1}}
          ]
        }
        """#

    static func share() throws -> RedeemedShare {
        try RedeemedShare(jsonData: Data(responseJSON.utf8))
    }

    static func json(_ mutate: (inout [String: Any]) -> Void) throws -> Data {
        var object = try JSONSerialization.jsonObject(with: Data(responseJSON.utf8)) as! [String: Any]
        mutate(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cdx-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// An RFC 3339 timestamp with milliseconds, as reports and watch lines write them.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// Every secret of the fixtures; none may appear in printed output.
    static let allSecrets = [kafkaSecret, registrySecret, token, cloudSecret]
}

/// Runs a program to completion and returns its exit status and outputs.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program on a dispatch thread, so that waiting for it never blocks Swift's cooperative pool
/// (which the in-process emulators of concurrently running tests need).
/// - Parameters:
///   - environment: The child's whole environment (default: this process's).
///   - directory: The child's working directory (default: this process's).
func run(
    _ executable: String,
    _ arguments: [String],
    stdin: String? = nil,
    environment: [String: String]? = nil,
    directory: String? = nil
) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(
                with: Result {
                    try runBlocking(executable, arguments, stdin: stdin, environment: environment, directory: directory)
                }
            )
        }
    }
}

private func runBlocking(
    _ executable: String,
    _ arguments: [String],
    stdin: String?,
    environment: [String: String]?,
    directory: String?
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let outData = readToEnd(out.fileHandleForReading)
    let errData = readToEnd(err.fileHandleForReading)
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self)
    )
}

/// Reads a descriptor to its end, retrying a read that a signal interrupted: Foundation's
/// `readDataToEndOfFile` and `availableData` trap on EINTR, which the SIGCHLD of the many child
/// processes of the tests can cause (seen once).
func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    while true {
        let chunk = readOnce(handle)
        if chunk.isEmpty { return data }
        data.append(chunk)
    }
}

/// One read of what is available (empty at the end), retried when a signal interrupted it.
func readOnce(_ handle: FileHandle) -> Data {
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if count > 0 { return Data(buffer[0..<count]) }
        if count < 0, errno == EINTR { continue }
        return Data()
    }
}

/// The absolute path of a program on PATH, or nil.
func which(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// A program running in the background whose output is collected as it arrives.
struct BackgroundProcess {
    /// Bytes read from one of the program's pipes.
    final class Output: Sendable {
        private let data = Mutex(Data())
        func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }
        var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
    }

    private let process: Process
    let stdout = Output()
    let stderr = Output()

    init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: try Fixture.temporaryDirectory())
        process.standardInput = FileHandle.nullDevice
        for (pipe, output) in [(Pipe(), stdout), (Pipe(), stderr)] {
            if output === stdout { process.standardOutput = pipe } else { process.standardError = pipe }
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let chunk = readOnce(handle)
                if chunk.isEmpty { handle.readabilityHandler = nil } else { output.append(chunk) }
            }
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Polls the collected output until `condition` holds (true) or the timeout passes (false).
    func waitFor(timeout: Duration, _ condition: (String, String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(stdout.text, stderr.text) { return true }
            if !process.isRunning { return condition(stdout.text, stderr.text) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    func terminate(timeout: Duration) async -> Int32? {
        process.terminate()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGKILL if still running (cleanup after a failed expectation).
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}

/// `check[resource]` → `status:code` for every check of a report: one comparison asserts every verdict.
func verdicts(_ report: VerificationReport) -> [String: String] {
    Dictionary(uniqueKeysWithValues: report.checks.map { ($0.qualifiedID, "\($0.status.rawValue):\($0.code)") })
}
