import ArgumentParser
import StreamShare

extension CloudOptions {
    /// `--api-url`, else `CDX_API_URL` (what `cdx-verify sandbox` prints an export of), else Confluent Cloud's.
    var resolvedAPIURL: String {
        if let apiURL { return apiURL }
        if let fromEnvironment = Environment.values["CDX_API_URL"], !fromEnvironment.isEmpty { return fromEnvironment }
        return CDXClient.Configuration.defaultBaseURL.absoluteString
    }
}

/// The `CDX_VERIFY_*` variables: defaults of the flags users set in CI, where a flag is awkward (the
/// token from a CI secret, kept out of the command line and the shell history; one report format and
/// deadline for every job). Resolved here only: a flag always wins, then its variable (unset or empty:
/// none), then the flag's own default. A value the flag would refuse is a usage error that names the
/// variable. `CDX_VERIFY_SHARD` and `CDX_VERIFY_POD_INDEX` (watch) are read by `WatchCommand`.
enum EnvironmentDefault: String, CaseIterable {
    case token = "CDX_VERIFY_TOKEN"
    case share = "CDX_VERIFY_SHARE"
    case format = "CDX_VERIFY_FORMAT"
    case output = "CDX_VERIFY_OUTPUT"
    case timeout = "CDX_VERIFY_TIMEOUT"
    case caFile = "CDX_VERIFY_CA_FILE"
    case groupSuffix = "CDX_VERIFY_GROUP_SUFFIX"
    case maxStaleness = "CDX_VERIFY_MAX_STALENESS"
    case maxLag = "CDX_VERIFY_MAX_LAG"

    /// The variable's value; nil when it is unset or empty.
    var value: String? { Environment.values[rawValue].flatMap { $0.isEmpty ? nil : $0 } }

    /// `flag` when given, else the variable read as the flag reads its argument, else nil.
    /// - Throws: `ValidationError` naming the variable when the flag would refuse its value.
    func resolve<Value: ExpressibleByArgument>(_ flag: Value?) throws -> Value? {
        if let flag { return flag }
        guard let text = value else { return nil }
        guard let parsed = Value(argument: text) else {
            let choices = Value.allValueStrings
            // The token is a string, always accepted: no value shown here is a secret.
            throw ValidationError(
                "\(rawValue) '\(text.prefix(80))' is not "
                    + (choices.isEmpty ? "a valid \(self.flag) value" : "one of \(choices.joined(separator: ", "))")
            )
        }
        return parsed
    }

    /// The help of the flag the variable stands for: `text` and the default, "(default: $VARIABLE[, else
    /// fallback])", so that every option names its variable alike.
    func help(_ text: String, else fallback: String? = nil, valueName: String? = nil) -> ArgumentHelp {
        let fallback = fallback.map { ", else \($0)" } ?? ""
        return ArgumentHelp("\(text) (default: $\(rawValue)\(fallback)).", valueName: valueName)
    }

    /// `--token`'s help, wherever a command takes a token.
    static let tokenHelp = token.help("The share token ('-' reads it from standard input)", valueName: "token")

    /// `--group-suffix`'s help, wherever a command takes one.
    static let groupSuffixHelp = groupSuffix.help(
        "Appended to the shared group prefix for group.id",
        else: KafkaClientConfig.defaultGroupSuffix
    )

    /// The flag the variable stands for.
    var flag: String {
        switch self {
        case .token: "--token"
        case .share: "--share"
        case .format: "--format"
        case .output: "--output"
        case .timeout: "--timeout"
        case .caFile: "--ca-file"
        case .groupSuffix: "--group-suffix"
        case .maxStaleness: "--max-staleness"
        case .maxLag: "--max-lag"
        }
    }

    /// The ENVIRONMENT lines of the root `--help`: each variable and the flag it stands for.
    static var helpList: String {
        var rows = [
            ("CONFLUENT_CLOUD_API_KEY", "--api-key"), ("CONFLUENT_CLOUD_API_SECRET", "--api-secret"),
            ("CDX_API_URL", "--api-url"),
        ]
        for variable in allCases {
            let commands =
                switch variable {
                case .token: "verify, redeem, preview"
                case .share: "verify, config, watch"
                case .format, .output: "the report of verify and demo"
                case .timeout: "verify, demo, watch"
                case .caFile, .groupSuffix: "verify, demo, watch, config"
                case .maxStaleness, .maxLag: "verify, demo, watch"
                }
            rows.append((variable.rawValue, "\(variable.flag) (\(commands))"))
        }
        rows += [
            ("CDX_VERIFY_SHARD", "--shard (watch)"),
            ("CDX_VERIFY_POD_INDEX", "the shard with --shard-count (watch)"),
            ("https_proxy, http_proxy, all_proxy", "--proxy (as curl reads them)"), ("no_proxy", "--noproxy"),
            ("NO_COLOR", "--no-color"),
        ]
        let width = "CONFLUENT_CLOUD_API_SECRET".count + 2
        return rows.map { name, flag in
            "  " + name + (name.count < width ? String(repeating: " ", count: width - name.count) : "  ") + flag
        }.joined(separator: "\n")
    }
}
