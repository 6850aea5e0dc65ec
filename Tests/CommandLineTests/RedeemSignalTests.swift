import Foundation
import StreamShareSandbox
import Testing

@testable import StreamShare
@testable import TestSupport

/// A signal while the redeem is in flight (the token spent server-side): the answer is awaited and
/// saved, then the process exits with the signal's status.
@Suite("cdx-verify redeem: SIGINT and SIGTERM while the redeem is in flight", .serialized, .timeLimit(.minutes(2)))
struct RedeemSignalTests {
    @Test("the redeem's answer is saved, then the process exits 128 + the signal", arguments: [SIGINT, SIGTERM])
    func signalDuringRedeemSavesTheShare(signal: Int32) async throws {
        try await Sandbox.withSandbox(scenario: .healthy) { sandbox in
            let token = try sandbox.mintToken()
            // The emulator spends the token at once and answers 3 s later.
            sandbox.api.enqueue(.delay(.seconds(3)))
            let path = try Fixture.temporaryDirectory() + "/share.json"
            let redeem = try BackgroundProcess(
                CLITests.binary,
                [
                    "redeem", "--token", token.revealed, "--out", path, "--api-url", sandbox.apiURL.absoluteString,
                    "--api-key", sandbox.cloudCredentials.key, "--api-secret", sandbox.cloudCredentials.secret.revealed,
                ]
            )
            defer { redeem.kill() }
            // In flight: the request reached the emulator, which has not answered yet.
            let deadline = ContinuousClock.now + .seconds(30)
            while sandbox.api.redeemRequestCount == 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(sandbox.api.redeemRequestCount == 1)
            redeem.signal(signal)
            let status = await redeem.exitStatus(within: .seconds(30))
            #expect(status == 128 + signal, "\(redeem.stderr.text)")
            let stderr = redeem.stderr.text
            #expect(stderr.contains("waiting for the redeem's answer to save it"), "\(stderr)")
            #expect(stderr.contains("saved the redeemed share to \(path)"), "\(stderr)")
            let saved = try ShareFile.read(path).share
            #expect(!saved.apiKey.isEmpty)
            CLITests.expectNoSecrets([redeem.stdout.text, stderr], [token.revealed, saved.secret.revealed])
        }
    }
}
