#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    /// Entries asked for per page (Confluent's registries answer at most 1,000: `schema.search.max.limit`),
    /// and pages read at most (then the rest is read subject by subject).
    static let listingPageSize = 1000
    static let listingMaximumPages = 40
    /// The largest listing page read (a page of 1,000 schemas of 64 KB each).
    static let listingMaximumResponseBytes = 64 << 20
    /// What a registry without the listing answers to it.
    static let listingAbsentStatuses: Set<Int> = [400, 404, 405, 501]

    /// The longest prefix every subject shares ("" when none): one listing covers them all.
    static func commonPrefix(_ subjects: [String]) -> String {
        guard var prefix = subjects.first else { return "" }
        for subject in subjects.dropFirst() {
            while !subject.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    /// Proves the subjects that `GET /schemas?subjectPrefix=…&latestOnly=true` returns, page by page: a
    /// subject whose latest schema comes back has been read by this key. The first one found is also
    /// read by id (with `?subject=`), once for the key, to prove the path deserializers take; that read
    /// goes out while the next pages are read.
    /// - Returns: The results of the subjects proven, with their references, and the subjects left to
    ///   read on their own (to tell forbidden from missing); `nil` when the registry has no such
    ///   listing or refuses it (404, 405, 400, 501, 401/403, a 429 past the deadline).
    func proveByListing(
        _ subjects: [String],
        prefix: String
    ) async -> (results: [(CheckResult, [SchemaReference])], unlisted: [String])? {
        let watch = Stopwatch()
        let shared = Set(subjects)
        let encoded = prefix.percentEncodedPathSegment()
        return await withTaskGroup(of: (String, CheckResult).self) { group in
            var found: [String: SubjectVersion] = [:]
            var byIDSubject: String?
            for page in 0..<Self.listingMaximumPages {
                let path =
                    "/schemas?subjectPrefix=\(encoded)&latestOnly=true&offset=\(page * Self.listingPageSize)"
                    + "&limit=\(Self.listingPageSize)"
                // A page of 1,000 schemas of a few kilobytes each is larger than any other answer.
                let answer = await get(path, maxResponseBytes: Self.listingMaximumResponseBytes)
                guard case .success(let response) = answer, response.status == 200,
                    let entries = try? JSONDecoder().decode([ListedSchema].self, from: response.body)
                else {
                    // A registry without the listing is remembered for a while (a monitor's next runs go
                    // subject by subject at once) when the registry itself says so; a proxy's page, a
                    // refusal, a rate limit or a broken answer may pass.
                    if case .success(let response) = answer, Self.listingAbsentStatuses.contains(response.status),
                        Self.isRegistryAnswer(response)
                    {
                        knowledge.listingAbsent()
                    }
                    if page == 0 { return nil }
                    break
                }
                knowledge.listingServed()
                for entry in entries where found[entry.subject].map({ $0.version < entry.version }) ?? true {
                    found[entry.subject] = SubjectVersion(
                        id: entry.id,
                        version: entry.version,
                        schemaType: entry.schemaType,
                        references: entry.references
                    )
                }
                if byIDSubject == nil, let subject = subjects.first(where: { found[$0] != nil }),
                    let version = found[subject]
                {
                    byIDSubject = subject
                    group.addTask {
                        (
                            subject,
                            await proveByID(
                                subject,
                                version,
                                source: "read through the listing and by id",
                                watch: watch
                            )
                        )
                    }
                }
                // A short page is the last; and once every shared subject is found, the rest is not needed.
                if entries.count < Self.listingPageSize || shared.allSatisfy({ found[$0] != nil }) { break }
            }
            let byID = await group.next()
            var results: [(CheckResult, [SchemaReference])] = []
            var unlisted: [String] = []
            for subject in subjects {
                guard let version = found[subject] else {
                    unlisted.append(subject)
                    continue
                }
                if let byID, byID.0 == subject {
                    results.append((byID.1, version.references ?? []))
                } else {
                    results.append(
                        (
                            readable(subject, version, source: "read through the listing", watch: watch),
                            version.references ?? []
                        )
                    )
                }
            }
            return (results, unlisted)
        }
    }
}
