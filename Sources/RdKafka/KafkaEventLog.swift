import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What librdkafka reported about one handle: error callbacks, warning-or-worse log lines and, when
/// protocol debugging is on, how many requests of each type were sent.
///
/// librdkafka calls `log_cb` on its own threads and `error_cb` inside `rd_kafka_poll`; both append
/// here under a lock. Readers take snapshots.
package final class KafkaEventLog: Sendable {
    package struct Event: Sendable, Hashable {
        package enum Source: Sendable, Hashable {
            case error
            case log
        }

        package var source: Source
        /// The librdkafka error code (`rd_kafka_resp_err_t`), `nil` for a log line.
        package var code: Int32?
        package var text: String

        package init(source: Source, code: Int32?, text: String) {
            self.source = source
            self.code = code
            self.text = text
        }
    }

    private struct State {
        package var events: [Event] = []
        var requests: [String: Int] = [:]
    }

    private let state = Mutex(State())
    private static let maximumEvents = 500

    package init() {}

    package var events: [Event] { state.withLock { $0.events } }

    /// Requests sent, by type (`Metadata`, `FindCoordinator`, …); filled only with `debug=protocol`.
    package var requestCounts: [String: Int] { state.withLock { $0.requests } }

    /// Forgets every event and request count (a reused handle, before the next run).
    package func reset() {
        state.withLock { $0 = State() }
    }

    package func recordError(code: Int32, reason: String) {
        state.withLock { state in
            if state.events.count < Self.maximumEvents {
                state.events.append(Event(source: .error, code: code, text: reason))
            }
        }
    }

    package func recordLog(level: Int32, facility: String, message: String) {
        // Protocol debug lines look like: "... Sent MetadataRequest (v9, 42 bytes @ 0, CorrId 3)".
        if let range = message.firstRange(of: "Sent "),
            let end = message[range.upperBound...].firstRange(of: "Request (")
        {
            let name = String(message[range.upperBound..<end.lowerBound])
            if !name.isEmpty, !name.contains(" ") {
                state.withLock { $0.requests[name, default: 0] += 1 }
            }
            return
        }
        guard level <= 4 else { return }  // LOG_WARNING and worse only.
        state.withLock { state in
            if state.events.count < Self.maximumEvents {
                state.events.append(Event(source: .log, code: nil, text: "\(facility): \(message)"))
            }
        }
    }
}
