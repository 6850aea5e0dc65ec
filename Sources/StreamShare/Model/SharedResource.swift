/// One resource of a share, decoded by the `kind` discriminator of the redeem response.
///
/// Kinds this version does not know are kept with all their fields as ``unknown(kind:fields:)``:
/// a new kind from Confluent never makes decoding fail and never drops the share.
public enum SharedResource: Sendable, Hashable {
    /// `{"kind": "Topic", "topic": …}`: a shared topic.
    case topic(String)
    /// `{"kind": "Group", "group_prefix": …}`: a consumer-group id prefix the share authorizes.
    case group(prefix: String)
    /// `{"kind": "Subject", "subject": …}`: a shared Schema Registry subject.
    case subject(String)
    /// Any other kind, with every field of the object as received (including `kind`).
    case unknown(kind: String, fields: [String: JSONValue])

    /// The `kind` discriminator as it appears in JSON.
    public var kind: String {
        switch self {
        case .topic: "Topic"
        case .group: "Group"
        case .subject: "Subject"
        case .unknown(let kind, _): kind
        }
    }

    /// The resource's name: the topic, the group prefix or the subject; `nil` for unknown kinds.
    public var name: String? {
        switch self {
        case .topic(let name), .group(let name), .subject(let name): name
        case .unknown: nil
        }
    }
}

extension SharedResource: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind
        case topic
        case groupPrefix = "group_prefix"
        case subject
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "Topic":
            self = .topic(try container.decode(String.self, forKey: .topic))
        case "Group":
            self = .group(prefix: try container.decode(String.self, forKey: .groupPrefix))
        case "Subject":
            self = .subject(try container.decode(String.self, forKey: .subject))
        default:
            let raw = try decoder.container(keyedBy: AnyKey.self)
            var fields: [String: JSONValue] = [:]
            for key in raw.allKeys {
                fields[key.stringValue] = try raw.decode(JSONValue.self, forKey: key)
            }
            self = .unknown(kind: kind, fields: fields)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .topic(let topic):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(topic, forKey: .topic)
        case .group(let prefix):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(prefix, forKey: .groupPrefix)
        case .subject(let subject):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(subject, forKey: .subject)
        case .unknown(let kind, let fields):
            var container = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in fields where key != "kind" {
                try container.encode(value, forKey: AnyKey(stringValue: key))
            }
            try container.encode(kind, forKey: AnyKey(stringValue: "kind"))
        }
    }
}
