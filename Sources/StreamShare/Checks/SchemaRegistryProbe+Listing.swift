import Foundation

extension SchemaRegistryProbe {
    // MARK: bulk proof

    /// One entry of `GET /schemas?subjectPrefix=…&latestOnly=true`.
    private struct ListedSchema: Decodable {
        var subject: String
        var version: Int
        var id: Int
        var schemaType: String?
        var references: [SchemaReference]?
    }

    /// Entries asked for per page, and pages read at most (then the rest is read subject by subject).
    static let listingPageSize = 500
    static let listingMaximumPages = 40

    /// The longest prefix every subject shares ("" when none): one listing covers them all.
    static func commonPrefix(_ subjects: [String]) -> String {
        guard var prefix = subjects.first else { return "" }
        for subject in subjects.dropFirst() {
            while !subject.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    /// The latest version of every subject under `prefix` that this key can read, by subject, read
    /// page by page. A subject whose latest schema comes back has been read by this key: that is the
    /// proof. `nil` when the registry has no such listing (or refuses it): then every subject is read
    /// on its own, as before.
    func listLatest(prefix: String) async -> [String: SubjectVersion]? {
        let encoded = prefix.addingPercentEncoding(withAllowedCharacters: .urlPathComponentAllowed) ?? prefix
        var found: [String: SubjectVersion] = [:]
        for page in 0..<Self.listingMaximumPages {
            let path =
                "/schemas?subjectPrefix=\(encoded)&latestOnly=true&offset=\(page * Self.listingPageSize)"
                + "&limit=\(Self.listingPageSize)"
            guard case .success(let response) = await get(path), response.status == 200,
                let entries = try? JSONDecoder().decode([ListedSchema].self, from: response.body)
            else {
                // 404, 405, 400, 501 (no listing), 401/403, a 429 past the deadline, or a broken page.
                return page == 0 ? nil : found
            }
            for entry in entries where found[entry.subject].map({ $0.version < entry.version }) ?? true {
                found[entry.subject] = SubjectVersion(
                    id: entry.id,
                    version: entry.version,
                    schemaType: entry.schemaType,
                    references: entry.references
                )
            }
            if entries.count < Self.listingPageSize { break }
        }
        return found
    }

    /// The subjects the listing proved readable: each passes, and the first is also read by id (with
    /// `?subject=`) to prove the by-id path deserializers take, once for the key.
    /// - Returns: Their results with their references, and the subjects left to read on their own.
    func provenByListing(
        _ subjects: [String],
        listed: [String: SubjectVersion],
        watch: Stopwatch
    ) async -> (results: [(CheckResult, [SchemaReference])], unlisted: [String]) {
        var results: [(CheckResult, [SchemaReference])] = []
        var unlisted: [String] = []
        var byIDProven = false
        for subject in subjects {
            guard let version = listed[subject] else {
                unlisted.append(subject)
                continue
            }
            let result =
                byIDProven
                ? readable(subject, version, source: "read through the listing", watch: watch)
                : await proveByID(subject, version, source: "read through the listing and by id", watch: watch)
            byIDProven = true
            results.append((result, version.references ?? []))
        }
        return (results, unlisted)
    }
}
