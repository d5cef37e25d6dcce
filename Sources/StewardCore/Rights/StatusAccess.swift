import Foundation

/// A resident's way back to their request, with no account: they give the reference and the email
/// address on the request, a fresh code is emailed to that address, and the code opens the status
/// page once. When an access request is complete, that page carries a link to the bundle that works
/// for half an hour. The code and the link's token are kept only as keyed hashes.
public struct StatusAccess: Sendable, Hashable {
    /// How long a bundle link works once the code has been entered, in seconds.
    public static let linkLifetime: Int64 = 30 * 60
    /// Codes that may be sent for one request in a day.
    public static let codesPerDay = 5

    public var challenge: IdentityChallenge
    /// Codes sent in the day that began with the first of them.
    public var codesIssued: Int
    /// When that day began, seconds since 1970.
    public var windowStart: Int64
    /// The keyed hash of the bundle link's token, once a code opened the page.
    public var linkHash: String?
    public var linkExpiresAt: Int64?

    public init(challenge: IdentityChallenge, codesIssued: Int, windowStart: Int64, linkHash: String? = nil, linkExpiresAt: Int64? = nil) {
        self.challenge = challenge
        self.codesIssued = codesIssued
        self.windowStart = windowStart
        self.linkHash = linkHash
        self.linkExpiresAt = linkExpiresAt
    }

    /// How many codes have been sent in the current day, given the last record (nil for none).
    public static func codesSent(_ last: StatusAccess?, at now: Int64) -> (count: Int, windowStart: Int64) {
        guard let last, now - last.windowStart < 24 * 60 * 60 else { return (0, now) }
        return (last.codesIssued, last.windowStart)
    }

    /// A new token for the bundle link, and this record holding its hash; the token is shown once.
    public mutating func issueLink(at now: Int64, key: Secret.Key) -> String {
        let token = Secret.randomHex(bytes: 24)
        linkHash = key.hmac("bundle-link:" + token)
        linkExpiresAt = now + Self.linkLifetime
        return token
    }

    /// Whether a token is the link's, and still in time.
    public func admits(_ token: String, at now: Int64, key: Secret.Key) -> Bool {
        guard let linkHash, let linkExpiresAt, now < linkExpiresAt else { return false }
        return Secret.equal(key.hmac("bundle-link:" + token), linkHash)
    }
}
