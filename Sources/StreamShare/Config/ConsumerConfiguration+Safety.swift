extension ConsumerConfiguration {
    /// Keys whose value makes librdkafka load or run code of the value's choosing. A consumer's file
    /// is checked, not trusted: these are refused from it (a user who means one types it with `-X`).
    static let codeLoadingKeys: [String: String] = [
        "plugin.library.paths": "loads plugin libraries into the process",
        "ssl.engine.location": "loads an OpenSSL engine into the process",
        "ssl.providers": "loads OpenSSL provider modules into the process",
        "sasl.kerberos.kinit.cmd": "runs a shell command",
    ]

    /// Why a setting of a consumer's file is never used, or `nil` when it may be: a key with a control
    /// character (librdkafka's C API ends a key at NUL, so `bootstrap.servers<NUL>` *is*
    /// `bootstrap.servers` to it while every check here sees another key), a value with one (tab
    /// aside), or a key that loads code.
    static func refusal(key: String, value: String) -> String? {
        if let scalar = key.unicodeScalars.first(where: isControl) {
            return "the key '\(visible(key))' contains the control character \(codePoint(scalar)); "
                + "it is refused (a client would read another key)"
        }
        if let scalar = value.unicodeScalars.first(where: { isControl($0) && $0 != "\t" }) {
            return "the value of '\(visible(key))' contains the control character \(codePoint(scalar)); "
                + "it is refused (a client would read another value)"
        }
        if let what = codeLoadingKeys[key] {
            return "\(key) \(what): it is never taken from a consumer's configuration "
                + "(give it with -X if you mean it)"
        }
        return nil
    }

    /// C0 controls, DEL and C1 controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// The text with its control characters written as `\u{…}`, to be shown.
    static func visible(_ text: String) -> String {
        text.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16, uppercase: true))}" : "\($0)" }
            .joined()
    }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
