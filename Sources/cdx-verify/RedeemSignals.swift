import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT and SIGTERM while a redeem is in flight: the token is spent as soon as the server has the
/// request, and its answer is the only copy of the credentials. Between sending the redeem and saving
/// its answer the signal is held: the process says so on standard error at once, saves (or prints) the
/// answer, and only then exits with the signal's status (130, 143).
enum RedeemSignals {
    /// The first signal that arrived while held (0: none). Read by the handler: initialized before it is
    /// installed.
    fileprivate static let received = Atomic<Int32>(0)

    /// Runs `body` with SIGINT and SIGTERM held, then restores the previous dispositions.
    /// - Returns: What `body` returned, and the signal that arrived meanwhile (the caller exits with
    ///   128 + it once the answer is saved or printed).
    static func holding<Value>(_ body: () async -> Value) async -> (value: Value, signal: Int32?) {
        received.store(0, ordering: .sequentiallyConsistent)
        var previous: [sigaction] = [sigaction(), sigaction()]
        let signals = [SIGINT, SIGTERM]
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = holdSignal
        #else
        action.__sigaction_u.__sa_handler = holdSignal
        #endif
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        for (index, signal) in signals.enumerated() { sigaction(signal, &action, &previous[index]) }
        let value = await body()
        for (index, signal) in signals.enumerated() { sigaction(signal, &previous[index], nil) }
        let signal = received.load(ordering: .sequentiallyConsistent)
        return (value, signal == 0 ? nil : signal)
    }
}

/// The handler: records the first signal and says, once, why the process does not stop yet. Only
/// async-signal-safe work: an atomic exchange and write(2) of a static string.
private func holdSignal(_ signal: Int32) {
    guard
        RedeemSignals.received.compareExchange(expected: 0, desired: signal, ordering: .sequentiallyConsistent)
            .exchanged
    else { return }
    let message: StaticString = """

        cdx-verify: signal received while the redeem is in flight (the token may be spent): \
        waiting for the redeem's answer to save it

        """
    _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
}
