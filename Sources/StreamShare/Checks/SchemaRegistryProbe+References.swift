#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SchemaRegistryProbe {
    // MARK: schema_registry.reference

    /// A reference's check, and the references of its own schema.
    struct ReferenceOutcome: Sendable {
        var check: CheckResult
        var references: [SchemaReference]
    }

    /// Reads every referenced subject version once, and the ones they reference in turn, level by
    /// level: a deserializer must read each one to build the schema.
    /// - Returns: For every reference read, its check and what it references.
    func checkReferences(_ roots: [SchemaReference]) async -> [SchemaReference: ReferenceOutcome] {
        var outcomes: [SchemaReference: ReferenceOutcome] = [:]
        var frontier = Array(Set(roots)).sorted { $0.key < $1.key }
        while !frontier.isEmpty {
            sink.owe(frontier.map { CheckPlan.Entry(id: .schemaRegistryReference, resource: $0.key) })
            let level = await Self.concurrently(frontier, limit: concurrency) { reference in
                (reference, await readReference(reference))
            }
            var next = Set<SchemaReference>()
            for (reference, (check, references)) in level {
                sink.add(check)
                outcomes[reference] = ReferenceOutcome(check: check, references: references)
                next.formUnion(references)
            }
            frontier = next.filter { outcomes[$0] == nil }.sorted { $0.key < $1.key }
        }
        return outcomes
    }

    private func readReference(_ reference: SchemaReference) async -> (CheckResult, [SchemaReference]) {
        let watch = Stopwatch()
        let encoded = reference.subject.percentEncodedPathSegment()
        let response: TransportResponse
        switch await get("/subjects/\(encoded)/versions/\(reference.version)") {
        case .failure(let error):
            return (transportFailure(.schemaRegistryReference, resource: reference.key, error, watch: watch), [])
        case .success(let answer): response = answer
        }
        guard response.status == 200 else {
            let failure = httpFailure(
                reference.subject,
                response,
                stage: "version \(reference.version)",
                id: .schemaRegistryReference,
                resource: reference.key,
                watch: watch
            )
            return (failure, [])
        }
        guard let version = try? JSONDecoder().decode(SubjectVersion.self, from: response.body) else {
            let check = CheckResult(
                .schemaRegistryReference,
                resource: reference.key,
                status: .fail,
                code: .invalidResponse,
                message: "version \(reference.version) of '\(reference.subject)' could not be decoded",
                hint: "Check that the URL points at a Confluent Schema Registry.",
                durationMs: watch.elapsedMs
            )
            return (check, [])
        }
        let check = CheckResult(
            .schemaRegistryReference,
            resource: reference.key,
            status: .pass,
            code: .ok,
            message: "referenced schema '\(reference.subject)' version \(reference.version) is readable "
                + "(schema id \(version.id))",
            durationMs: watch.elapsedMs,
            details: ["schema_id": "\(version.id)"]
        )
        return (check, version.references ?? [])
    }

    /// A subject's verdict once its references are known: it fails with `reference_unreadable` when
    /// any reference it needs, directly or through another, cannot be read.
    func judge(
        _ result: CheckResult,
        references: [SchemaReference],
        readable: [SchemaReference: ReferenceOutcome]
    ) -> CheckResult {
        var needed = Set<SchemaReference>()
        var stack = references
        while let reference = stack.popLast() {
            guard needed.insert(reference).inserted else { continue }
            stack += readable[reference]?.references ?? []
        }
        let failed = needed.filter { readable[$0]?.check.status != .pass }
        let unreadable = failed.map(\.key).sorted()
        var judged = result
        judged.details["references"] = needed.map(\.key).sorted().joined(separator: ",")
        guard !unreadable.isEmpty else { return judged }
        judged.status = .fail
        // Out of time is not "cannot be read": only a reference that answered no makes the subject unreadable.
        let outOfTime = failed.allSatisfy { readable[$0]?.check.code == .timeout }
        judged.code = outOfTime ? "timeout" : "reference_unreadable"
        judged.message =
            "subject '\(result.resource ?? "")' is readable, but the schema(s) it references "
            + "\(unreadable.joined(separator: ", ")) cannot be read: no deserializer can build its schema"
        judged.hint =
            "Ask the provider to share the referenced subject(s) too; see the schema_registry.reference checks."
        judged.details["unreadable_references"] = unreadable.joined(separator: ",")
        return judged
    }
}
