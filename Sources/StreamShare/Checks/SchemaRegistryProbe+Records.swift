#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SchemaRegistryProbe {
    // MARK: schema_registry.record_schema

    /// Why one schema id of the records could not be read.
    private enum Unreadable: Sendable {
        case refused(TransportResponse)
        case failed(TransportError)
    }

    /// Resolves every distinct schema id found in the records read from the shared topics, once each,
    /// as a deserializer does (`GET /schemas/ids/{id}`, with `?subject=` of the topic's own subject
    /// when it is shared), and reports each topic: `schema_registry.record_schema`.
    /// - Parameter encodings: What the records of each topic (read under `--deep`) carry.
    func checkRecordSchemas(_ encodings: [String: RecordEncoding]) async {
        let watch = Stopwatch()
        let shared = Set(subjects)
        // One request per id: the subject of the first topic (in share order) that carries it.
        var subjectOfID: [Int: String?] = [:]
        for (topic, encoding) in encodings.sorted(by: { $0.key < $1.key }) {
            for (ids, suffix) in [(encoding.valueIDs, "-value"), (encoding.keyIDs, "-key")] {
                for id in ids.sorted() where subjectOfID[id] == nil {
                    let subject = topic + suffix
                    // updateValue: assigning nil through the subscript would remove the key instead.
                    subjectOfID.updateValue(shared.contains(subject) ? subject : nil, forKey: id)
                }
            }
        }
        let resolved = await Self.concurrently(Array(subjectOfID), limit: concurrency) { id, subject in
            (id, await resolve(id, subject: subject))
        }
        let resolutions = Dictionary(resolved, uniquingKeysWith: { first, _ in first })
        for (topic, encoding) in encodings {
            sink.add(recordSchemaResult(topic, encoding, resolutions, watch: watch))
        }
    }

    /// Reads schema id `id`; nil when it is readable.
    private func resolve(_ id: Int, subject: String?) async -> Unreadable? {
        let query =
            subject.map {
                "?subject=" + $0.percentEncodedPathSegment()
            } ?? ""
        switch await get("/schemas/ids/\(id)\(query)") {
        case .success(let response) where response.status == 200: return nil
        case .success(let response): return .refused(response)
        case .failure(let error): return .failed(error)
        }
    }

    private func recordSchemaResult(
        _ topic: String,
        _ encoding: RecordEncoding,
        _ resolutions: [Int: Unreadable?],
        watch: Stopwatch
    ) -> CheckResult {
        let ids = encoding.valueIDs.sorted().map { "\($0) (value)" } + encoding.keyIDs.sorted().map { "\($0) (key)" }
        var details = [
            "records": "\(encoding.records)",
            "partitions_read": "\(encoding.partitions)",
            "value_schema_ids": encoding.valueIDs.sorted().map(String.init).joined(separator: ","),
            "key_schema_ids": encoding.keyIDs.sorted().map(String.init).joined(separator: ","),
            "values_not_registry_encoded": "\(encoding.plainValues)",
        ]
        guard !ids.isEmpty || encoding.plainValues > 0 else {
            return CheckResult(
                .schemaRegistryRecordSchema,
                resource: topic,
                status: .pass,
                code: .noRecords,
                message: encoding.records == 0
                    ? "'\(topic)' has no records in the \(encoding.partitions) partition(s) read: no schema id to resolve yet"
                    : "the latest records of '\(topic)' carry no value to deserialize (tombstones): "
                        + "no schema id to resolve yet",
                durationMs: watch.elapsedMs,
                details: details
            )
        }
        let unreadable = encoding.valueIDs.union(encoding.keyIDs).sorted().compactMap { id in
            guard let resolution = resolutions[id] else {
                // Never asked (the run was cut short): not proven, so not readable.
                return (id, Unreadable.failed(TransportError(kind: .cancelled, detail: "not read", timedOut: true)))
            }
            return resolution.map { (id, $0) }
        }
        if let (id, why) = unreadable.first {
            details["unreadable_schema_ids"] = unreadable.map { "\($0.0)" }.joined(separator: ",")
            let failure =
                switch why {
                case .refused(let response):
                    httpFailure(
                        topic,
                        response,
                        stage: "schema id \(id)",
                        id: .schemaRegistryRecordSchema,
                        resource: topic,
                        watch: watch
                    )
                case .failed(let error):
                    transportFailure(.schemaRegistryRecordSchema, resource: topic, error, watch: watch)
                }
            let reason =
                switch failure.code {
                case .forbidden: "this API key may not read it"
                case .schemaNotFound, .subjectNotFound, .versionNotFound: "the registry does not have it"
                case .rateLimited: "the registry kept rate limiting until the deadline"
                default: "reading it failed (\(failure.code))"
                }
            return CheckResult(
                .schemaRegistryRecordSchema,
                resource: topic,
                status: .fail,
                code: failure.code,
                message: "records of '\(topic)' carry schema id \(id), and \(reason): a deserializer would fail",
                hint: failure.code == .forbidden
                    ? "Ask the provider to share the subject that registers schema id \(id) (usually '\(topic)-value')."
                    : failure.hint,
                durationMs: watch.elapsedMs,
                details: details.merging(failure.details) { first, _ in first }
            )
        }
        if ids.isEmpty {
            return CheckResult(
                .schemaRegistryRecordSchema,
                resource: topic,
                status: .warn,
                code: .notRegistryEncoded,
                message: "the latest records of '\(topic)' are not in the Schema Registry wire format "
                    + "(no magic byte 0 and schema id): a registry deserializer would reject them",
                hint: "If consumers read this topic without the Schema Registry, ignore this; otherwise ask the "
                    + "provider how the topic is serialized.",
                durationMs: watch.elapsedMs,
                details: details
            )
        }
        return CheckResult(
            .schemaRegistryRecordSchema,
            resource: topic,
            status: .pass,
            code: .ok,
            message: "records of '\(topic)' carry schema id(s) \(ids.joined(separator: ", ")): each is readable"
                + (encoding.plainValues > 0 ? " (\(encoding.plainValues) value(s) not registry-encoded)" : ""),
            durationMs: watch.elapsedMs,
            details: details
        )
    }
}
