/// Checks an audit log entry by entry, in order, without holding it in memory: each entry's sequence
/// number, its link to the one before, its own hash, and every signed checkpoint and the signed head.
///
/// Feed entries in `seq` order with `check(_:)` and call `finish()`; the result names the first bad
/// entry, which is where an investigation starts.
public struct AuditVerifier: Sendable {
    /// The outcome of a verification.
    public struct Result: Sendable, Hashable, Codable {
        public var isIntact: Bool
        public var entriesChecked: Int64
        public var checkpointsChecked: Int
        /// The last entry's sequence number and hash, when there is one.
        public var lastSeq: Int64
        public var lastHash: String
        public var firstBad: Failure?
    }

    /// The first problem found.
    public struct Failure: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The sequence number of the first entry that is wrong or missing.
        public var seq: Int64
        public var reason: String

        public var description: String { "entry \(seq): \(reason)" }
    }

    private let checkpoints: [Int64: AuditCheckpoint]
    private let head: AuditCheckpoint?
    private let trustedKeys: Set<String>?
    private var expectedSeq: Int64 = 1
    private var previousHash = AuditChain.genesisHash
    private var checked: Int64 = 0
    private var checkpointsChecked = 0
    private var failure: Failure?

    /// - Parameters:
    ///   - checkpoints: the signed checkpoints kept beside the log.
    ///   - head: the signed checkpoint of the newest entry, if the log keeps one.
    ///   - trustedKeys: public keys (hex) the checkpoints must be signed with; nil trusts the keys the
    ///     checkpoints carry, which proves integrity but not origin.
    public init(checkpoints: [AuditCheckpoint], head: AuditCheckpoint?, trustedKeys: Set<String>? = nil) {
        self.checkpoints = Dictionary(checkpoints.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        self.head = head
        self.trustedKeys = trustedKeys
    }

    /// True while no problem has been found; once false, further entries are ignored.
    public var isIntact: Bool { failure == nil }

    /// Checks the next entry. Returns false at the first problem.
    @discardableResult
    public mutating func check(_ entry: AuditEntry) -> Bool {
        guard failure == nil else { return false }
        if entry.seq != expectedSeq {
            if entry.seq > expectedSeq {
                fail(expectedSeq, "missing: the log jumps from entry \(expectedSeq - 1) to entry \(entry.seq)")
            } else {
                fail(entry.seq, "out of order or duplicated: expected entry \(expectedSeq)")
            }
            return false
        }
        if entry.prevHash != previousHash {
            fail(entry.seq, "does not follow entry \(entry.seq - 1): its prevHash does not match that entry's hash")
            return false
        }
        if AuditChain.expectedHash(of: entry) != entry.hash {
            fail(entry.seq, "altered: its content does not match its hash")
            return false
        }
        if let checkpoint = checkpoints[entry.seq] {
            guard verifySignature(checkpoint, at: entry) else { return false }
            checkpointsChecked += 1
        }
        previousHash = entry.hash
        expectedSeq += 1
        checked += 1
        return true
    }

    private mutating func verifySignature(_ checkpoint: AuditCheckpoint, at entry: AuditEntry) -> Bool {
        if let trustedKeys, !trustedKeys.contains(checkpoint.publicKey) {
            fail(entry.seq, "the checkpoint at this entry is signed with a key that is not trusted (\(checkpoint.publicKey.prefix(16))…)")
            return false
        }
        if !AuditChain.isValidSignature(checkpoint) {
            fail(entry.seq, "the checkpoint at this entry has a signature that is not valid")
            return false
        }
        if checkpoint.hash != entry.hash {
            fail(entry.seq, "rewritten: its hash differs from the one signed in the checkpoint at this entry")
            return false
        }
        return true
    }

    private mutating func fail(_ seq: Int64, _ reason: String) {
        failure = Failure(seq: seq, reason: reason)
    }

    /// Ends the check: compares the end of the log with the signed head and checkpoints, and returns
    /// the result.
    public mutating func finish() -> Result {
        let lastSeq = expectedSeq - 1
        if failure == nil, let beyond = checkpoints.keys.filter({ $0 > lastSeq }).min() {
            fail(lastSeq + 1, "missing: a checkpoint was signed at entry \(beyond) but the log ends at entry \(lastSeq)")
        }
        if failure == nil, let head {
            if let trustedKeys, !trustedKeys.contains(head.publicKey) {
                fail(head.seq, "the signed head is signed with a key that is not trusted")
            } else if !AuditChain.isValidSignature(head) {
                fail(head.seq, "the signed head has a signature that is not valid")
            } else if head.seq > lastSeq {
                fail(lastSeq + 1, "missing: the log was cut short; it ends at entry \(lastSeq) but the signed head is at entry \(head.seq)")
            } else if head.seq < lastSeq {
                fail(head.seq + 1, "added outside Steward: entries after \(head.seq) are not covered by the signed head")
            } else if head.hash != previousHash {
                fail(head.seq, "rewritten: its hash differs from the signed head")
            } else {
                checkpointsChecked += 1
            }
        } else if failure == nil, head == nil, lastSeq > 0 {
            fail(lastSeq, "the log has no signed head, so its end cannot be checked")
        }
        return Result(
            isIntact: failure == nil, entriesChecked: checked, checkpointsChecked: checkpointsChecked, lastSeq: lastSeq,
            lastHash: previousHash, firstBad: failure
        )
    }
}
