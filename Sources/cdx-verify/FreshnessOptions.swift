import ArgumentParser
import StreamShare

/// `--max-staleness` and `--max-lag`: is data arriving, and are the consumers keeping up? Shared by
/// `verify`, `demo` and `watch`.
struct FreshnessOptions: ParsableArguments {
    @Option(
        name: .long,
        help: EnvironmentDefault.maxStaleness.help(
            "Fail kafka.topic.freshness when a shared topic's newest record is older than this (15m, 2h, 1d). "
                + "Reads the latest record of every partition",
            else: "not checked",
            valueName: "duration"
        )
    )
    var maxStaleness: StalenessArgument?

    @Option(
        name: .long,
        help: EnvironmentDefault.maxLag.help(
            "Fail kafka.group.lag when the consumers' group (prefix + --group-suffix) is more than N records behind "
                + "on the shared topics, in total. Read-only: committed offsets, no join, no commit",
            else: "not checked",
            valueName: "n"
        )
    )
    var maxLag: Int64?

    /// The largest `--max-lag` accepted: more records than any topic holds is a typo.
    static let largestLag: Int64 = 1_000_000_000_000_000

    func validate() throws {
        _ = try EnvironmentDefault.maxStaleness.resolve(maxStaleness)
        if let lag = try EnvironmentDefault.maxLag.resolve(maxLag), lag < 1 || lag > Self.largestLag {
            let name = maxLag == nil ? EnvironmentDefault.maxLag.rawValue : "--max-lag"
            throw ValidationError("\(name) must be a whole number of records from 1 to \(Self.largestLag)")
        }
    }

    /// `--max-staleness`, else `CDX_VERIFY_MAX_STALENESS` (a bad variable is refused by validate()).
    var resolvedMaxStaleness: Duration? {
        ((try? EnvironmentDefault.maxStaleness.resolve(maxStaleness)) ?? nil)?.duration
    }
    /// `--max-lag`, else `CDX_VERIFY_MAX_LAG`.
    var resolvedMaxLag: Int64? { (try? EnvironmentDefault.maxLag.resolve(maxLag)) ?? nil }

    /// Sets the checks on `options`; `defaults` stand in for flags and variables not given (the demo's).
    func apply(to options: inout ShareVerifier.Options, defaults: (staleness: Duration, lag: Int64)? = nil) {
        options.kafka.maxStaleness = resolvedMaxStaleness ?? defaults?.staleness
        options.kafka.maxLag = resolvedMaxLag ?? defaults?.lag
    }
}

/// `--max-staleness`: `90s`, `15m`, `36h`, `2d` (at most 365 days).
struct StalenessArgument: ExpressibleByArgument {
    let duration: Duration

    init?(argument: String) {
        guard let duration = DurationArgument.parse(argument, longest: Self.longest) else { return nil }
        self.duration = duration
    }

    /// 365 days: a topic written less often than yearly is not watched for freshness.
    static let longest: Double = 365 * 86_400_000
}
