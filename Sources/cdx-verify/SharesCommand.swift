import ArgumentParser
import StreamShare

struct SharesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shares",
        abstract: "List, describe and leave the shares of your Confluent Cloud user (consumer side).",
        discussion: """
            Uses the Cloud API key (--api-key/--api-secret or CONFLUENT_CLOUD_API_KEY/CONFLUENT_CLOUD_API_SECRET) \
            of the user who redeemed or was invited. Phases: INVITED, ACTIVE, EXPIRED, DEACTIVATED (others are \
            shown as the API sends them).

            EXAMPLES
              cdx-verify shares list
              cdx-verify shares describe cs-abc123 --format json
              cdx-verify shares delete cs-abc123 --force
            """,
        subcommands: [List.self, Describe.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List your shares: id, phase, provider, invitation expiry (every page is read)."
        )

        @OptionGroup var cloud: CloudOptions

        @Flag(name: .long, help: "Also list shares you left or that were deleted.")
        var includeDeleted = false

        @Option(name: .long, help: "Output format: text or json.")
        var format: ObjectFormat = .text

        @OptionGroup var outputOptions: OutputOptions

        func run() async throws {
            try await cloud.show(format, output: outputOptions, text: ShareText.shareList) {
                (client) async throws(CDXAPIError) in try await client.listShares(includeDeleted: includeDeleted)
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "describe",
            abstract: "Show a share, its resources, and for PrivateLink what your network must provide.",
            discussion: """
                For a PrivateLink resource: the endpoint service (AWS), the service alias per zone (Azure) or the \
                service attachment per zone (GCP), the DNS domain and the zonal subdomains.
                """
        )

        @OptionGroup var cloud: CloudOptions

        @Argument(help: "The share's id (see shares list).")
        var id: String

        @Option(name: .long, help: "Output format: text or json.")
        var format: ObjectFormat = .text

        @OptionGroup var outputOptions: OutputOptions

        func validate() throws { try SharesCommand.checkID(id) }

        func run() async throws {
            try await cloud.show(format, output: outputOptions, text: ShareText.share) {
                (client) async throws(CDXAPIError) in
                let share = try await client.share(id: id)
                let resources = try await client.sharedResources(shareID: id)
                var networks: [String: SharedNetwork] = [:]
                for resource in resources where resource.isPrivateLink {
                    guard let resourceID = resource.id else { continue }
                    networks[resourceID] = try await client.network(resourceID: resourceID)
                }
                return ShareDescription(share: share, resources: resources, networks: networks)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Leave a share: its credentials stop working (needs --force).",
            discussion: "Without --force nothing is deleted: the command says what would be, and exits 64."
        )

        @OptionGroup var cloud: CloudOptions

        @Argument(help: "The share's id (see shares list).")
        var id: String

        @Flag(name: .long, help: "Really delete the share.")
        var force = false

        @OptionGroup var outputOptions: OutputOptions

        func validate() throws { try SharesCommand.checkID(id) }

        func run() async throws {
            let console = outputOptions.console
            let client = try cloud.client(logger: outputOptions.logger)
            let share: ConsumerShare
            do {
                share = try await client.share(id: id)
            } catch {
                throw CommandFailure.report(error, console: console)
            }
            // What is deleted is what was checked: the share read back must be the one typed.
            guard share.id == id else {
                console.error(
                    "the CDX API answered share \(share.id) when asked for share \(id): nothing was deleted",
                    hint: "check --api-url; if it is Confluent Cloud's, quote this to Confluent support"
                )
                throw Exit.apiError
            }
            let what =
                "share \(id) (\(share.phase?.rawValue ?? "no phase"), from "
                + "\(share.providerOrganizationName ?? "an unnamed provider"))"
            guard force else {
                console.error(
                    "not deleting \(what) without --force: its credentials would stop working for every consumer "
                        + "that uses them",
                    hint: "run again with --force to leave the share"
                )
                throw Exit.usage
            }
            do {
                try await client.deleteShare(id: id)
            } catch {
                throw CommandFailure.report(error, console: console)
            }
            console.info("deleted \(what)")
        }
    }

    /// Refuses (usage error, exit 64) an id that is not one share id: empty, `.` or `..`, or with `/`, `?`,
    /// `#`, `%` or a control character. Ids are `cs-…`; such characters are a typo or an attempt to send
    /// the request to another path.
    static func checkID(_ id: String) throws {
        let reason =
            CDXClient.invalidIDReason(id)
            ?? id.first(where: { "/?#%".contains($0) }).map { "it has '\($0)', which no share id has" }
        if let reason {
            throw ValidationError("'\(TerminalText.escaped(id))' is not a share id: \(reason)")
        }
    }
}
