#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The body of a successful redeem, exactly as received (it holds the credentials; printing it shows
/// only its size).
public struct RedeemResponse: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The JSON body as received.
    public let body: Data
    /// The `X-Request-Id` of the response.
    public let requestID: String?
    /// The HTTP status: 200, or another 2xx (kept, as its body may hold the credentials).
    public let status: Int

    /// Creates a response.
    public init(body: Data, requestID: String?, status: Int = 200) {
        self.body = body
        self.requestID = requestID
        self.status = status
    }

    /// Decodes and validates the share.
    /// - Throws: ``ShareValidationError`` naming the field at fault.
    public func share() throws(ShareValidationError) -> RedeemedShare {
        try prepared().share
    }

    /// Decodes and validates the share, keeping what was parsed (its endpoints).
    /// - Throws: ``ShareValidationError`` naming the field at fault.
    public func prepared() throws(ShareValidationError) -> PreparedShare {
        try PreparedShare(jsonData: body)
    }

    public var description: String {
        "RedeemResponse(HTTP \(status), \(body.count) bytes, request id \(requestID ?? "-"))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["requestID": requestID as Any, "status": status], displayStyle: .struct)
    }
}
