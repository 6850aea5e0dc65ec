import ArgumentParser

/// The documented exit codes (also in `--help` and the README).
enum Exit {
    static let passed = ExitCode(0)
    static let checksFailed = ExitCode(1)
    static let apiError = ExitCode(2)
    static let invalidInput = ExitCode(3)
    static let usage = ExitCode(64)
}
