public import Foundation

/// The body of a successful redeem, exactly as received (it holds the credentials; printing it shows
/// only its size).
public struct RedeemResponse: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The JSON body as received.
    public let body: Data
    /// The `X-Request-Id` of the response.
    public let requestID: String?

    /// Creates a response.
    public init(body: Data, requestID: String?) {
        self.body = body
        self.requestID = requestID
    }

    /// Decodes and validates the share.
    /// - Throws: ``ShareValidationError`` naming the field at fault.
    public func share() throws(ShareValidationError) -> RedeemedShare {
        try RedeemedShare(jsonData: body)
    }

    public var description: String { "RedeemResponse(\(body.count) bytes, request id \(requestID ?? "-"))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["requestID": requestID as Any], displayStyle: .struct) }
}
