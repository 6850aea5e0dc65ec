import ArgumentParser
import StreamShare

struct PreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Show what a share token shares, without redeeming it (the token stays unspent).",
        discussion: """
            Prints the shared topics (each resource's, as its CRN names it), the provider, each shared resource's \
            name and description, its cloud, how it is reached \
            (PRIVATELINK needs --aws-account, --azure-subscription or --gcp-project when redeeming) and its \
            schemas. The token itself is never printed.

            EXAMPLES
              cdx-verify preview --token - < token.txt
              cdx-verify preview --token - --format json < token.txt
            """
    )

    @OptionGroup var cloud: CloudOptions

    @Option(name: .long, help: EnvironmentDefault.tokenHelp)
    var token: String?

    @Option(name: .long, help: "Output format: text or json.")
    var format: ObjectFormat = .text

    @OptionGroup var outputOptions: OutputOptions

    func validate() throws {
        if token == nil, EnvironmentDefault.token.value == nil {
            throw ValidationError("--token is required (or CDX_VERIFY_TOKEN)")
        }
    }

    func run() async throws {
        let secret = try TokenOptions.readToken(token ?? EnvironmentDefault.token.value)
        try await cloud.show(format, output: outputOptions, text: ShareText.preview) {
            (client) async throws(CDXAPIError) in try await client.preview(secret)
        }
    }
}
