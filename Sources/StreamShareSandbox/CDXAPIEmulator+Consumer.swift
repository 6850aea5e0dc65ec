public import StreamShare

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CDXAPIEmulator {
    /// What the API says about a share besides its credentials: the provider, the resource, and for a
    /// PrivateLink share the network the consumer must connect to.
    public struct Listing: Sendable, Hashable {
        /// The provider user who shared it.
        public var providerUserName: String
        /// The shared resource as the preview and `consumer-shared-resources` describe it (its `id` is
        /// assigned by the emulator when empty).
        public var resource: ConsumerSharedResource
        /// The private network of a PrivateLink resource (`…/{id}:network`); `nil` answers 404.
        public var network: SharedNetwork?

        /// Creates a listing.
        public init(
            providerUserName: String = "provider@example.com",
            resource: ConsumerSharedResource = ConsumerSharedResource(
                displayName: "Sandbox share",
                organizationName: "Sandbox Provider Inc.",
                cloud: .aws
            ),
            network: SharedNetwork? = nil
        ) {
            self.providerUserName = providerUserName
            self.resource = resource
            self.network = network
        }
    }

    /// A consumer share the emulator keeps.
    struct EmulatedShare {
        var share: ConsumerShare
        var resource: ConsumerSharedResource
        var network: SharedNetwork?
        var deleted = false
    }

    /// How many preview requests (`POST /cdx/v1/shared-tokens:resources`) reached the emulator.
    public var previewRequestCount: Int { state.withLock { $0.previewRequests } }

    /// The private-networking fields (`aws_account`, `azure_subscription`, `gcp_project`) of the last redeem
    /// request with a JSON body; never the token.
    public var lastRedeemFields: [String: String]? { state.withLock { $0.lastRedeemFields } }

    /// Makes the preview answer with this status (404, 405, 501: an API that predates it), or serves it again (`nil`).
    public func setPreviewStatus(_ status: Int?) {
        state.withLock { $0.previewStatus = status }
    }

    /// Adds a consumer share directly (as an invitation or a share in any phase), without a token.
    /// - Returns: The share's id.
    @discardableResult
    public func addShare(phase: ConsumerShare.Phase, listing: Listing = Listing()) -> String {
        state.withLock { $0.addShare(redeemedBody: nil, listing: listing, phase: phase) }
    }

    /// The phase of the shares redeemed from now on (`ACTIVE` by default).
    public func setRedeemedPhase(_ phase: ConsumerShare.Phase) {
        state.withLock { $0.redeemedPhase = phase }
    }

    /// Moves a share to another phase (the provider deactivates it, an invitation expires).
    public func setPhase(_ phase: ConsumerShare.Phase, ofShare id: String) {
        state.withLock { state in
            guard let index = state.shares.firstIndex(where: { $0.share.id == id }) else { return }
            state.shares[index].share.phase = phase
        }
    }

    func handleConsumer(_ request: LocalHTTPServer.Request, requestID: String) -> LocalHTTPServer.Response {
        let parts = request.path.split(separator: "?", maxSplits: 1).map(String.init)
        let path = parts.first ?? ""
        let query = Self.query(parts.count > 1 ? parts[1] : "")
        let sharesPrefix = CDXClient.consumerSharesPath + "/"
        let resourcesPrefix = CDXClient.consumerSharedResourcesPath + "/"
        let route: (methods: [String], answer: () -> LocalHTTPServer.Response)
        switch path {
        case CDXClient.previewPath:
            route = (["POST"], { self.preview(request, requestID) })
        case CDXClient.consumerSharesPath:
            route = (["GET"], { self.listShares(request, query, requestID) })
        case CDXClient.consumerSharedResourcesPath:
            route = (["GET"], { self.listResources(request, query, requestID) })
        case _ where path.hasPrefix(sharesPrefix) && path.count > sharesPrefix.count:
            let id = String(path.dropFirst(sharesPrefix.count)).percentDecoded() ?? ""
            route = (["GET", "DELETE"], { self.share(id, method: request.method, requestID) })
        case _ where path.hasPrefix(resourcesPrefix) && path.hasSuffix(":network"):
            let id = String(path.dropFirst(resourcesPrefix.count).dropLast(":network".count))
            route = (["GET"], { self.network(id.percentDecoded() ?? "", requestID) })
        case _ where path.hasPrefix(resourcesPrefix) && path.count > resourcesPrefix.count:
            let id = String(path.dropFirst(resourcesPrefix.count)).percentDecoded() ?? ""
            route = (["GET"], { self.resource(id, requestID) })
        default:
            return Self.failure(404, "not_found", "Not Found", "No route for \(path)", requestID)
        }
        guard route.methods.contains(request.method) else {
            return Self.failure(
                405,
                "method_not_allowed",
                "Method Not Allowed",
                "Use \(route.methods.joined(separator: " or "))",
                requestID
            )
        }
        guard authorized(request) else { return Self.unauthorized(requestID) }
        return route.answer()
    }

    private func preview(_ request: LocalHTTPServer.Request, _ requestID: String) -> LocalHTTPServer.Response {
        let status = state.withLock { state in
            state.previewRequests += 1
            return state.previewStatus
        }
        if let status {
            let (code, title) =
                switch status {
                case 405: ("method_not_allowed", "Method Not Allowed")
                case 501: ("not_implemented", "Not Implemented")
                default: ("not_found", "Not Found")
                }
            return Self.failure(status, code, title, "No route for \(CDXClient.previewPath)", requestID)
        }
        guard let token = JSONValue.object(from: request.body)?["token"]?.string, !token.isEmpty
        else { return Self.tokenMissing(requestID) }
        guard let entry = state.withLock({ $0.tokens[token] }) else { return Self.tokenNotFound(requestID) }
        if entry.redeemed { return Self.tokenRedeemed(requestID) }
        return Self.encoded(
            SharePreview(resources: Self.previewResources(entry.listing, share: entry.body)),
            requestID
        )
    }

    /// What the preview of a token lists: one shared resource per shared topic, as Confluent Cloud
    /// shares a topic each, named by its CRN (`metadata.resource_name`) and carrying the topic's
    /// `<topic>-value` and `<topic>-key` schemas (any other schema goes with the first); a share
    /// without topics (or a body that is not a share) is its listing's resource alone.
    static func previewResources(_ listing: Listing, share body: Data) -> [ConsumerSharedResource] {
        var base = listing.resource
        let baseID = base.id ?? "sr-preview"
        base.id = baseID
        guard let topics = (try? RedeemedShare(jsonData: body))?.topics, !topics.isEmpty else { return [base] }
        func isOf(_ topic: String, _ schema: ConsumerSharedResource.Schema) -> Bool {
            schema.subject == topic + "-value" || schema.subject == topic + "-key"
        }
        let others = base.schemas.filter { schema in !topics.contains { isOf($0, schema) } }
        return topics.enumerated().map { index, topic in
            var resource = base
            if topics.count > 1 { resource.id = "\(baseID)-\(index + 1)" }
            var metadata = resource.metadata ?? ObjectMetadata()
            metadata.resourceName =
                "crn://confluent.cloud/organization=sandbox/environment=env-sandbox/cloud-cluster=lkc-sandbox"
                + "/kafka=lkc-sandbox/topic=\(topic)"
            resource.metadata = metadata
            resource.schemas = base.schemas.filter { isOf(topic, $0) } + (index == 0 ? others : [])
            return resource
        }
    }

    private func listShares(
        _ request: LocalHTTPServer.Request,
        _ query: [String: String],
        _ requestID: String
    ) -> LocalHTTPServer.Response {
        let includeDeleted = query["include_deleted"] == "true"
        let shares = state.withLock { state in
            state.shares.filter { includeDeleted || !$0.deleted }.map(\.share)
        }
        return page(shares, kind: "ConsumerShareList", request, query, requestID)
    }

    private func listResources(
        _ request: LocalHTTPServer.Request,
        _ query: [String: String],
        _ requestID: String
    ) -> LocalHTTPServer.Response {
        let shareID = query["stream_share"]
        let includeDeleted = query["include_deleted"] == "true"
        let resources = state.withLock { state in
            state.shares.filter { (includeDeleted || !$0.deleted) && (shareID == nil || $0.share.id == shareID) }
                .map(\.resource)
        }
        return page(resources, kind: "ConsumerSharedResourceList", request, query, requestID)
    }

    private func share(_ id: String, method: String, _ requestID: String) -> LocalHTTPServer.Response {
        let found = state.withLock { state -> ConsumerShare? in
            guard let index = state.shares.firstIndex(where: { $0.share.id == id && !$0.deleted }) else { return nil }
            if method == "DELETE" {
                state.shares[index].deleted = true
                var metadata = state.shares[index].share.metadata ?? ObjectMetadata()
                metadata.deletedAt = Date().formatted(.iso8601)
                state.shares[index].share.metadata = metadata
            }
            return state.shares[index].share
        }
        guard let found else {
            return Self.failure(404, "not_found", "Not Found", "Consumer share '\(id)' was not found", requestID)
        }
        if method == "DELETE" { return LocalHTTPServer.Response(status: 204, headers: [("X-Request-Id", requestID)]) }
        return Self.encoded(found, requestID)
    }

    private func resource(_ id: String, _ requestID: String) -> LocalHTTPServer.Response {
        guard let found = state.withLock({ $0.shares.first { $0.resource.id == id && !$0.deleted } }) else {
            return Self.failure(404, "not_found", "Not Found", "Shared resource '\(id)' was not found", requestID)
        }
        return Self.encoded(found.resource, requestID)
    }

    private func network(_ id: String, _ requestID: String) -> LocalHTTPServer.Response {
        let found = state.withLock { $0.shares.first { $0.resource.id == id && !$0.deleted } }
        guard let network = found?.network else {
            return Self.failure(
                404,
                "not_found",
                "Not Found",
                "Shared resource '\(id)' has no private network",
                requestID
            )
        }
        return Self.encoded(network, requestID)
    }

    /// One page of a collection: `page_size` (1…100, default 10) and the opaque `page_token`, with the next
    /// page's URL in `metadata.next`.
    private func page<Item: Encodable>(
        _ items: [Item],
        kind: String,
        _ request: LocalHTTPServer.Request,
        _ query: [String: String],
        _ requestID: String
    ) -> LocalHTTPServer.Response {
        let size = query["page_size"].map { Int($0) ?? 0 } ?? 10
        guard (1...100).contains(size) else {
            return Self.failure(
                400,
                "invalid_page_size",
                "Bad Request",
                "page_size must be 1 to 100",
                requestID,
                parameter: "page_size"
            )
        }
        var offset = 0
        if let token = query["page_token"] {
            guard token.hasPrefix("pt-"), let value = Int(token.dropFirst(3)), value >= 0 else {
                return Self.failure(
                    400,
                    "invalid_page_token",
                    "Bad Request",
                    "page_token is invalid",
                    requestID,
                    parameter: "page_token"
                )
            }
            offset = value
        }
        let slice = Array(items.dropFirst(offset).prefix(size))
        var next: String? = nil
        if offset + size < items.count {
            var components = URLComponents()
            components.queryItems =
                query.filter { $0.key != "page_token" }.sorted { $0.key < $1.key }.map {
                    URLQueryItem(name: $0.key, value: $0.value)
                } + [URLQueryItem(name: "page_token", value: "pt-\(offset + size)")]
            let path = String(request.path.split(separator: "?").first ?? "")
            next =
                "http://\(request.headers["host"] ?? "api.confluent.cloud")\(path)?\(components.percentEncodedQuery ?? "")"
        }
        return Self.encoded(PageBody(kind: kind, metadata: .init(next: next), data: slice), requestID)
    }

    private struct PageBody<Item: Encodable>: Encodable {
        struct Metadata: Encodable { var next: String? }
        var apiVersion = "cdx/v1"
        var kind: String
        var metadata: Metadata
        var data: [Item]

        enum CodingKeys: String, CodingKey {
            case kind, metadata, data
            case apiVersion = "api_version"
        }
    }

    private static func encoded(_ value: some Encodable, _ requestID: String) -> LocalHTTPServer.Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else {
            return failure(500, "internal_error", "Internal Server Error", "Something went wrong", requestID)
        }
        return LocalHTTPServer.Response(
            status: 200,
            headers: [("Content-Type", "application/json"), ("X-Request-Id", requestID)],
            body: data
        )
    }

    private static func query(_ text: String) -> [String: String] {
        var components = URLComponents()
        components.percentEncodedQuery = text
        var result: [String: String] = [:]
        for item in components.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }
}

