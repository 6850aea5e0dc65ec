#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A consumer's own client configuration, as its file says it: the properties of a Java client
/// (`consumer.properties`, with `sasl.jaas.config`), of a librdkafka client (`kcat -F`), or the
/// environment file `cdx-verify config --format env` writes.
///
/// Checking it against the share finds what the generated configuration cannot show: a `group.id`
/// outside the shared prefix, a mechanism or password copied from another cluster, a librdkafka key in
/// a Java file. Values are compared, never shown: the configuration holds the consumer's secrets.
///
/// ```swift
/// let consumer = try ConsumerConfiguration(contentsOf: "consumer.properties")
/// let report = try await ShareVerifier().verify(share, consumer: consumer)
/// ```
public struct ConsumerConfiguration: Sendable {
    /// Which client reads the configuration: it decides the spelling of keys and the defaults.
    public enum Family: String, Sendable, CaseIterable {
        /// The Java client (and the Confluent serializers): `sasl.mechanism`, `sasl.jaas.config`.
        case java
        /// librdkafka and the clients built on it (kcat, confluent-kafka-python, -go, -dotnet):
        /// `sasl.mechanisms`, `sasl.username`, `sasl.password`.
        case librdkafka
        /// `KAFKA_*` and `SCHEMA_REGISTRY_*` variables, as `cdx-verify config --format env` writes them
        /// (librdkafka keys).
        case env
    }

    /// The client family the properties are for.
    public let family: Family
    /// The properties, in file order (a key given twice: the last one counts, as in both clients).
    public let properties: [(key: String, value: String)]

    /// Creates a configuration from properties, for example a consumer's settings map.
    /// - Parameters:
    ///   - properties: Keys and values as the client reads them.
    ///   - family: The client family; by default guessed from the keys (``Family/java`` when the keys
    ///     do not tell).
    public init(properties: [(key: String, value: String)], family: Family? = nil) {
        self.properties = properties
        self.family = family ?? Self.guessFamily(properties.map(\.key))
    }

    /// The largest configuration file read: as a share file (``ShareFile/maximumSize``, 16 MiB); a
    /// client configuration is a few kilobytes.
    public static let maximumFileSize = ShareFile.maximumSize

    /// Reads a configuration file (at most ``maximumFileSize`` bytes, never more held in memory).
    /// - Parameters:
    ///   - path: A Java or librdkafka `.properties` file, or an env file.
    ///   - family: The client family; by default guessed from the file.
    /// - Throws: ``ConfigurationError`` when the file cannot be read (or is larger than
    ///   ``maximumFileSize``), is not in an encoding the clients read (UTF-16 or UTF-32, NUL bytes),
    ///   starts with a UTF-8 byte order mark that its client would read as part of the first line, or
    ///   cannot be parsed.
    public init(contentsOf path: String, family: Family? = nil) throws(ConfigurationError) {
        let data: Data
        do {
            data = try BoundedFileRead.contents(of: path, limit: Self.maximumFileSize)
        } catch {
            throw ConfigurationError(
                code: .invalidValue,
                key: nil,
                message: "cannot read the configuration '\(path)': \(error.reason)"
            )
        }
        if let problem = Self.encodingProblem(data) {
            throw ConfigurationError(
                code: .invalidValue,
                key: nil,
                message: "'\(path)': \(problem); Kafka clients read a configuration file as UTF-8 (librdkafka) or "
                    + "ISO 8859-1 (Java): save it as UTF-8"
            )
        }
        // No client skips a UTF-8 byte order mark: it is judged once the family is known.
        let marked = data.starts(with: Self.utf8ByteOrderMark)
        let body = marked ? data.dropFirst(Self.utf8ByteOrderMark.count) : data[...]
        // Java reads .properties as ISO 8859-1 (escapes for the rest); librdkafka and env files as UTF-8.
        let text = String(data: body, encoding: .utf8) ?? String(decoding: body, as: UTF8.self)
        do {
            try self.init(text: text, family: family)
        } catch {
            throw ConfigurationError(code: error.code, key: error.key, message: "'\(path)': \(error.message)")
        }
        if marked, let problem = Self.byteOrderMarkProblem(text, family: self.family) {
            throw ConfigurationError(
                code: .invalidValue,
                key: nil,
                message: "'\(path)' starts with a UTF-8 byte order mark: \(problem); save it as UTF-8 without one"
            )
        }
    }

