import StreamShareSandbox

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `sandbox` and `demo` say when librdkafka's mock cluster aborts the process.
///
/// librdkafka 2.0.2's mock re-binds a broker's port when the broker is taken down (the scenarios with
/// brokers down) and asserts, aborting the whole process, when the bind fails: another process bound
/// that port with `SO_REUSEADDR` in between (a plain bind or an outgoing connection cannot have it
/// while the sandbox holds the port, see `BrokerPortGuard`). The assertion is in C and cannot be
/// caught; this handler only adds, before the process ends as before (SIGABRT), what happened and
/// what to do.
enum MockAbortNotice {
    /// The action in force before ``install()``: the Swift runtime's backtracer, or the default.
    nonisolated(unsafe) private static var previous = sigaction()

    private static let text: StaticString = """

        cdx-verify: aborted. When the line above is librdkafka's assertion in rdkafka_mock.c ("Failed to-create \
        mock broker listener" or "broker_start_listener() failed"), another process bound the port of a mock \
        broker while the sandbox took the broker down; librdkafka 2.0.2's mock cluster aborts then. Nothing \
        was redeemed from a real cloud. Start it again (new ports are picked); servers that bind a port \
        number they picked beforehand should pick one outside net.ipv4.ip_local_port_range.

        """

    /// Installs the handler for SIGABRT, once per process.
    static func install() {
        var action = sigaction()
        #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = handle
        #else
        action.__sigaction_handler.sa_handler = handle
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGABRT, &action, &previous)
    }

    /// Writes the notice (write(2) only: async-signal-safe), puts the previous action back and raises
    /// the signal again: it is delivered once this handler returns.
    private static let handle: @convention(c) (Int32) -> Void = { signal in
        text.withUTF8Buffer { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
        sigaction(SIGABRT, &MockAbortNotice.previous, nil)
        raise(signal)
    }
}

extension Scenario {
    /// Whether the sandbox takes mock brokers down for it (librdkafka's mock then re-binds their ports;
    /// when every broker is down, the share names ports that refuse connections instead).
    var takesBrokersDown: Bool { !(downBrokers ?? []).isEmpty }
}
