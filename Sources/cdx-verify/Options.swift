public import ArgumentParser
import AsyncHTTPClient
import Logging
public import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The environment, injectable for tests; flag → environment → default is resolved here only.
enum Environment {
    static let values: [String: String] = ProcessInfo.processInfo.environment
}

/// How the Confluent Cloud API is reached.
struct CloudOptions: ParsableArguments {
    @Option(name: .long, help: "Confluent Cloud API key (default: $CONFLUENT_CLOUD_API_KEY).")
    var apiKey: String?

    @Option(name: .long, help: "Confluent Cloud API secret (default: $CONFLUENT_CLOUD_API_SECRET).")
    var apiSecret: String?

    @Option(
        name: .long,
        help: "CDX API base URL (default: $CDX_API_URL, else \(CDXClient.Configuration.defaultBaseURL.absoluteString))."
    )
    var apiURL: String?

    @OptionGroup var proxyOptions: ProxyOptions

    /// The credentials, from flags or the environment.
    func credentials() throws -> CloudAPICredentials {
        let key = apiKey ?? Environment.values["CONFLUENT_CLOUD_API_KEY"]
        let secret = apiSecret ?? Environment.values["CONFLUENT_CLOUD_API_SECRET"]
        guard let key, !key.isEmpty, let secret, !secret.isEmpty else {
            throw ValidationError(
                "redeeming needs Confluent Cloud API credentials: --api-key/--api-secret or "
                    + "CONFLUENT_CLOUD_API_KEY/CONFLUENT_CLOUD_API_SECRET"
            )
        }
        return CloudAPICredentials(key: key, secret: Secret(secret))
    }

    func baseURL() throws -> URL {
        let text = resolvedAPIURL
        guard let url = URL(string: text), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ValidationError("\(apiURL == nil ? "CDX_API_URL" : "--api-url") '\(text)' is not an http(s) URL")
        }
        return url
    }
}

/// `--proxy` and `--noproxy`, over the environment's proxy variables (read as curl reads them).
struct ProxyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Proxy for the CDX API and Schema Registry requests: http://[user:password@]host:port or "
                + "socks5h://host:port; \"\" for none.",
            discussion:
                "Default: https_proxy/HTTPS_PROXY (https URLs), http_proxy (http URLs), all_proxy, as curl reads "
                + "them. Kafka connections never use it: librdkafka has no HTTP proxy support.",
            valueName: "url"
        )
    )
    var proxy: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Hosts reached without the proxy: comma-separated names (a name covers its subdomains), IP addresses, "
                + "CIDR ranges, or * (default: no_proxy/NO_PROXY).",
            valueName: "list"
        )
    )
    var noproxy: String?

    /// Only `--proxy` itself: an unusable proxy variable is reported when a command needs the settings,
    /// so that `--proxy ""` can always get past it.
    func validate() throws {
        if proxy != nil { _ = try configuration(environment: [:]) }
    }

    /// The settings in force: these flags over the environment.
    func configuration(environment: [String: String] = Environment.values) throws -> HTTPProxyConfiguration {
        do {
            return try HTTPProxyConfiguration.resolve(proxy: proxy, noProxy: noproxy, environment: environment)
        } catch {
            let hint = proxy == nil ? " (--proxy URL replaces the proxy variables; --proxy \"\" ignores them)" : ""
            throw ValidationError(error.message + hint)
        }
    }

    /// The proxy of requests to `url`, if one applies.
    func proxy(for url: URL, logger: Logger?) throws -> HTTPProxy? {
        let proxy = try configuration().proxy(for: url)
        if let proxy { logger?.debug("requests to \(url.host ?? "-") go through the proxy \(proxy)") }
        return proxy
    }
}

/// The token and the private-networking fields of the redeem request.
struct TokenOptions: ParsableArguments {
    @Option(name: .long, help: EnvironmentDefault.tokenHelp)
    var token: String?

    /// `--token`, else `CDX_VERIFY_TOKEN`.
    var resolvedToken: String? { token ?? EnvironmentDefault.token.value }

    @Option(
        name: [.long, .customLong("aws-account-id")],
        help: "Your AWS account ID (PrivateLink shares; --aws-account-id as in the Confluent CLI)."
    )
    var awsAccount: String?

    @Option(
        name: [.long, .customLong("azure-subscription-id")],
        help: "Your Azure subscription ID (Private Link shares; also --azure-subscription-id)."
    )
    var azureSubscription: String?

