import Dispatch
import Foundation
import StreamShare

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `kcat` as the consumer, with the share's configuration in a private, temporary file.
struct KcatConsumer {
    /// The `kcat` executable.
    let executable: URL

    /// Finds `kcat` (or `kafkacat`, its former name) on `PATH`.
    static func find(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> KcatConsumer? {
        for directory in (path ?? "/usr/bin:/bin").split(separator: ":") {
            for name in ["kcat", "kafkacat"] {
                let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) {
                    return KcatConsumer(executable: candidate)
                }
            }
        }
        return nil
    }

    /// Consumes `topic` from its end until every partition is at its end (`-o end -e`), so that the run
    /// is bounded; without `-e` kcat would keep consuming until interrupted.
    ///
    /// The configuration, secrets included, is written to a file of mode 0600 in a new directory of
    /// mode 0700, and both are deleted when kcat exits — also when this process is asked to stop
    /// (SIGINT, SIGTERM), which is forwarded to kcat.
    /// - Parameters:
    ///   - topic: The topic to consume.
    ///   - configuration: The verified share's client configuration.
    /// - Returns: kcat's exit status, or 128 + N when signal N ended it.
    /// - Throws: `ConfigurationError` when the configuration cannot be written as librdkafka properties,
    ///   `ShareFileError` when the file cannot be written, or the error of starting kcat.
    func consume(topic: String, configuration: KafkaClientConfig) async throws -> Int32 {
        let properties = try ClientConfigExporter(kafka: configuration, schemaRegistry: nil)
            .render(.librdkafka, revealSecrets: true)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("preflight-consumer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory,
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o700]
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("consumer.properties")
        // Created with mode 0600 (never wider, not even for a moment) and written atomically.
        try ShareFile.write(Data(properties.utf8), to: file.path, overwrite: false)

        let process = Process()
        process.executableURL = executable
        process.arguments = ["-F", file.path, "-C", "-t", topic, "-o", "end", "-e", "-q"]
        return try await Self.run(process)
    }

    /// Runs `process` to its end without blocking a thread of Swift's cooperative pool, forwarding
    /// SIGINT and SIGTERM to it meanwhile, so that this process outlives it and can clean up. `Process`
    /// starts the child in a process group of its own: Ctrl-C in a terminal reaches it only this way.
    private static func run(_ process: Process) async throws -> Int32 {
        let forwarding = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)  // the default action would end this process before the handler runs
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { if process.isRunning { kill(process.processIdentifier, number) } }
            source.resume()
            return source
        }
        defer {
            forwarding.forEach { $0.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in
                let status = process.terminationStatus
                continuation.resume(returning: process.terminationReason == .uncaughtSignal ? 128 + status : status)
            }
            do {
                try launch(process)
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Starts `process` with no signal blocked. On Linux, `Process` passes the calling thread's signal
    /// mask on to the child (swift-corelibs-foundation issue 4772), and the threads Swift concurrency
    /// and Dispatch run on block nearly every signal: started from one of them as is, kcat would never
    /// see the SIGINT or SIGTERM forwarded to it.
    private static func launch(_ process: Process) throws {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }
}
