import StreamShare

extension CloudOptions {
    /// `--api-url`, else `CDX_API_URL` (what `cdx-verify sandbox` prints an export of), else Confluent Cloud's.
    var resolvedAPIURL: String {
        if let apiURL { return apiURL }
        if let fromEnvironment = Environment.values["CDX_API_URL"], !fromEnvironment.isEmpty { return fromEnvironment }
        return CDXClient.Configuration.defaultBaseURL.absoluteString
    }
}
