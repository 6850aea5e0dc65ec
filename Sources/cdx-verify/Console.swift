import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the command line writes: machine output on stdout, everything for people on stderr. Messages
/// are one line each, with every control character escaped (``TerminalText``): a share id, a file name
/// or a server's message in them can neither act on the terminal nor forge a line.
struct Console: Sendable {
    let quiet: Bool
    let color: Bool
    let stderrIsTTY: Bool

    init(quiet: Bool, noColor: Bool, environment: [String: String]) {
        self.quiet = quiet
        self.stderrIsTTY = isatty(STDERR_FILENO) == 1
        let noColorEnv = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        self.color = !noColor && !noColorEnv && isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
    }

    /// Standard output (reports, exports).
    func output(_ text: String) {
        StandardStreams.writeOut(text)
    }

    /// One error, printed once on stderr.
    func error(_ message: String, hint: String? = nil) {
        var text = "error: \(TerminalText.escaped(message))\n"
        if let hint { text += "hint: \(TerminalText.escaped(hint))\n" }
        StandardStreams.writeError(text)
    }

    /// A warning on stderr (unless --quiet).
    func warning(_ message: String) {
        guard !quiet else { return }
        StandardStreams.writeError("warning: \(TerminalText.escaped(message))\n")
    }

    /// Information on stderr (unless --quiet).
    func info(_ message: String) {
        guard !quiet else { return }
        StandardStreams.writeError("\(TerminalText.escaped(message))\n")
    }

    /// A status that replaces itself on a terminal (one live line on stderr), and is a log line
    /// otherwise (unless --quiet).
    func status(_ message: String) {
        guard !quiet else { return }
        let message = TerminalText.escaped(message)
        let text = stderrIsTTY ? "\r\u{1B}[K\(message)" : "\(message)\n"
        StandardStreams.writeError(text)
    }

    /// Ends a live status line on a terminal.
    func endStatus() {
        guard !quiet, stderrIsTTY else { return }
        StandardStreams.writeError("\r\u{1B}[K")
    }

    /// Progress on stderr, only when it is a terminal.
    func progress(_ message: String) {
        guard !quiet, stderrIsTTY else { return }
        StandardStreams.writeError("\(TerminalText.escaped(message))\n")
    }
}
