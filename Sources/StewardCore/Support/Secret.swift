import Crypto
public import Foundation

/// Small helpers for secrets: random values, hashes, and comparisons whose time does not depend on
/// where the inputs differ.
public enum Secret {
    /// `count` random bytes from the system's secure generator, as lower-case hex.
    public static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return AuditChain.hex((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A 256-bit key for HMAC, derived from the installation's signing key for one use, so that
    /// what it protects cannot be worked out from the database alone.
    public struct Key: Sendable {
        let bytes: Data

        /// The key for `purpose`, derived with HKDF-SHA256 from the signing key.
        public init(signer: AuditSigner, purpose: String) {
            let derived = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: signer.rawPrivateKey), info: Data(purpose.utf8), outputByteCount: 32)
            bytes = derived.withUnsafeBytes { Data($0) }
        }

        /// HMAC-SHA256 of the UTF-8 text, as lower-case hex.
        public func hmac(_ text: String) -> String {
            AuditChain.hex(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: bytes)))
        }
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

/// Seals a short secret that must wait to be used — a one-time code in an email not yet sent — with
/// AES-GCM under a key derived (HKDF-SHA256) from the installation's signing key, so the database
/// holds only ciphertext and every node of the installation can open it.
public struct SecretSeal: Sendable {
    private let key: Data

    public init(signer: AuditSigner, purpose: String = "steward outbox secret v1") {
        key = Secret.Key(signer: signer, purpose: purpose).bytes
    }

    /// The sealed text, base64, bound to `context` (what it belongs to): it opens only with the
    /// same context, so it cannot be moved to another record.
    public func seal(_ text: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(text.utf8), using: SymmetricKey(data: key), authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw StewardError(.unavailable, "could not seal a secret") }
        return combined.base64EncodedString()
    }

    /// The text sealed by `seal`; throws when it was sealed under another key or altered.
    public func open(_ sealed: String, context: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw StewardError(.unavailable, "a sealed secret is not valid base64") }
        do {
            let plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: SymmetricKey(data: key), authenticating: Data(context.utf8))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw StewardError(.unavailable, "a sealed secret could not be opened: it was sealed under another signing key or altered")
        }
    }
}

extension Secret {
    /// SHA-256 of the bytes, as lower-case hex.
    public static func sha256(_ data: Data) -> String {
        AuditChain.hex(SHA256.hash(data: data))
    }
}