    @Option(
        name: [.long, .customLong("gcp-project-id")],
        help: "Your GCP project ID (Private Service Connect shares; also --gcp-project-id)."
    )
    var gcpProject: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Redeem without reading what the token shares first.",
            discussion: "By default the token is previewed (not spent) and a PrivateLink share without the account "
                + "for its cloud is refused before redeeming."
        )
    )
    var skipPreview = false

    var privateNetworking: Bool { awsAccount != nil || azureSubscription != nil || gcpProject != nil }

    /// The request, reading the token from stdin when it is `-`.
    func request() throws -> RedeemTokenRequest {
        RedeemTokenRequest(
            token: try Self.readToken(resolvedToken),
            awsAccount: awsAccount,
            azureSubscription: azureSubscription,
            gcpProject: gcpProject
        )
    }

    /// The token of `--token`, read from standard input when it is `-`.
    static func readToken(_ token: String?) throws -> Secret {
        guard var token else { throw ValidationError("--token is required (or CDX_VERIFY_TOKEN)") }
        if token == "-" {
            guard let line = readLine(strippingNewline: true) else {
                throw ValidationError("--token -: nothing on standard input")
            }
            token = line
        }
        token = token.trimmingWhitespace()
        guard !token.isEmpty else { throw ValidationError("the token is empty") }
        return Secret(token)
    }

    /// The flag that gives the account of a cloud, if this version knows one.
    static func accountFlag(for cloud: CloudProvider) -> String? {
        switch cloud {
        case .aws: "--aws-account"
        case .azure: "--azure-subscription"
        case .gcp: "--gcp-project"
        default: nil
        }
    }
}

/// `--format` of the commands that show API objects.
enum ObjectFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Output and logging.
struct OutputOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Only the command's output and errors (no progress or notes).")
    var quiet = false

    @Flag(name: [.short, .long], help: "Debug logging on stderr (never shows secrets).")
    var verbose = false

    @Flag(name: .long, help: "No colours (also: NO_COLOR).")
    var noColor = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
    }

    var console: Console { Console(quiet: quiet, noColor: noColor, environment: Environment.values) }

    var logger: Logger? {
        guard verbose else { return nil }
        var logger = Logger(label: "cdx-verify", factory: { TerminalLogHandler(label: $0) })
        logger.logLevel = .debug
        return logger
    }
}

extension ReportFormat: ExpressibleByArgument {}
extension ConfigFormat: ExpressibleByArgument {}
extension ConsumerConfiguration.Family: ExpressibleByArgument {}

/// What is checked and how: shared by `verify`, `demo` and `watch`.
struct CheckOptions: ParsableArguments {
    @Option(
        name: .long,
        help: EnvironmentDefault.timeout.help(
            "Deadline of the whole verification: 30s, 2m or seconds",
            else: "30s",
            valueName: "duration"
        )
    )
    var timeout: DurationArgument?

    @Flag(
        name: .long,
        help:
            "Also read the latest record of each partition (READ), resolve the schema ids it carries, and join a probe group per prefix once."
    )
    var deep = false

    @Flag(name: .long, help: "Treat warnings as failures (exit 1; unhealthy in watch mode).")
    var strict = false

    @Option(name: .long, help: EnvironmentDefault.caFile.help("A CA bundle to trust for Kafka and the Schema Registry"))
    var caFile: String?

