public import Foundation

/// Something that happened, before it is sealed into the audit log.
public struct AuditEvent: Sendable, Hashable {
    /// Who did it: a token name, a user, or `system` for Steward itself. Never a person's personal data.
    public var actor: String
    /// What was done.
    public var action: AuditAction
    /// What it was done to (`datamap/3`, `token/5`).
    public var object: String
    /// Further facts, as JSON. Ids and counts, never names or field values.
    public var details: JSONValue

    public init(actor: String, action: AuditAction, object: String, details: JSONValue = .object([:])) {
        self.actor = actor
        self.action = action
        self.object = object
        self.details = details
    }
}

/// One sealed entry of the audit log: `hash = SHA-256(prevHash ‖ canonical JSON of the rest)`, so that
/// changing, removing or reordering any entry breaks the chain from there on.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var seq: Int64
    /// UTC time with milliseconds, ISO 8601 (`2026-11-29T17:40:01.123Z`).
    public var time: String
    public var actor: String
    public var action: String
    public var object: String
    /// The details as canonical JSON text, exactly as hashed.
    public var details: String
    /// The hash of the entry before, lower-case hex; 64 zeros for the first entry.
    public var prevHash: String
    /// This entry's hash, lower-case hex.
    public var hash: String

    public init(
        seq: Int64,
        time: String,
        actor: String,
        action: String,
        object: String,
        details: String,
        prevHash: String,
        hash: String
    ) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.object = object
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }

    enum CodingKeys: String, CodingKey {
        case seq, time, actor, action, object, details, prevHash, hash
    }

    /// Entries travel with `details` as a JSON object, not as a string holding JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int64.self, forKey: .seq)
        time = try container.decode(String.self, forKey: .time)
        actor = try container.decode(String.self, forKey: .actor)
        action = try container.decode(String.self, forKey: .action)
        object = try container.decode(String.self, forKey: .object)
        details = try container.decode(JSONValue.self, forKey: .details).canonicalString
        prevHash = try container.decode(String.self, forKey: .prevHash)
        hash = try container.decode(String.self, forKey: .hash)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(time, forKey: .time)
        try container.encode(actor, forKey: .actor)
        try container.encode(action, forKey: .action)
        try container.encode(object, forKey: .object)
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(details.utf8))) ?? .string(details)
        try container.encode(value, forKey: .details)
        try container.encode(prevHash, forKey: .prevHash)
        try container.encode(hash, forKey: .hash)
    }
}

/// A signature over the log's state at one entry, made with the council's Ed25519 audit key, so that
/// rewriting the whole chain or cutting entries off its end is detectable.
public struct AuditCheckpoint: Sendable, Hashable, Codable {
    public var seq: Int64
    public var hash: String
    /// When it was signed, ISO 8601 UTC.
    public var signedAt: String
    /// The Ed25519 public key, lower-case hex.
    public var publicKey: String
    /// The signature over `AuditChain.checkpointMessage(seq:hash:previous:)`, lower-case hex.
    public var signature: String
    /// The entry of the checkpoint signed before this one (0 when there was none), signed with it,
    /// so that deleting a checkpoint is as evident as deleting an entry. Nil on checkpoints signed
    /// before checkpoints were chained.
    public var previous: Int64?

    public init(seq: Int64, hash: String, signedAt: String, publicKey: String, signature: String, previous: Int64? = nil) {
        self.seq = seq
        self.hash = hash
        self.signedAt = signedAt
        self.publicKey = publicKey
        self.signature = signature
        self.previous = previous
    }
}

/// The installation's signed record of its log's first entry, kept apart from the log (beside the
/// data key's check value), so that an emptied or replaced log is a failure rather than a new,
/// intact one.
public struct AuditOrigin: Sendable, Hashable, Codable {
    /// The hash of entry 1.
    public var hash: String
    /// When the log began, ISO 8601 UTC.
    public var signedAt: String
    public var publicKey: String
    /// The signature over `AuditChain.originMessage(hash:signedAt:)`, lower-case hex.
    public var signature: String

    public init(hash: String, signedAt: String, publicKey: String, signature: String) {
        self.hash = hash
        self.signedAt = signedAt
        self.publicKey = publicKey
        self.signature = signature
    }
}
