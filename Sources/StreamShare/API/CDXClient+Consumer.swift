#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension CDXClient {
    /// The path of the preview operation: what a token shares, without redeeming it.
    public static let previewPath = "/cdx/v1/shared-tokens:resources"
    /// The collection of the consumer's shares.
    public static let consumerSharesPath = "/cdx/v1/consumer-shares"
    /// The collection of the resources shared with the consumer.
    public static let consumerSharedResourcesPath = "/cdx/v1/consumer-shared-resources"
    /// The most pages a listing follows (`metadata.next`) by default (``ListingBudget/maximumPages``).
    public static let maximumPages = 100

    /// How far a listing (every page of a collection) may go before it stops with
    /// ``CDXAPIError/Code/listingTooLong``: a server that never ends a listing, or sends huge pages, must
    /// keep a client neither busy nor filling its memory.
    public struct ListingBudget: Sendable, Hashable {
        /// Pages followed (`metadata.next`).
        public var maximumPages: Int
        /// Items over every page.
        public var maximumItems: Int
        /// Response bytes over every page (each page is also capped by ``Configuration/maxResponseBytes``).
        public var maximumBytes: Int
        /// The whole listing, every request and retry included.
        public var deadline: Duration

        /// Creates a budget: by default 100 pages, 10,000 items, 32 MiB and two minutes.
        public init(
            maximumPages: Int = CDXClient.maximumPages,
            maximumItems: Int = 10_000,
            maximumBytes: Int = 32 << 20,
            deadline: Duration = .seconds(120)
        ) {
            self.maximumPages = maximumPages
            self.maximumItems = maximumItems
            self.maximumBytes = maximumBytes
            self.deadline = deadline
        }
    }

    /// Reads what a token shares **without redeeming it** (`POST /cdx/v1/shared-tokens:resources`): the
    /// provider, the resources, their cloud and how they are reached. The token stays unspent.
    ///
    /// Retries and errors are those of ``redeem(_:)``.
    /// - Parameter token: The share token.
    /// - Returns: The shared resources.
    /// - Throws: ``CDXAPIError`` (``CDXAPIError/Code/notFound`` for an unknown token, and for an API
    ///   without this operation).
    public func preview(_ token: Secret) async throws(CDXAPIError) -> SharePreview {
        let body = (try? JSONEncoder().encode(["token": token.revealed])) ?? Data()
        let response = try await perform("POST", Self.previewPath, body: body, operation: .preview, secrets: [token])
        return try decode(SharePreview.self, from: response, operation: .preview)
    }

    /// Lists the consumer's shares, following `metadata.next` page by page (at most ``maximumPages``).
    /// - Parameters:
    ///   - includeDeleted: Also list shares the consumer left or that were deleted.
    ///   - pageSize: Shares per page (1…100).
    /// - Returns: Every share, each once, in the API's order.
    /// - Throws: ``CDXAPIError``.
    public func listShares(
        includeDeleted: Bool = false,
        pageSize: Int = 100
    ) async throws(CDXAPIError)
        -> [ConsumerShare]
    {
        var query = [URLQueryItem]()
        if includeDeleted { query.append(URLQueryItem(name: "include_deleted", value: "true")) }
        return try await list(Self.consumerSharesPath, query: query, pageSize: pageSize)
    }

    /// Reads one share.
    /// - Parameter id: The share's id.
    /// - Returns: The share.
    /// - Throws: ``CDXAPIError`` (``CDXAPIError/Code/notFound`` for an unknown id).
    public func share(id: String) async throws(CDXAPIError) -> ConsumerShare {
        let response = try await perform(
            "GET",
            Self.consumerSharesPath + "/" + (try Self.pathSegment(id)),
            operation: .consumerShares
        )
        return try decode(ConsumerShare.self, from: response, operation: .consumerShares)
    }

    /// Leaves a share (`DELETE /cdx/v1/consumer-shares/{id}`): its credentials stop working.
    /// - Parameter id: The share's id.
    /// - Throws: ``CDXAPIError`` (``CDXAPIError/Code/notFound`` for an unknown id).
    public func deleteShare(id: String) async throws(CDXAPIError) {
        _ = try await perform(
            "DELETE",
            Self.consumerSharesPath + "/" + (try Self.pathSegment(id)),
            operation: .consumerShares
        )
    }

    /// The resources of a share, following `metadata.next` (at most ``maximumPages``).
    /// - Parameter shareID: The share's id.
    /// - Returns: Its resources.
    /// - Throws: ``CDXAPIError``.
    public func sharedResources(shareID: String) async throws(CDXAPIError) -> [ConsumerSharedResource] {
        try await list(
            Self.consumerSharedResourcesPath,
            query: [URLQueryItem(name: "stream_share", value: shareID)],
            pageSize: 100
        )
    }

    /// The private network of a PrivateLink resource: the endpoint to create and the DNS names to serve.
    /// - Parameter resourceID: The shared resource's id.
    /// - Returns: The network.
    /// - Throws: ``CDXAPIError`` (``CDXAPIError/Code/notFound`` when the resource has no private network).
    public func network(resourceID: String) async throws(CDXAPIError) -> SharedNetwork {
        let response = try await perform(
            "GET",
            Self.consumerSharedResourcesPath + "/" + (try Self.pathSegment(resourceID)) + ":network",
            operation: .consumerShares
        )
        return try decode(SharedNetwork.self, from: response, operation: .consumerShares)
    }

    /// A collection page: `{"api_version", "kind", "metadata": {"next": …}, "data": […]}`.
    private struct Page<Item: Decodable>: Decodable {
        struct Metadata: Decodable { var next: String? }
        var metadata: Metadata?
        var data: [Item]?
    }

    /// Every page of a collection, within the configuration's ``ListingBudget``. Only the `page_token` of
    /// `metadata.next` is used: the next request goes to the configured base URL, so the Cloud API key
    /// never follows a link to another host.
    /// - Throws: ``CDXAPIError`` (``CDXAPIError/Code/listingTooLong`` beyond the budget).
    private func list<Item: Decodable>(
        _ path: String,
        query: [URLQueryItem],
        pageSize: Int
    ) async throws(CDXAPIError) -> [Item] {
        let budget = configuration.listingBudget
        let deadline = ContinuousClock.now + budget.deadline
        func tooLong(_ reason: String, pages: Int) -> CDXAPIError {
            logger.debug("listing stopped", metadata: ["path": "\(path)", "pages": "\(pages)", "reason": "\(reason)"])
            return CDXAPIError(code: .listingTooLong, attempts: pages, underlying: reason, operation: .consumerShares)
        }
        var items: [Item] = []
        var bytes = 0
        var pageToken: String? = nil
        var seenTokens: Set<String> = []
        for page in 0..<max(1, budget.maximumPages) {
            var components = URLComponents()
            components.queryItems =
                query + [URLQueryItem(name: "page_size", value: String(min(100, max(1, pageSize))))]
                + (pageToken.map { [URLQueryItem(name: "page_token", value: $0)] } ?? [])
            let pathAndQuery = path + "?" + (components.percentEncodedQuery ?? "")
            let bytesLeft = budget.maximumBytes - bytes
            let response: TransportResponse
            do {
                response = try await perform(
                    "GET",
                    pathAndQuery,
                    operation: .consumerShares,
                    deadline: deadline,
                    maxResponseBytes: bytesLeft
                )
            } catch {
                if ContinuousClock.now >= deadline, [.timeout, .connectionLost, .cancelled].contains(error.code) {
                    throw tooLong("it took longer than \(budget.deadline)", pages: page)
                }
                if error.code == .responseTooLarge, bytesLeft < configuration.maxResponseBytes {
                    throw tooLong("its pages are larger than \(budget.maximumBytes) bytes", pages: page)
                }
                throw error
            }
            bytes += response.body.count
            let decoded = try decode(Page<Item>.self, from: response, operation: .consumerShares)
            let data = decoded.data ?? []
            guard items.count + data.count <= budget.maximumItems else {
                throw tooLong("it has more than \(budget.maximumItems) items", pages: page + 1)
            }
            items += data
            guard let next = decoded.metadata?.next, !next.isEmpty,
                let token = URLComponents(string: next)?.queryItems?.first(where: { $0.name == "page_token" })?.value,
                !token.isEmpty, seenTokens.insert(token).inserted
            else { return items }
            pageToken = token
        }
        throw tooLong("it has more than \(budget.maximumPages) pages", pages: budget.maximumPages)
    }

    private func decode<Value: Decodable>(
        _ type: Value.Type,
        from response: TransportResponse,
        operation: CDXAPIError.Operation
    ) throws(CDXAPIError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            let reason = (error as? DecodingError).map { ShareValidationError($0).description } ?? "not JSON"
            throw CDXAPIError(
                code: .invalidResponse,
                status: response.status,
                requestID: response.header("X-Request-Id"),
                underlying: reason,
                operation: operation
            )
        }
    }

    /// An id as one path segment (percent-encoded, so that `/`, `?` or `:` cannot change the route).
    /// - Throws: ``CDXAPIError/Code/invalidID`` for an id that would not name one object: empty, `.` or
    ///   `..` (a client or server resolving dot segments would send the request elsewhere), or with a
    ///   control character.
    static func pathSegment(_ id: String) throws(CDXAPIError) -> String {
        if let reason = invalidIDReason(id) {
            throw CDXAPIError(code: .invalidID, underlying: reason, operation: .consumerShares)
        }
        return id.percentEncodedPathSegment()
    }

    /// Why an id cannot be sent as a path segment, or nil.
    package static func invalidIDReason(_ id: String) -> String? {
        if id.isEmpty { return "it is empty" }
        if id == "." || id == ".." { return "'\(id)' is a dot segment" }
        if id.unicodeScalars.contains(where: TerminalText.needsEscape) { return "it has a control character" }
        return nil
    }
}
