/// A credential that must never be printed.
///
/// `Secret` wraps API secrets, Schema Registry secrets, redeem tokens and Cloud API secrets. Every
/// textual path that Swift offers — `description`, `debugDescription`, string interpolation,
/// `dump()` and `Mirror` — shows ``Secret/redactedPlaceholder`` instead of the value. The value is
/// only reachable through ``revealed``, which makes every place that needs it easy to audit.
///
/// Encoding writes the real value, because the share file and the exported client configurations
/// must carry it; those files are written with mode 0600.
public struct Secret: Sendable, Hashable, Codable, ExpressibleByStringLiteral {
    /// The text printed in place of a secret.
    public static let redactedPlaceholder = "<redacted>"

    private let value: String

    /// Wraps a secret value.
    /// - Parameter value: The secret.
    public init(_ value: String) {
        self.value = value
    }

    /// Wraps a secret literal (tests and examples).
    /// - Parameter value: The secret.
    public init(stringLiteral value: String) {
        self.value = value
    }

    /// The secret itself. Use only where the value must leave the process (a request header, a
    /// configuration file the user asked for).
    public var revealed: String { value }

    /// `true` when the wrapped value is empty.
    public var isEmpty: Bool { value.isEmpty }

    public init(from decoder: any Decoder) throws {
        self.value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always ``Secret/redactedPlaceholder``.
    public var description: String { Self.redactedPlaceholder }
    /// Always ``Secret/redactedPlaceholder``.
    public var debugDescription: String { Self.redactedPlaceholder }
    /// A mirror without children, so `dump()` and reflection show nothing of the value.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension Secret {
    /// Replaces every occurrence of the secret in `text` with ``Secret/redactedPlaceholder``.
    ///
    /// Used on messages that come from outside (librdkafka error strings, server responses) which
    /// might echo a value back.
    /// - Parameter text: Text that may contain the secret.
    /// - Returns: The text with the secret removed.
    public func scrub(_ text: String) -> String {
        guard !value.isEmpty else { return text }
        return text.replacing(value, with: Self.redactedPlaceholder)
    }
}
