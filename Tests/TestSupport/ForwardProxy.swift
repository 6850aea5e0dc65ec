import Foundation

/// A real forward proxy on 127.0.0.1 (proxy.py, which scripts/setup installs from PyPI), for the
/// duration of a test: HTTP requests are forwarded, HTTPS goes through CONNECT, and every request is
/// in its access log.
struct ForwardProxy {
    let process: BackgroundProcess
    let port: Int

    /// `http://127.0.0.1:PORT`, or with credentials.
    func url(username: String? = nil, password: String? = nil) -> String {
        guard let username else { return "http://127.0.0.1:\(port)" }
        return "http://\(username):\(password ?? "")@127.0.0.1:\(port)"
    }

    /// The access log's request lines so far, from the method on: `CONNECT 127.0.0.1:8081 - 213 bytes - 6.95ms`
    /// (async-http-client tunnels plain HTTP requests through CONNECT too).
    var requests: [String] {
        (process.stderr.text + process.stdout.text).split(separator: "\n").compactMap { line in
            // 2026-12-01 20:09:19,986 - pid:737 [I] server.access_log:393 - 127.0.0.1:52208 - CONNECT …
            guard let marker = line.range(of: "access_log") else { return nil }
            let fields = line[marker.upperBound...].components(separatedBy: " - ")
            return fields.count > 2 ? fields.dropFirst(2).joined(separator: " - ") : nil
        }
    }

    /// The access log's request lines once more than `count` have arrived (proxy.py writes a line
    /// when the client's connection ends, a moment after a command exits), or after 10 s.
    func requests(after count: Int) async -> [String] {
        let deadline = ContinuousClock.now + .seconds(10)
        while requests.count <= count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return Array(requests.dropFirst(count))
    }

    /// A proxy URL where nothing listens: a request that used it would fail.
    static let nowhere = "http://127.0.0.1:1"

    /// Starts the proxy (with Basic authentication when `basicAuth` is `user:password`), waits for it
    /// (bounded), runs `body`, and stops it by PID.
    static func with<Result>(
        basicAuth: String? = nil,
        _ body: (ForwardProxy) async throws -> Result
    ) async throws -> Result {
        let python = which("python3") ?? "/usr/bin/python3"
        let check = try await run(python, ["-c", "import proxy"])
        guard check.status == 0 else {
            throw ForwardProxyError("proxy.py is not installed (scripts/setup installs it): \(check.stderr)")
        }
        let portFile = try Fixture.temporaryDirectory() + "/proxy.port"
        var arguments = [
            "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0", "--port-file", portFile,
            "--num-acceptors", "1", "--log-level", "INFO",
        ]
        if let basicAuth { arguments += ["--basic-auth", basicAuth] }
        let process = try BackgroundProcess(python, arguments)
        defer { process.kill() }
        guard let port = await waitForPort(in: portFile, seconds: 30) else {
            throw ForwardProxyError("proxy.py did not start within 30 s: \(process.stderr.text.suffix(2000))")
        }
        let proxy = ForwardProxy(process: process, port: port)
        let result = try await body(proxy)
        _ = await process.terminate(timeout: .seconds(5))
        return result
    }
}

struct ForwardProxyError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