    private static let utf8ByteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// What a UTF-8 byte order mark before `text` does to its client, or nil when nothing: each takes
    /// it as part of the first line. Java's `Properties` then reads a key other than the first one
    /// (harmless before a comment or a blank line, unless that line ends in a backslash: no longer a
    /// comment, it then continues onto line 2); librdkafka's file readers (`kcat -F`) refuse the
    /// line; a shell or `docker --env-file` reads a variable name that is not one.
    static func byteOrderMarkProblem(_ text: String, family: Family) -> String? {
        switch family {
        case .java:
            // Java ends a line at \n or \r only, and skips only space, tab and form feed before a key.
            let line = String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }))
            let content = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
            if content.reversed().prefix(while: { $0 == "\\" }).count % 2 == 1 {
                return "Java reads it as part of line 1, which no longer reads as a comment and, ending in a "
                    + "backslash, takes line 2 with it"
            }
            guard !content.isEmpty, !content.hasPrefix("#"), !content.hasPrefix("!") else { return nil }
            return "Java reads it as part of the first key, so the client does not see the property on line 1"
        case .librdkafka:
            return "librdkafka's file readers (kcat -F) read it as part of line 1 and refuse the file"
        case .env:
            return "a shell or docker --env-file reads it as part of the first variable's name"
        }
    }

    /// Why the bytes of a file are not text the clients read, or nil: a UTF-16 or UTF-32 byte order mark,
    /// or NUL bytes (UTF-16 or UTF-32 without one, or not a text file). Read as UTF-8, such a file looks
    /// like one without `bootstrap.servers`.
    static func encodingProblem(_ data: Data) -> String? {
        let start = Array(data.prefix(4))
        let marks: [(bytes: [UInt8], name: String)] = [
            ([0xFF, 0xFE, 0x00, 0x00], "UTF-32 (little-endian)"), ([0x00, 0x00, 0xFE, 0xFF], "UTF-32 (big-endian)"),
            ([0xFF, 0xFE], "UTF-16 (little-endian)"), ([0xFE, 0xFF], "UTF-16 (big-endian)"),
        ]
        if let mark = marks.first(where: { start.starts(with: $0.bytes) }) {
            return "the file is \(mark.name), as its byte order mark says"
        }
        if data.contains(0) {
            return "the file has NUL bytes (UTF-16 or UTF-32 without a byte order mark, or not a text file)"
        }
        return nil
    }

    /// Parses the text of a configuration file.
    /// - Throws: ``ConfigurationError`` when it has no property at all, or a property that is never
    ///   passed on (a key or value with a control character, a key that loads code such as
    ///   `plugin.library.paths`), naming its line.
    public init(text: String, family: Family? = nil) throws(ConfigurationError) {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        // An env file: KAFKA_… or SCHEMA_REGISTRY_… variables, and no line that is not a variable
        // (other variables, TZ=UTC say, may be there too).
        let isEnv =
            family == .env
            || (family == nil
                && lines.contains { Self.envAssignment($0) != nil }
                && !lines.contains { Self.isPropertyLine($0) && !Self.isVariableLine($0) })
        let resolved: Family
        let properties: [(key: String, value: String, line: Int)]
        if isEnv {
            resolved = .env
            properties = lines.enumerated().compactMap { index, line in
                Self.envAssignment(line).map { ($0.key, $0.value, index + 1) }
            }
        } else {
            let simple = Self.simpleProperties(lines)
            resolved = family ?? Self.guessFamily(simple.map(\.key))
            properties = resolved == .java ? Self.javaProperties(text) : simple
        }
        // A key with a hidden byte is another key to librdkafka (its C API ends a key at NUL): such a
        // file is refused as a whole, as is one that would load code.
        for property in properties {
            if let reason = Self.refusal(key: property.key, value: property.value) {
                throw ConfigurationError(code: .invalidValue, key: nil, message: "line \(property.line): \(reason)")
            }
        }
        guard !properties.isEmpty else {
            throw ConfigurationError(
                code: .invalidValue,
                key: nil,
                message: "the configuration has no property (expected key=value lines, or KAFKA_… variables)"
            )
        }
        self.init(properties: properties.map { ($0.key, $0.value) }, family: resolved)
    }

    /// Whether a key's value is a credential, to be scrubbed from librdkafka's messages and passed on as a
    /// secret: the keys ``ConfigProperty/secretKeys`` names, and any password, secret, PEM or JAAS-like
    /// `*.config` value.
    static func isSecretKey(_ key: String) -> Bool {
        ConfigProperty.secretKeys.contains(key) || key.contains("password") || key.contains("secret")
            || key.hasSuffix(".pem") || key.hasSuffix(".config")
    }

    /// The value of a key (the last one given).
    public subscript(key: String) -> String? { properties.last { $0.key == key }?.value }

    /// Keys that tell a Java file from a librdkafka one.
    private static let javaOnlyKeys: Set<String> = [
        "sasl.jaas.config", "key.deserializer", "value.deserializer", "schema.registry.url",
        "basic.auth.credentials.source", "basic.auth.user.info", "ssl.truststore.location", "ssl.truststore.type",
        "client.dns.lookup", "max.poll.records", "specific.avro.reader",
    ]
    private static let librdkafkaOnlyKeys: Set<String> = [
        "sasl.username", "sasl.password", "sasl.mechanisms", "ssl.ca.location", "enable.ssl.certificate.verification",
        "metadata.broker.list", "api.version.request", "debug",
    ]

    private static func guessFamily(_ keys: [String]) -> Family {
        // The credentials say it first: only Java has sasl.jaas.config, only librdkafka sasl.username.
        if keys.contains("sasl.jaas.config") { return .java }
        if keys.contains("sasl.username") || keys.contains("sasl.password") { return .librdkafka }
        let java = keys.filter(javaOnlyKeys.contains).count
        let librdkafka = keys.filter(librdkafkaOnlyKeys.contains).count
        return librdkafka > java ? .librdkafka : .java
    }

    // MARK: parsing

    /// `KEY=value`, `export KEY=value`, `KEY='value'` or `KEY="value"`, for `KAFKA_*` and
    /// `SCHEMA_REGISTRY_*` names: the librdkafka or serializer key and the value.
    static func envAssignment(_ line: String) -> (key: String, value: String)? {
        var text = line.trimmingWhitespace()
        if text.hasPrefix("export ") { text = String(text.dropFirst("export ".count)).trimmingWhitespace() }
        guard let equals = text.firstIndex(of: "="), !text.hasPrefix("#") else { return nil }
        let name = String(text[..<equals])
        guard name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else { return nil }
        var value = String(text[text.index(after: equals)...])
        if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        if name.hasPrefix("KAFKA_") {
            return (name.dropFirst("KAFKA_".count).lowercased().replacing("_", with: "."), value)
        }
        if name == "SCHEMA_REGISTRY_URL" { return ("schema.registry.url", value) }
        if name.hasPrefix("SCHEMA_REGISTRY_") {
            return (
                name.dropFirst("SCHEMA_REGISTRY_".count).lowercased().replacing("_", with: "."), value
            )
        }
        return nil
    }

    /// `NAME=…` or `export NAME=…` with an upper-case shell variable name.
    private static func isVariableLine(_ line: String) -> Bool {
        var text = line.trimmingWhitespace()
        if text.hasPrefix("export ") { text = String(text.dropFirst("export ".count)).trimmingWhitespace() }
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return false }
        return text[..<equals].allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }
    }

    private static func isPropertyLine(_ line: String) -> Bool {
        let text = line.trimmingWhitespace()
        return !text.isEmpty && !text.hasPrefix("#") && !text.hasPrefix("!") && text.contains("=")
    }

    /// librdkafka's `key=value` lines (as `kcat -F` reads them): `#` comments, blanks trimmed, no escapes;
    /// each with its line number.
    static func simpleProperties(_ lines: [String]) -> [(key: String, value: String, line: Int)] {
        lines.enumerated().compactMap { index, line in
            let text = line.trimmingWhitespace()
            guard !text.isEmpty, !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { return nil }
            let key = text[..<equals].trimmingWhitespace()
            guard !key.isEmpty else { return nil }
            return (key, text[text.index(after: equals)...].trimmingWhitespace(), index + 1)
        }
    }

    /// `java.util.Properties.load`: logical lines (a line ending in an odd number of backslashes
    /// continues, without the next line's leading blanks), `#` and `!` comments, the key ending at the
    /// first unescaped `=`, `:` or blank, and the escapes `\t \n \r \f \uXXXX` and `\x` for `x`; each
    /// with the number of the line it starts on.
    static func javaProperties(_ text: String) -> [(key: String, value: String, line: Int)] {
        var logical: [(text: String, line: Int)] = []
        var pending: (text: String, line: Int)? = nil
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = Substring(raw)
            if pending != nil { line = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" } }
            if pending == nil {
                let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
                if trimmed.isEmpty || trimmed.first == "#" || trimmed.first == "!" { continue }
                line = trimmed
            }
            let trailing = line.reversed().prefix { $0 == "\\" }.count
            let start = pending ?? ("", index + 1)
            if trailing % 2 == 1 {
                pending = (start.text + line.dropLast(), start.line)
            } else {
                logical.append((start.text + line, start.line))
                pending = nil
            }
        }
        if let pending { logical.append(pending) }
        return logical.map { logical in
            let (key, value) = javaKeyValue(logical.text)
            return (key, value, logical.line)
        }
    }

    private static func javaKeyValue(_ line: String) -> (key: String, value: String) {
        let characters = Array(line)
        var index = 0
        var keyEnd = characters.count
        while index < characters.count {
            let character = characters[index]
            if character == "\\" {
                index += 2
                continue
            }
            if character == "=" || character == ":" || character == " " || character == "\t" || character == "\u{0C}" {
                keyEnd = index
                break
            }
            index += 1
        }
        var valueStart = keyEnd
        while valueStart < characters.count, " \t\u{0C}".contains(characters[valueStart]) { valueStart += 1 }
        if valueStart < characters.count, "=:".contains(characters[valueStart]) {
            valueStart += 1
            while valueStart < characters.count, " \t\u{0C}".contains(characters[valueStart]) { valueStart += 1 }
        }
        return (
            unescapeJava(characters[..<keyEnd]),
            unescapeJava(characters[min(valueStart, characters.count)...])
        )
    }

    private static func unescapeJava(_ characters: ArraySlice<Character>) -> String {
        var result = ""
        var index = characters.startIndex
        while index < characters.endIndex {
            let character = characters[index]
            index += 1
            guard character == "\\", index < characters.endIndex else {
                if character != "\\" { result.append(character) }
                continue
            }
            let escaped = characters[index]
            index += 1
            switch escaped {
            case "t": result.append("\t")
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "f": result.append("\u{0C}")
            case "u":
                let hex = String(characters[index..<min(index + 4, characters.endIndex)])
                if hex.count == 4, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) {
                    result.unicodeScalars.append(scalar)
                    index += 4
                } else {
                    result.append("u")
                }
            default: result.append(escaped)
            }
        }
        return result
    }

    /// The options of a JAAS configuration entry: `Module flag key="value" key2=value2;`.
    static func jaasOptions(_ text: String) -> (module: String, options: [String: String]) {
        var characters = Substring(text.trimmingWhitespace())
        if characters.hasSuffix(";") { characters = characters.dropLast() }
        func skipBlanks() { characters = characters.drop { $0.isWhitespace } }
        func word() -> String {
            let word = characters.prefix { !$0.isWhitespace && $0 != "=" }
            characters = characters.dropFirst(word.count)
            return String(word)
        }
        skipBlanks()
        let module = word()
        skipBlanks()
        _ = word()  // required, optional, requisite, sufficient
        var options: [String: String] = [:]
        while true {
            skipBlanks()
            let key = word()
            guard !key.isEmpty else { break }
            skipBlanks()
            guard characters.first == "=" else { break }
            characters = characters.dropFirst()
            skipBlanks()
            var value = ""
            if let quote = characters.first, quote == "\"" || quote == "'" {
                characters = characters.dropFirst()
                while let character = characters.first, character != quote {
                    characters = characters.dropFirst()
                    if character == "\\", let next = characters.first {
                        value.append(next)
                        characters = characters.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                characters = characters.dropFirst()
            } else {
                value = word()
            }
            options[key] = value
        }
        return (module, options)
    }
}
