import Foundation

/// HTTPS in front of an emulator on 127.0.0.1 (scripts/tests/tls_front.py, stdlib Python), with a
/// throwaway self-signed certificate for `localhost` and 127.0.0.1 made by openssl.
struct TLSFront {
    /// The port the TLS front listens on.
    let port: Int
    /// The certificate to trust (`--ca-file`).
    let caFile: String

    /// Starts the front for `backendPort` (bounded wait), runs `body`, and stops it by PID.
    static func with<Result>(backendPort: Int, _ body: (TLSFront) async throws -> Result) async throws -> Result {
        let directory = try Fixture.temporaryDirectory()
        guard let python = which("python3") else { throw ForwardProxyError("python3 is needed for the TLS front") }
        try await makeCertificate(in: directory, names: "DNS:localhost,IP:127.0.0.1")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/tests/tls_front.py").path
        let portFile = directory + "/front.port"
        let process = try BackgroundProcess(
            python,
            [
                script, "--cert", directory + "/cert.pem", "--key", directory + "/key.pem",
                "--backend-port", "\(backendPort)", "--port-file", portFile,
            ]
        )
        defer { process.kill() }
        guard let port = await waitForPort(in: portFile, seconds: 30) else {
            throw ForwardProxyError("the TLS front did not start within 30 s: \(process.stderr.text.suffix(2000))")
        }
        let result = try await body(TLSFront(port: port, caFile: directory + "/cert.pem"))
        _ = await process.terminate(timeout: .seconds(5))
        return result
    }
}

/// Makes a throwaway self-signed certificate valid for `names` (`DNS:localhost,IP:127.0.0.1`) with
/// openssl: `cert.pem` and `key.pem` in `directory`.
func makeCertificate(in directory: String, names: String) async throws {
    guard let openssl = which("openssl") else { throw ForwardProxyError("openssl is needed for a certificate") }
    let made = try await run(
        openssl,
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=\(names)", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ]
    )
    guard made.status == 0 else { throw ForwardProxyError("openssl req failed: \(made.stderr)") }
}

/// Polls a file for a port number that a starting server writes (bounded).
func waitForPort(in file: String, seconds: Int) async -> Int? {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if let text = try? String(contentsOfFile: file, encoding: .utf8),
            let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
        {
            return value
        }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return nil
}