extension CDXAPIEmulator.State {
    /// Records a consumer share: its id is the redeem response's `id` when that is free, else a new one.
    @discardableResult
    mutating func addShare(
        redeemedBody: Data?,
        listing: CDXAPIEmulator.Listing,
        phase: ConsumerShare.Phase
    ) -> String {
        var id = redeemedBody.flatMap { JSONValue.object(from: $0)?["id"]?.string } ?? ""
        if id.isEmpty || shares.contains(where: { $0.share.id == id }) {
            id = "cs-" + randomToken(bytes: 6).lowercased()
        }
        var resource = listing.resource
        resource.id = "sr-" + randomToken(bytes: 6).lowercased()
        resource.additionalFields["api_version"] = .string("cdx/v1")
        resource.additionalFields["kind"] = .string("ConsumerSharedResource")
        var network = listing.network
        if network != nil, network?.id == nil { network?.id = "n-" + randomToken(bytes: 4).lowercased() }
        let share = ConsumerShare(
            id: id,
            providerOrganizationName: resource.organizationName,
            providerUserName: listing.providerUserName,
            inviteExpiresAt: phase == .invited
                ? Date().addingTimeInterval(7 * 24 * 3600).formatted(.iso8601) : nil,
            consumerUser: .object(["id": .string("u-sandbox")]),
            phase: phase,
            metadata: ObjectMetadata(createdAt: Date().formatted(.iso8601)),
            additionalFields: ["api_version": .string("cdx/v1"), "kind": .string("ConsumerShare")]
        )
        shares.append(CDXAPIEmulator.EmulatedShare(share: share, resource: resource, network: network))
        return id
    }
}
