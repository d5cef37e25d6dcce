import Foundation

/// A one-time code emailed to a requester to show they control the address they gave: six digits,
/// good for fifteen minutes, locked after five wrong tries, and kept only as a salted HMAC under a
/// key that is not in the database, so a copy of the database does not give the code away.
public struct IdentityChallenge: Sendable, Hashable, Codable {
    /// How long a code may be used, in seconds.
    public static let lifetime: Int64 = 15 * 60
    /// Wrong tries allowed before the code is locked.
    public static let maxAttempts = 5

    public enum Outcome: Sendable, Hashable {
        case verified
        /// Wrong code; this many tries are left before the lock.
        case wrong(remaining: Int)
        case expired
        /// Too many wrong tries: the code no longer works, even if right.
        case locked
        /// The code was already used.
        case used
    }

    public var salt: String
    public var codeHash: String
    /// Seconds since 1970.
    public var issuedAt: Int64
    public var attempts: Int
    public var usedAt: Int64?

    public var expiresAt: Int64 { issuedAt + Self.lifetime }

    /// Seconds since 1970, as codes (and the outbox) count time.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
    public var isLocked: Bool { attempts >= Self.maxAttempts }

    public init(salt: String, codeHash: String, issuedAt: Int64, attempts: Int = 0, usedAt: Int64? = nil) {
        self.salt = salt
        self.codeHash = codeHash
        self.issuedAt = issuedAt
        self.attempts = attempts
        self.usedAt = usedAt
    }

    /// A new challenge and its code, which is shown (emailed) once and never stored.
    public static func issue(at now: Int64, key: Secret.Key) -> (challenge: IdentityChallenge, code: String) {
        var generator = SystemRandomNumberGenerator()
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
        let salt = Secret.randomHex(bytes: 16)
        return (IdentityChallenge(salt: salt, codeHash: hash(code, salt: salt, key: key), issuedAt: now), code)
    }

    /// Checks a code and records the try. Spaces in what was typed are ignored.
    public mutating func check(_ typed: String, at now: Int64, key: Secret.Key) -> Outcome {
        if usedAt != nil { return .used }
        if isLocked { return .locked }
        if now >= expiresAt { return .expired }
        let code = typed.filter { !$0.isWhitespace }
        if Secret.equal(Self.hash(code, salt: salt, key: key), codeHash) {
            usedAt = now
            return .verified
        }
        attempts += 1
        return isLocked ? .locked : .wrong(remaining: Self.maxAttempts - attempts)
    }

    static func hash(_ code: String, salt: String, key: Secret.Key) -> String {
        key.hmac(salt + ":" + code)
    }
}
