import Logging
import StreamShare

/// swift-log's `StreamLogHandler` on standard error, with the message and every metadata value escaped
/// for the terminal (``TerminalText``): a share file's name, a share id or a server's message with a
/// line break or an escape sequence can neither forge a log line nor act on the terminal.
struct TerminalLogHandler: LogHandler {
    private var inner: StreamLogHandler
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) {
        inner = StreamLogHandler.standardError(label: label)
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
            event.error = nil
        }
        event.message = "\(TerminalText.escaped(event.message.description))"
        event.metadata = merged.isEmpty ? nil : Self.escaped(merged)
        inner.log(event: event)
    }

    private static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        Dictionary(metadata.map { (TerminalText.escaped($0.key), escaped($0.value)) }) { $1 }
    }

    private static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(TerminalText.escaped(text))
        case .stringConvertible(let convertible): .string(TerminalText.escaped(convertible.description))
        case .array(let values): .array(values.map(escaped))
        case .dictionary(let nested): .dictionary(escaped(nested))
        }
    }
}