    @Option(
        name: .customShort("X"),
        help: ArgumentHelp("librdkafka property override, as kcat -X.", valueName: "key=value")
    )
    var overrides: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Schema Registry requests per second a run may send (0: no limit). The registry's limit is shared "
                + "with every client of it, the provider's own included.",
            valueName: "n"
        )
    )
    var registryRate: Double = 10

    @Option(name: .long, help: EnvironmentDefault.groupSuffixHelp)
    var groupSuffix: String?

    /// The deadline: `--timeout`, else `CDX_VERIFY_TIMEOUT`, else 30 s (a bad variable is refused by validate()).
    var deadline: Duration {
        ((try? EnvironmentDefault.timeout.resolve(timeout)) ?? nil)?.duration ?? .seconds(30)
    }

    /// `--ca-file`, else `CDX_VERIFY_CA_FILE`.
    var resolvedCAFile: String? { caFile ?? EnvironmentDefault.caFile.value }

    /// `--group-suffix`, else `CDX_VERIFY_GROUP_SUFFIX`, else `consumer`.
    var resolvedGroupSuffix: String {
        groupSuffix ?? EnvironmentDefault.groupSuffix.value ?? KafkaClientConfig.defaultGroupSuffix
    }

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Check that every Kafka host name resolves, and only to private addresses (network.dns).",
            discussion: "What a PrivateLink / Private Service Connect share needs. Implied when redeeming with "
                + "--aws-account, --azure-subscription or --gcp-project, and when Cloud API credentials are at hand "
                + "and the share's resource is a PrivateLink one (its network's DNS domain then goes into the hint)."
        )
    )
    var privateDNS = false

    @OptionGroup var freshness: FreshnessOptions

    @Flag(name: .long, help: .hidden)
    var countKafkaRequests = false

    func validate() throws {
        _ = try EnvironmentDefault.timeout.resolve(timeout)
        if let caFile = resolvedCAFile, !FileManager.default.isReadableFile(atPath: caFile) {
            let name = self.caFile == nil ? EnvironmentDefault.caFile.rawValue : "--ca-file"
            throw ValidationError("\(name) '\(caFile)' cannot be read")
        }
        if !registryRate.isFinite || registryRate < 0 || registryRate > 10_000 {
            throw ValidationError("--registry-rate must be 0 (no limit) to 10000 requests per second")
        }
        for override in overrides where (try? ConfigProperty(parsing: override)) == nil {
            // Echo only what looks like a property name: the rest may be a secret typed with the
            // wrong separator (-X sasl.password:VALUE).
            let name = override.prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }.prefix(64)
            let hidden = name.count < override.count ? "… (rest hidden)" : ""
            throw ValidationError("-X '\(name)\(hidden)' is not key=value")
        }
    }

    /// The verifier's options; `proxy` is for the Schema Registry requests (`.direct` for the sandbox).
    func verifierOptions(privateNetworking: Bool, proxy: HTTPProxyConfiguration) throws -> ShareVerifier.Options {
        var options = ShareVerifier.Options(
            deadline: deadline,
            deep: deep,
            caFile: resolvedCAFile,
            kafka: .init(
                overrides: try overrides.map { try ConfigProperty(parsing: $0) },
                groupSuffix: resolvedGroupSuffix,
                countRequests: countKafkaRequests
            ),
            schemaRegistry: .init(requestsPerSecond: registryRate > 0 ? registryRate : nil),
            network: .init(proxy: proxy, privateDNS: privateNetworking || privateDNS ? PrivateNetworkDNS() : nil)
        )
        freshness.apply(to: &options)
        return options
    }
}

/// Verification settings: the checks and the report.
struct VerifyOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Verify again, with backoff, while checks fail, for up to this long (e.g. 3m); the last run decides. "
                + "Redeem-then-verify waits up to 3m for a new key by default; --wait 0s turns that off.",
            valueName: "duration"
        )
    )
    var wait: WaitArgument?

    @Option(name: .long, help: EnvironmentDefault.format.help("Report format", else: "text"))
    var format: ReportFormat?

    @Option(
        name: .long,
        help: EnvironmentDefault.output.help("Write the report to this file instead of standard output")
    )
    var output: String?

    @OptionGroup var checks: CheckOptions

    var strict: Bool { checks.strict }

    func validate() throws {
        _ = try EnvironmentDefault.format.resolve(format)
    }

    /// `--format`, else `CDX_VERIFY_FORMAT`, else text (a bad variable is refused by validate()).
    var reportFormat: ReportFormat { ((try? EnvironmentDefault.format.resolve(format)) ?? nil) ?? .text }

    /// `--output`, else `CDX_VERIFY_OUTPUT`, else none (standard output).
    var reportOutput: String? { output ?? EnvironmentDefault.output.value }

    func verifierOptions(privateNetworking: Bool, proxy: HTTPProxyConfiguration) throws -> ShareVerifier.Options {
        try checks.verifierOptions(privateNetworking: privateNetworking, proxy: proxy)
    }

    /// The wait policy: `--wait D` waits on any failure; without it, a share just redeemed waits for
    /// its new key (``WaitPolicy/newKey``) and a saved share runs once.
    func waitPolicy(justRedeemed: Bool) -> WaitPolicy {
        if let wait { return WaitPolicy(duration: wait.duration, strict: strict) }
        return justRedeemed ? .newKey : .none
    }
}
