import Crypto
import Foundation

/// Small helpers for secrets: random values, hashes, and comparisons whose time does not depend on
/// where the inputs differ.
public enum Secret {
    /// `count` random bytes from the system's secure generator, as lower-case hex.
    public static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return AuditChain.hex((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// SHA-256 of the UTF-8 text, as lower-case hex.
    public static func sha256(_ text: String) -> String {
        AuditChain.hex(SHA256.hash(data: Data(text.utf8)))
    }

    /// True when the two strings are equal, taking the same time wherever they differ.
    public static func equal(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
