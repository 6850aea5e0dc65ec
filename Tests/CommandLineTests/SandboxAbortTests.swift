import Foundation
import Testing

@testable import TestSupport

/// librdkafka 2.0.2's mock cluster aborts the process when a broker taken down cannot re-bind its port
/// (another process bound it with SO_REUSEADDR meanwhile). The abort cannot be caught; the sandbox says
/// what happened before it ends.
@Suite("cdx-verify sandbox: a mock cluster abort", .timeLimit(.minutes(2)))
struct SandboxAbortTests {
    @Test("a sandbox that takes brokers down says why when it gets SIGABRT")
    func abortIsExplained() async throws {
        let sandbox = try BackgroundProcess(CLITests.binary, ["sandbox", "--scenario", "broker-down"])
        defer { sandbox.kill() }
        #expect(await sandbox.waitFor(timeout: .seconds(30)) { stdout, _ in stdout.contains("Serving until") })
        // The signal librdkafka's rd_assert raises through abort(3). (Sent from outside, it is not an
        // abort: after the handlers abort(3) resets the action and raises again, which ends the process;
        // a signal from kill(2) that Swift's backtracer handled does not. So only the notice is checked.)
        #expect(kill(sandbox.pid, SIGABRT) == 0)
        #expect(
            await sandbox.waitFor(timeout: .seconds(60)) { _, stderr in
                stderr.contains("librdkafka 2.0.2's mock cluster aborts") && stderr.contains("Start it again")
            },
            "\(sandbox.stderr.text)"
        )
    }
}
