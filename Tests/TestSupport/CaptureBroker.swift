import Foundation

/// A Kafka "broker" on 127.0.0.1 that records what a client sends it (scripts/tests/capture_broker.py):
/// it answers ApiVersions and SaslHandshake so that a SASL/PLAIN client sends its token, and refuses
/// the authentication. Tests use it to prove that a secret never arrives.
struct CaptureBroker {
    /// The port it listens on.
    let port: Int
    /// Its certificate (`--ca-file` to make a client trust it), when it speaks TLS.
    let certificate: String?
    private let captureFile: String

    /// Everything received so far.
    var received: Data { (try? Data(contentsOf: URL(fileURLWithPath: captureFile))) ?? Data() }

    /// Whether `secret` was received.
    func received(_ secret: String) -> Bool { received.range(of: Data(secret.utf8)) != nil }

    /// Starts the broker (plain TCP, or TLS with a throwaway certificate for `certificateNames`, e.g.
    /// `DNS:localhost,IP:127.0.0.1`), runs `body`, and stops it by PID.
    static func with<Result>(
        tls certificateNames: String? = nil,
        _ body: (CaptureBroker) async throws -> Result
    ) async throws -> Result {
        let directory = try Fixture.temporaryDirectory()
        guard let python = which("python3") else { throw ForwardProxyError("python3 is needed for the capture broker") }
        var arguments = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/tests/capture_broker.py").path,
            "--port-file", directory + "/broker.port", "--capture-file", directory + "/captured",
        ]
        var certificate: String? = nil
        if let certificateNames {
            try await makeCertificate(in: directory, names: certificateNames)
            arguments += ["--cert", directory + "/cert.pem", "--key", directory + "/key.pem"]
            certificate = directory + "/cert.pem"
        }
        let process = try BackgroundProcess(python, arguments)
        defer { process.kill() }
        guard let port = await waitForPort(in: directory + "/broker.port", seconds: 30) else {
            throw ForwardProxyError("the capture broker did not start within 30 s: \(process.stderr.text.suffix(2000))")
        }
        let broker = CaptureBroker(port: port, certificate: certificate, captureFile: directory + "/captured")
        let result = try await body(broker)
        _ = await process.terminate(timeout: .seconds(5))
        return result
    }
}
