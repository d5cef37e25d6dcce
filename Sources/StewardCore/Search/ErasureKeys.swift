/// The keys erasure masks with: HMAC for `hmac`, AES-GCM for `encrypt`, both from the data key.
public struct ErasureKeys: Sendable {
    let hmac: Secret.Key
    let seal: SecretSeal

    public init(hmac: Secret.Key, seal: SecretSeal) {
        self.hmac = hmac
        self.seal = seal
    }

    /// The masked value of a field; `salt` is made for one erasure and never kept.
    public func mask(_ value: String?, with strategy: MaskingStrategy, place: String, salt: String) throws -> String? {
        guard let value else { return nil }
        switch strategy {
        case .null: return nil
        case .fixed(let text): return text
        case .random: return Secret.randomHex(bytes: 8)
        case .hash: return Secret.sha256(salt + value)
        case .hmac: return hmac.hmac(value)
        case .encrypt: return try seal.seal(value, context: place)
        case .preserve: return value
        }
    }
}
