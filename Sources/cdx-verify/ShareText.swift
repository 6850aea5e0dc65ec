import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How `preview` and `shares` show the CDX API's objects to people; unknown fields and values are shown
/// as received, and every text from the API is escaped for the terminal (``TerminalText``): a name with
/// an escape sequence or a line break can neither act on the terminal nor forge a row.
enum ShareText {
    /// Pretty JSON with sorted keys, ending with a newline.
    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try PrettyJSON.encode(value), as: UTF8.self) + "\n"
    }

    static func preview(_ preview: SharePreview) -> String {
        var lines = ["The token shares \(preview.resources.count) resource(s) (it was not redeemed):"]
        let topics = preview.resources.compactMap(\.topic)
        if !topics.isEmpty {
            lines.append("  topic(s): " + topics.joined(separator: ", "))
        } else if !preview.resources.isEmpty {
            lines.append("  topic(s): not named by the API (the redeem response lists them)")
        }
        for resource in preview.resources { lines += [""] + Self.resource(resource) }
        lines += extra(preview.additionalFields, indent: "")
        if preview.resources.contains(where: \.isPrivateLink) {
            lines += [
                "",
                "PrivateLink: redeem with the account that will connect (--aws-account, --azure-subscription or "
                    + "--gcp-project for the resource's cloud).",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func resource(_ resource: ConsumerSharedResource, indent: String = "") -> [String] {
        var rows: [(String, String)] = []
        if let topic = resource.topic { rows.append(("topic", topic)) }
        var provider = resource.organizationName ?? "-"
        if let contact = resource.organizationContact { provider += " <\(contact)>" }
        rows.append(("provider", provider))
        if let about = resource.organizationDescription { rows.append(("about provider", about)) }
        if let description = resource.description { rows.append(("description", description)) }
        if !resource.tags.isEmpty { rows.append(("tags", resource.tags.joined(separator: ", "))) }
        rows.append(("cloud", resource.cloud?.rawValue ?? "-"))
        rows.append(
            (
                "network",
                resource.networkConnectionTypes.isEmpty
                    ? "public internet" : resource.networkConnectionTypes.map(\.rawValue).joined(separator: ", ")
            )
        )
        if let logo = resource.logoURL { rows.append(("logo", logo)) }
        for schema in resource.schemas {
            var text = schema.subject ?? "-"
            if let version = schema.version { text += " v\(version)" }
            let details = [schema.schemaType, schema.id.map { "id \($0)" }].compactMap { $0 }
            if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
            if !schema.additionalFields.isEmpty { text += " " + JSONValue.object(schema.additionalFields).description }
            rows.append(("schema", text))
        }
        let title = "\(indent)\(escaped(resource.displayName ?? "(no display name)")) [\(escaped(resource.id ?? "-"))]"
        return [title] + table(rows, indent: indent + "  ") + extra(resource.additionalFields, indent: indent + "  ")
    }

    static func shareList(_ shares: [ConsumerShare]) -> String {
        guard !shares.isEmpty else { return "No shares.\n" }
        let header = ["ID", "PHASE", "PROVIDER", "PROVIDER USER", "INVITE EXPIRES", "DELETED"]
        let rows = shares.map { share in
            [
                share.id, share.phase?.rawValue ?? "-", share.providerOrganizationName ?? "-",
                share.providerUserName ?? "-", share.inviteExpiresAt ?? "-", share.metadata?.deletedAt ?? "-",
            ].map(escaped)
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            zip(row, widths).map { $0.0.padded(to: $0.1) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n") + "\n"
    }

    static func share(_ description: ShareDescription) -> String {
        let share = description.share
        var rows: [(String, String)] = [
            ("phase", share.phase?.rawValue ?? "-"),
            ("provider", share.providerOrganizationName ?? "-"),
            ("provider user", share.providerUserName ?? "-"),
        ]
        if let expires = share.inviteExpiresAt { rows.append(("invite expires", expires)) }
        if let created = share.metadata?.createdAt { rows.append(("created", created)) }
        if let deleted = share.metadata?.deletedAt { rows.append(("deleted", deleted)) }
        var lines =
            ["Share \(escaped(share.id))"] + table(rows, indent: "  ") + extra(share.additionalFields, indent: "  ")
        lines += ["", "Shared resources (\(description.resources.count)):"]
        for resource in description.resources {
            lines += Self.resource(resource, indent: "  ")
            if let id = resource.id, let network = description.networks[id] {
                lines += Self.network(network, indent: "    ")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func network(_ network: SharedNetwork, indent: String) -> [String] {
        var rows: [(String, String)] = []
        let endpoint = network.endpoint
        if let kind = endpoint?.kind { rows.append(("kind", kind)) }
        if let service = endpoint?.privateLinkEndpointService {
            rows.append(("endpoint service", service + "  (create an interface VPC endpoint to it)"))
        }
        for (zone, alias) in (endpoint?.privateLinkServiceAliases ?? [:]).sorted(by: { $0.key < $1.key }) {
            rows.append(("alias \(zone)", alias + "  (create a private endpoint to it)"))
        }
        for (zone, attachment) in (endpoint?.privateServiceConnectServiceAttachments ?? [:]).sorted(by: {
            $0.key < $1.key
        }) {
            rows.append(("attachment \(zone)", attachment + "  (create a PSC endpoint to it)"))
        }
        if let domain = network.dnsDomain {
            rows.append(("dns_domain", domain + "  (a private zone resolving to the endpoint)"))
        }
        for (zone, subdomain) in network.zonalSubdomains.sorted(by: { $0.key < $1.key }) {
            rows.append(("zonal subdomain \(zone)", subdomain))
        }
        if let bootstrap = network.kafkaBootstrapURL { rows.append(("bootstrap", bootstrap)) }
        return ["\(indent)Private network \(escaped(network.id ?? "")) — what your network must provide:"]
            + table(rows, indent: indent + "  ") + extra(network.additionalFields, indent: indent + "  ")
            + extra(endpoint?.additionalFields ?? [:], indent: indent + "  ")
    }

    private static func table(_ rows: [(String, String)], indent: String) -> [String] {
        let rows = rows.map { (escaped($0.0), escaped($0.1)) }
        let width = (rows.map(\.0.count).max() ?? 0) + 1
        return rows.map { "\(indent)\(($0.0 + ":").padded(to: width + 1))\($0.1)" }
    }

    /// Fields this version does not know, shown as received (`api_version` and `kind`, which every API
    /// object carries, only in JSON).
    private static func extra(_ fields: [String: JSONValue], indent: String) -> [String] {
        fields.filter { !["api_version", "kind"].contains($0.key) }.sorted { $0.key < $1.key }.map {
            "\(indent)\(escaped($0.key)) (unrecognized): \(escaped($0.value.description))"
        }
    }
}

extension ShareText {
    /// Text from the API as the terminal may show it.
    fileprivate static func escaped(_ text: String) -> String { TerminalText.escaped(text) }
}

/// What `shares describe` shows: the share, its resources, and the network of each PrivateLink resource.
struct ShareDescription: Encodable {
    var share: ConsumerShare
    var resources: [ConsumerSharedResource]
    var networks: [String: SharedNetwork]
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}

extension String {
    /// Padded with spaces, or cut, to `length` characters (`padding(toLength:withPad:startingAt:)`,
    /// which `FoundationEssentials` lacks).
    fileprivate func padded(to length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: " ", count: length - count)
    }
}
