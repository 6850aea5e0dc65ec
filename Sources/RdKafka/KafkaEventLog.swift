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
        // A byte search: this runs for every debug line, on librdkafka's own threads.
        let bytes = Array(message.utf8)
        if let sent = Self.find(Self.sent, in: bytes, from: 0),
            let end = Self.find(Self.request, in: bytes, from: sent.upperBound)
        {
            let name = String(decoding: bytes[sent.upperBound..<end.lowerBound], as: UTF8.self)
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

    private static let sent = Array("Sent ".utf8)
    private static let request = Array("Request (".utf8)

    /// Where `needle` first occurs in `bytes` at or after `start` (`range(of:)`, without Foundation).
    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Range<Int>? {
        var index = start
        while index + needle.count <= bytes.count {
            if bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) {
                return index..<index + needle.count
            }
            index += 1
        }
        return nil
    }
}
