import Foundation

/// A test whose failure can take the whole process down (an `abort()` inside librdkafka's mock
/// cluster, say) runs its body in a child process: this test binary again, filtered to that one test.
/// The suite then sees a failed test, with the child's signal and output, instead of dying with it.
///
///     @Test func risky() async throws {
///         if IsolatedTest.isChild { try body(); return }
///         try await IsolatedTest.expectPassesInChild("risky()")
///     }
enum IsolatedTest {
    /// Set in the child's environment.
    static let variable = "CDX_TEST_ISOLATED_CHILD"

    /// Whether this process is the child that runs the body.
    static var isChild: Bool { ProcessInfo.processInfo.environment[variable] == "1" }

    /// Runs the test named `name` (Swift Testing's `--filter`) in a child, and returns its result.
    static func runInChild(_ name: String) async throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment[variable] = "1"
        return try await TestSupport.run(
            CommandLine.arguments[0],
            ["--testing-library", "swift-testing", "--filter", name],
            environment: environment
        )
    }

    /// In the child, runs `body`; in the parent, runs the test named `name` in a child.
    /// - Returns: Why the child failed, or nil (always nil in the child, where `body`'s own
    ///   expectations are recorded).
    static func run(_ name: String, _ body: () async throws -> Void) async throws -> String? {
        if isChild {
            try await body()
            return nil
        }
        return failure(of: try await runInChild(name))
    }

    /// What the child's result says: nil when it ran exactly one test and that passed, else why not.
    static func failure(of result: ProcessResult) -> String? {
        let output = result.stdout + result.stderr
        if result.status != 0 || !output.contains("Test run with 1 test") || !output.contains("passed") {
            let ending = result.stdout.suffix(1500) + "\n" + result.stderr.suffix(1500)
            return "the isolated test's child exited with status or signal \(result.status):\n\(ending)"
        }
        return nil
    }
}
