import ArgumentParser
import StreamShare

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a share: redeem a token (saving the share first) or read a saved share file.",
        discussion: """
            EXAMPLES
              cdx-verify --token - --save share.json < token.txt    redeem (saved first, 0600), then verify
              cdx-verify verify --share share.json --deep           a saved share, proving READ too
              cdx-verify verify --share share.json -F app.properties --format junit --output report.xml
            """
    )

    // The inputs first: --help lists options in this order.
    @OptionGroup var tokenOptions: TokenOptions

    @Option(
        name: .long,
        help: EnvironmentDefault.share.help("A share file saved by an earlier redeem, verified without a redeem")
    )
    var share: String?

    @Option(name: .long, help: "Where to save the redeemed share (default: share-<time>.json; never overwritten).")
    var save: String?

    @Option(
        name: [.customShort("F"), .customLong("config")],
        help: ArgumentHelp(
            "The consumer's own configuration: check it against the share, then verify with it.",
            discussion: "A Java .properties file (sasl.jaas.config), a librdkafka one (kcat -F), or the env "
                + "file of config --format env. Secrets in it are compared, never shown.",
            valueName: "file"
        )
    )
    var config: String?

    @Option(
        name: .customLong("config-format"),
        help: "How to read --config: java, librdkafka or env (default: guessed from its keys)."
    )
    var configFormat: ConsumerConfiguration.Family?

    @OptionGroup var cloud: CloudOptions
    @OptionGroup var verifyOptions: VerifyOptions
    @OptionGroup var outputOptions: OutputOptions

    /// What is verified: a token to redeem, or a saved share file.
    enum Input {
        case token
        case share(String)
    }

    /// `--token` or `--share`, else `CDX_VERIFY_TOKEN` or `CDX_VERIFY_SHARE`: a flag wins over both variables.
    func input() throws -> Input {
        switch (tokenOptions.token, share) {
        case (.some, nil): return .token
        case (nil, .some(let path)): return .share(path)
        case (.some, .some): throw ValidationError("--token and --share cannot be used together")
        case (nil, nil):
            switch (EnvironmentDefault.token.value, EnvironmentDefault.share.value) {
            case (.some, nil): return .token
            case (nil, .some(let path)): return .share(path)
            case (.some, .some):
                throw ValidationError("CDX_VERIFY_TOKEN and CDX_VERIFY_SHARE are both set: give --token or --share")
            case (nil, nil):
                throw ValidationError(
                    "give --token TOKEN (redeem, then verify) or --share FILE (verify a saved share)"
                )
            }
        }
    }

    func validate() throws {
        if case .share = try input(), save != nil { throw ValidationError("--save only applies with --token") }
        if configFormat != nil, config == nil { throw ValidationError("--config-format only applies with --config") }
    }

    func run() async throws {
        // As the watch does (and Go's runtime): the soft descriptor limit up to the hard one. Proving
        // a large cluster's brokers at once takes descriptors that grow with its size squared.
        _ = FileDescriptors.raiseSoftLimit()
        let console = outputOptions.console
        let logger = outputOptions.logger
        let savePath = save ?? ShareFiles.defaultSharePath()
        let input = try input()
        let sharePath: String? = if case .share(let path) = input { path } else { nil }
        if let output = verifyOptions.reportOutput {
            // Decided before redeeming: a report must never take the place of the credentials.
            do {
                try ShareFiles.checkReportDestination(output, shares: [sharePath ?? savePath])
            } catch let error as ValidationError {
                console.error(error.message)
                throw Exit.usage
            }
        }
        // Read before redeeming: an unreadable configuration must not cost the one-time token.
        var consumer: ConsumerConfiguration? = nil
        if let config {
            do {
                consumer = try ConsumerConfiguration(contentsOf: config, family: configFormat)
            } catch {
                console.error(error.description)
                throw Exit.invalidInput
            }
        }
        let redeemed: PreparedShare
        if let sharePath {
            redeemed = try ShareFiles.read(sharePath, console: console)
        } else {
            redeemed = try await Redeeming.redeem(
                cloud: cloud,
                token: tokenOptions,
                savePath: savePath,
                overwrite: false,
                console: console,
                logger: logger
            )
        }
        try await Verifying.verify(
            redeemed,
            options: verifyOptions,
            verifierOptions: try verifyOptions.verifierOptions(
                privateNetworking: tokenOptions.privateNetworking,
                proxy: try cloud.proxyOptions.configuration()
            ),
            consumer: consumer,
            wait: verifyOptions.waitPolicy(justRedeemed: sharePath == nil),
            cloud: cloud,
            console: console,
            logger: logger
        )
    }
}
