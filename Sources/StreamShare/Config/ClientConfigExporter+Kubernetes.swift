/// The Kubernetes export: a `Secret` for a consumer pod.
extension ClientConfigExporter {
    /// A Kubernetes `Secret` (type `Opaque`, `stringData`) whose keys are the ``ConfigFormat/env``
    /// variables (`envFrom: [{secretRef: {name: …}}]` sets them in a pod), named ``kubernetesName``,
    /// labelled and annotated with the share. Every value is a double-quoted YAML scalar with
    /// everything outside printable ASCII escaped.
    /// - Throws: ``ConfigurationError/Code/invalidValue`` when ``namespace`` is not a DNS-1123 label.
    func kubernetesSecret(_ reveal: Bool) throws(ConfigurationError) -> String {
        func literal(_ text: String) -> String { Self.quoted(text, astral: .eightDigits) }
        if let namespace, !Self.isDNS1123Label(namespace) {
            throw ConfigurationError(
                code: .invalidValue,
                key: "namespace",
                message: "'\(Self.commentSafe(String(namespace.prefix(80))))' is not a DNS-1123 label "
                    + "(at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)"
            )
        }
        var lines = headerComment("#")
        lines.append(
            "# A pod takes these as environment variables with envFrom: [{secretRef: {name: \(kubernetesName)}}]."
        )
        lines += ["apiVersion: v1", "kind: Secret", "metadata:", "  name: \(kubernetesName)"]
        if let namespace { lines.append("  namespace: \(literal(namespace))") }
        lines += ["  labels:", "    app.kubernetes.io/managed-by: cdx-verify"]
        let label = Self.dnsLabel(origin?.shareID ?? "")
        if !label.isEmpty { lines.append("    cdx-verify/share: \(literal(label))") }
        if let origin {
            lines.append("  annotations:")
            if let id = origin.shareID { lines.append("    cdx-verify/share-id: \(literal(id))") }
            lines.append("    cdx-verify/topics: \(literal(origin.topics.joined(separator: ",")))")
        }
        lines += ["type: Opaque", "stringData:"]
        lines += environment(reveal).map { "  \($0.name): \(literal($0.value))" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The Secret's name: `cdx-client-` and the share id made a DNS-1123 label (lower case, other
    /// characters as `-`, at most 63 in all), or `cdx-client` without an id.
    public var kubernetesName: String {
        let suffix = Self.dnsLabel(origin?.shareID ?? "", limit: 63 - "cdx-client-".count)
        return suffix.isEmpty ? "cdx-client" : "cdx-client-" + suffix
    }

    /// `text` as a DNS-1123 label (also a valid label value): ASCII letters lowered, anything else
    /// but digits as `-`, trimmed of `-` at both ends, at most `limit` characters.
    static func dnsLabel(_ text: String, limit: Int = 63) -> String {
        var label = String(
            text.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z", "0"..."9": Character(scalar)
                case "A"..."Z": Character(String(scalar).lowercased())
                default: "-"
                }
            }
        )
        label = String(label.drop { $0 == "-" })
        label = String(label.prefix(limit))
        while label.hasSuffix("-") { label.removeLast() }
        return label
    }

    /// Whether `text` is a DNS-1123 label: 1 to 63 of `a-z`, `0-9`, `-`, starting and ending with a
    /// letter or digit (what Kubernetes requires of a namespace).
    /// - Parameter text: The candidate name.
    public static func isDNS1123Label(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 63 && dnsLabel(text) == text
    }
}
