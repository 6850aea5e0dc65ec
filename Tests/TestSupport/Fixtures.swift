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

/// Runs a program on a thread of its own, so that waiting for it never blocks Swift's cooperative pool
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
        onThread {
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
    let child = try ChildProcess(executable, arguments, environment: environment, directory: directory)
    // Standard error is read alongside, so that a child filling one pipe never blocks on it.
    let errors = Mutex(Data())
    let errorsRead = DispatchSemaphore(value: 0)
    onThread {
        let data = readToEnd(child.errorDescriptor)
        errors.withLock { $0 = data }
        errorsRead.signal()
    }
    if let stdin { child.write(Data(stdin.utf8)) }
    child.closeInput()
    let outData = readToEnd(child.outputDescriptor)
    errorsRead.wait()
    let status = child.waitUntilExit()
    return ProcessResult(
        status: status,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errors.withLock { $0 }, as: UTF8.self)
    )
}

/// Runs blocking work (waiting for a child, reading its pipes) on a thread of its own. Never on
/// Dispatch's global queues: on Linux, Swift's concurrency runs on them, and a few blocked workers
/// there stall every task of the test process (seen as timeouts everywhere).
func onThread(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.stackSize = 1 << 20
    thread.start()
}

/// Reads a descriptor to its end, retrying a read that a signal interrupted (the SIGCHLD of the many
/// child processes of the tests can cause EINTR).
func readToEnd(_ fd: Int32) -> Data {
    var data = Data()
    while true {
        let chunk = readOnce(fd)
        if chunk.isEmpty { return data }
        data.append(chunk)
    }
}

/// One read of what is available (empty at the end), retried when a signal interrupted it.
func readOnce(_ fd: Int32) -> Data {
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
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

    private let child: ChildProcess
    let stdout = Output()
    let stderr = Output()

    init(_ executable: String, _ arguments: [String]) throws {
        child = try ChildProcess(executable, arguments, directory: try Fixture.temporaryDirectory())
        child.closeInput()
        for (fd, output) in [(child.outputDescriptor, stdout), (child.errorDescriptor, stderr)] {
            // A reader thread per pipe until its end; the child holds the descriptors open until then.
            let child = self.child
            onThread {
                while true {
                    let chunk = readOnce(fd)
                    if chunk.isEmpty { break }
                    output.append(chunk)
                }
                withExtendedLifetime(child) {}
            }
        }
    }

    var pid: Int32 { child.pid }

    /// Polls the collected output until `condition` holds (true) or the timeout passes (false).
    func waitFor(timeout: Duration, _ condition: (String, String) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(stdout.text, stderr.text) { return true }
            if !child.isRunning {
                // Let the readers take in the last output.
                try? await Task.sleep(for: .milliseconds(50))
                return condition(stdout.text, stderr.text)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    func terminate(timeout: Duration) async -> Int32? {
        signal(SIGTERM)
        return await exitStatus(within: timeout)
    }

    /// Sends a signal (unless the program has ended).
    func signal(_ signal: Int32) { child.signal(signal) }

    /// The exit status (or the signal that ended it), waiting at most `timeout`; nil while it runs.
    func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while child.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return child.terminationStatus
    }

    /// SIGKILL if still running (cleanup after a failed expectation), and reaps it.
    func kill() {
        guard child.isRunning else { return }
        child.signal(SIGKILL)
        child.waitUntilExit()
    }
}

/// `check[resource]` → `status:code` for every check of a report: one comparison asserts every verdict.
func verdicts(_ report: VerificationReport) -> [String: String] {
    Dictionary(uniqueKeysWithValues: report.checks.map { ($0.qualifiedID, "\($0.status.rawValue):\($0.code)") })
}
