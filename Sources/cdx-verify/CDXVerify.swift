import ArgumentParser
import StreamShare

@main
struct CDXVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cdx-verify",
        abstract: "Redeem a Confluent Cloud Stream Sharing token and prove the share can be consumed.",
        discussion: """
            Verifies that every shared topic, consumer-group prefix and Schema Registry subject is reachable and \
            authorized, and says which stage failed (DNS, TCP, TLS, authentication, authorization, missing \
            resource) and what to do.

            Cloud API credentials: --api-key/--api-secret or CONFLUENT_CLOUD_API_KEY/CONFLUENT_CLOUD_API_SECRET.
            Pass the token as --token - to read it from standard input, or in CDX_VERIFY_TOKEN (keeps it out of \
            shell history and of the process list).
            Before redeeming, the token is previewed (not spent): a PrivateLink share without the account for its \
            cloud (--aws-account, --azure-subscription, --gcp-project) is refused (exit 3); --skip-preview skips it.
            HTTP requests (CDX API, Schema Registry) go through --proxy, else https_proxy / http_proxy / all_proxy \
            (except no_proxy hosts), read as curl reads them; Kafka connections never use a proxy.

            EXAMPLES
              cdx-verify preview --token - < token.txt               what a token shares (not spent)
              cdx-verify --token - --save share.json < token.txt     redeem, save (0600), verify
              cdx-verify verify --share share.json                   verify a saved share again
              cdx-verify sandbox                                     try it all locally (prints exports and a token)

            ENVIRONMENT (defaults of flags; a flag always wins)
            \(EnvironmentDefault.helpList)

            EXIT CODES
              0   every check passed (warnings allowed unless --strict)
              1   at least one check failed (or warned, with --strict)
              2   redeem / CDX API error
              3   invalid input: share file, API response or configuration;
                  a PrivateLink token without the account for its cloud (not redeemed)
              64  usage error
              130, 143  stopped by SIGINT, SIGTERM (a redeem in flight is saved first)
            """,
        version: "cdx-verify \(StreamShareVersion.string) (librdkafka \(KafkaLibrary.version))",
        subcommands: [
            VerifyCommand.self, RedeemCommand.self, PreviewCommand.self, SharesCommand.self, ConfigCommand.self,
            WatchCommand.self, SandboxCommand.self, DemoCommand.self,
        ],
        defaultSubcommand: VerifyCommand.self
    )

    /// argument-parser's entry point, with one change: an error's message is printed with its control
    /// characters escaped. A value from the command line is quoted back in argument-parser's errors
    /// ("The value '…' is invalid for '--interval'", "Unknown option '…'") and in the validation
    /// errors of the commands, and a terminal would act on an escape sequence in it.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitEscaping(error)
        }
    }

    /// Exits as argument-parser's `exit(withError:)` does, the error's message escaped line by line;
    /// help and the version (exit 0) are printed as they are.
    private static func exitEscaping(_ error: any Error) -> Never {
        let code = exitCode(for: error)
        guard code != .success else { exit(withError: error) }
        let message = fullMessage(for: error)
        if !message.isEmpty {
            let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
            StandardStreams.writeError(lines.map { TerminalText.escaped(String($0)) }.joined(separator: "\n") + "\n")
        }
        exit(withError: code)  // an ExitCode: exits with it, printing nothing
    }
}
