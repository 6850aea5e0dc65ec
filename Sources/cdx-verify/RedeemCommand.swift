import ArgumentParser
import StreamShare

struct RedeemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeem",
        abstract: "Redeem a share token and save the share (mode 0600) without verifying it.",
        discussion: """
            The token is previewed first (not spent): a PrivateLink share without --aws-account, \
            --azure-subscription or --gcp-project for its cloud is refused with exit 3 and the token stays \
            unspent. --skip-preview redeems without the preview.

            EXAMPLES
              cdx-verify redeem --token - --save share.json < token.txt
              cdx-verify redeem --token - --aws-account 123456789012 < token.txt    a PrivateLink share
            """
    )

    @OptionGroup var tokenOptions: TokenOptions
    @OptionGroup var cloud: CloudOptions
    @OptionGroup var outputOptions: OutputOptions

    @Option(name: [.long, .customLong("save")], help: "Where to save the share (default: share-<time>.json).")
    var out: String?

    @Flag(name: .long, help: "Replace an existing file.")
    var overwrite = false

    func validate() throws {
        if tokenOptions.resolvedToken == nil { throw ValidationError("--token is required (or CDX_VERIFY_TOKEN)") }
    }

    func run() async throws {
        let console = outputOptions.console
        let share = try await Redeeming.redeem(
            cloud: cloud,
            token: tokenOptions,
            savePath: out ?? ShareFiles.defaultSharePath(),
            overwrite: overwrite,
            console: console,
            logger: outputOptions.logger
        ).share
        console.info(
            "share \(share.id ?? "-"): \(share.topics.count) topic(s), \(share.groupPrefixes.count) group prefix(es), "
                + "\(share.subjects.count) subject(s); verify it with: cdx-verify verify --share \(out ?? "FILE")"
        )
    }
}
