/// The checks that need no network, read from the share and its configuration: unsupported resource
/// kinds, configuration warnings, value subjects a shared topic probably needs, and subjects without
/// a registry.
enum ShareChecks {
    static func results(
        _ share: RedeemedShare,
        kafka: KafkaClientConfig,
        registry: SchemaRegistryConfig?
    ) -> [CheckResult] {
        var checks: [CheckResult] = []
        for resource in share.unsupportedResources {
            checks.append(
                CheckResult(
                    .shareResource,
                    resource: resource.kind,
                    status: .warn,
                    code: .unsupportedKind,
                    message:
                        "the share lists a '\(resource.kind)' resource, which this version of cdx-verify cannot check",
                    hint: "Upgrade cdx-verify; the resource is kept in the share file."
                )
            )
        }
        // PLAINTEXT is reported by kafka.connect itself.
        for warning in kafka.warnings where warning.code != .plaintext {
            checks.append(
                CheckResult(
                    .kafkaConfig,
                    // One row per kind of warning: several weakening overrides are each reported.
                    resource: warning.code.description,
                    status: .warn,
                    code: .configWarning,
                    message: warning.message,
                    hint: "Review the -X overrides.",
                    details: ["warning": warning.code.description]
                )
            )
        }
        let subjects = Set(share.subjects)
        if !subjects.isEmpty {
            for topic in share.topics where !subjects.contains("\(topic)-value") {
                checks.append(
                    CheckResult(
                        .shareSubjectCoverage,
                        resource: topic,
                        status: .warn,
                        code: .valueSubjectNotShared,
                        message: "topic '\(topic)' is shared but its value subject '\(topic)-value' is not",
                        hint:
                            "If '\(topic)' carries schema-encoded values (TopicNameStrategy), ask the provider to share '\(topic)-value'; "
                            + "otherwise consumers cannot deserialize it."
                    )
                )
            }
        }
        if !share.subjects.isEmpty, registry == nil {
            checks.append(
                CheckResult(
                    .schemaRegistryAuth,
                    status: .fail,
                    code: .notConfigured,
                    message: "the share lists subjects but no Schema Registry",
                    hint: "Ask the provider to check the share's Schema Registry access."
                )
            )
        }
        return checks
    }
}
