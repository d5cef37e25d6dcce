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

    /// The council's data key: 256 random bits, kept in a file of its own (`data_key`), apart from
    /// the audit signing key. Source credentials, stored search results and erasure's HMAC and
    /// encryption are keyed from it, so whoever holds only the database, or the database and the
    /// signing key, can read none of them (once what was sealed before it is sealed again, which
    /// the store does the first time it meets the key).
    public struct DataKey: Sendable {
        let bytes: Data

        /// The key from its 32 bytes.
        public init(bytes: some ContiguousBytes) throws {
            let data = bytes.withUnsafeBytes { Data($0) }
            guard data.count == 32 else { throw StewardError(.invalidConfiguration, "a data key is 32 bytes (64 hex digits)", field: "data_key") }
            self.bytes = data
        }

        /// A new random key.
        public static func random() -> DataKey {
            var generator = SystemRandomNumberGenerator()
            return try! DataKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        }

        /// The key as 64 lower-case hex digits, for its file.
        public var hex: String { AuditChain.hex(bytes) }
    }

    /// A 256-bit key for HMAC, derived for one use from a key the installation keeps, so that what
    /// it protects cannot be worked out from the database alone.
    public struct Key: Sendable {
        let bytes: Data

        /// The key for `purpose`, derived with HKDF-SHA256 from `material`.
        init(material: Data, purpose: String) {
            let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: material), info: Data(purpose.utf8), outputByteCount: 32)
            bytes = derived.withUnsafeBytes { Data($0) }
        }

        /// The key for `purpose`, derived from the signing key.
        public init(signer: AuditSigner, purpose: String) {
            self.init(material: signer.rawPrivateKey, purpose: purpose)
        }

        /// The key for `purpose`, derived from the data key.
        public init(dataKey: DataKey, purpose: String) {
            self.init(material: dataKey.bytes, purpose: purpose)
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

/// Seals a secret with AES-GCM under a derived key (HKDF-SHA256), so the database holds only
/// ciphertext and every node of the installation can open it: a one-time code in an email not yet
/// sent (from the signing key), or a source's credentials and what a search found (from the data
/// key).
public struct SecretSeal: Sendable {
    /// The key new seals use, then older keys that may still open what was sealed before.
    private let keys: [Data]

    public init(signer: AuditSigner, purpose: String = "steward outbox secret v1") {
        keys = [Secret.Key(signer: signer, purpose: purpose).bytes]
    }

    /// Seals under the data key. What was sealed before the installation had a data key (under a
    /// key derived from `previous`, the signing key, for `previousPurpose`) still opens.
    public init(dataKey: Secret.DataKey, purpose: String, previous signer: AuditSigner? = nil, previousPurpose: String? = nil) {
        keys =
            [Secret.Key(dataKey: dataKey, purpose: purpose).bytes]
            + (signer.map { [Secret.Key(signer: $0, purpose: previousPurpose ?? purpose).bytes] } ?? [])
    }

    /// The sealed text, base64, bound to `context` (what it belongs to): it opens only with the
    /// same context, so it cannot be moved to another record.
    public func seal(_ text: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(text.utf8), using: SymmetricKey(data: keys[0]), authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw StewardError(.unavailable, "could not seal a secret") }
        return combined.base64EncodedString()
    }

    /// The text sealed by `seal`; throws when it was sealed under another key or altered.
    public func open(_ sealed: String, context: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw StewardError(.unavailable, "a sealed secret is not valid base64") }
        for key in keys {
            guard let box = try? AES.GCM.SealedBox(combined: data),
                let plain = try? AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Data(context.utf8))
            else { continue }
            return String(decoding: plain, as: UTF8.self)
        }
        throw StewardError(.unavailable, "a sealed secret could not be opened: it was sealed under another key or altered")
    }
}

extension Secret {
    /// SHA-256 of the bytes, as lower-case hex.
    public static func sha256(_ data: Data) -> String {
        AuditChain.hex(SHA256.hash(data: data))
    }
}
