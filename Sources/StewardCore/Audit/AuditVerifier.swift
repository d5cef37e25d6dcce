import Dispatch

/// Checks an audit log entry by entry, in order, without holding it in memory: each entry's sequence
/// number, its link to the one before, its own hash, and every signed checkpoint and the signed head.
///
/// Feed entries in `seq` order with `check(_:)` and call `finish()`; the result names the first bad
/// entry, which is where an investigation starts.
public struct AuditVerifier: Sendable {
    /// The buffer hashed entries are built in, reused for every entry.
    private var buffer: [UInt8] = []
    /// The outcome of a verification.
    public struct Result: Sendable, Hashable, Codable {
        public var isIntact: Bool
        public var entriesChecked: Int64
        public var checkpointsChecked: Int
        /// The last entry's sequence number and hash, when there is one.
        public var lastSeq: Int64
        public var lastHash: String
        /// The public keys (hex) of the signatures checked, so a person can see who signed.
        public var signingKeys: [String]
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
    private let origin: AuditOrigin?
    private let originRequired: Bool
    private let originMissing: Bool
    private let trustedKeys: Set<String>?
    private var expectedSeq: Int64 = 1
    private var previousHash = AuditChain.genesisHash
    private var checked: Int64 = 0
    private var checkpointsChecked = 0
    private var failure: Failure?

    /// - Parameters:
    ///   - checkpoints: the signed checkpoints kept beside the log.
    ///   - head: the signed checkpoint of the newest entry, if the log keeps one.
    ///   - origin: the installation's signed record of the log's first entry.
    ///   - originMissing: the installation keeps no word of its log at all, which fails even an
    ///     empty log: the record was deleted, perhaps with the log.
    ///   - originRequired: whether a log with entries must have that record (an installation's own
    ///     database), or may lack it (an export, or a log begun before it was kept).
    ///   - trustedKeys: public keys (hex) the checkpoints must be signed with; nil trusts the keys the
    ///     checkpoints carry, which proves integrity but not origin.
    public init(
        checkpoints: [AuditCheckpoint],
        head: AuditCheckpoint?,
        origin: AuditOrigin? = nil,
        originRequired: Bool = false,
        originMissing: Bool = false,
        trustedKeys: Set<String>? = nil
    ) {
        self.checkpoints = Dictionary(checkpoints.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        self.head = head
        self.origin = origin
        self.originRequired = originRequired
        self.originMissing = originMissing
        self.trustedKeys = trustedKeys
    }

    /// True while no problem has been found; once false, further entries are ignored.
    public var isIntact: Bool { failure == nil }

    /// Checks the next entry. Returns false at the first problem.
    @discardableResult
    public mutating func check(_ entry: AuditEntry) -> Bool {
        var buffer = self.buffer
        let valid = AuditChain.hasValidHash(entry, buffer: &buffer)
        self.buffer = buffer
        return check(entry, hashIsValid: valid)
    }

    /// Checks the next entries in order. Each entry's own hash depends only on its fields, so those
    /// are computed in parallel on every core; the links between entries are then checked in order.
    /// Returns false at the first problem.
    @discardableResult
    public mutating func check(_ entries: [AuditEntry]) -> Bool {
        guard failure == nil else { return false }
        let valid = Self.hashValidity(of: entries)
        for (index, entry) in entries.enumerated() where !check(entry, hashIsValid: valid[index]) {
            return false
        }
        return true
    }

    static func hashValidity(of entries: [AuditEntry]) -> [Bool] {
        let chunk = 2048
        let chunks = (entries.count + chunk - 1) / chunk
        guard chunks > 1 else {
            var buffer: [UInt8] = []
            return entries.map { AuditChain.hasValidHash($0, buffer: &buffer) }
        }
        return [Bool](unsafeUninitializedCapacity: entries.count) { result, initialized in
            let base = UnsafeMutableBufferPointerBox(result)
            DispatchQueue.concurrentPerform(iterations: chunks) { part in
                var buffer: [UInt8] = []
                let range = part * chunk..<min(entries.count, (part + 1) * chunk)
                for index in range { (base.pointer.baseAddress! + index).initialize(to: AuditChain.hasValidHash(entries[index], buffer: &buffer)) }
            }
            initialized = entries.count
        }
    }

    private mutating func check(_ entry: AuditEntry, hashIsValid: Bool) -> Bool {
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
        if !hashIsValid {
            fail(entry.seq, "altered: its content does not match its hash")
            return false
        }
        if entry.seq == 1, let origin, origin.hash != entry.hash {
            fail(1, "replaced: this is not the first entry the installation signed on \(origin.signedAt); the log was emptied and begun again")
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

    /// The log must exist once the installation has signed its first entry.
    private mutating func checkOrigin(lastSeq: Int64) {
        guard let origin else {
            if originMissing || originRequired && lastSeq > 0 {
                fail(1, "the installation's signed record of the log's first entry is missing, so the log cannot be shown to be whole")
            }
            return
        }
        if let trustedKeys, !trustedKeys.contains(origin.publicKey) {
            fail(1, "the installation's record of the log's first entry is signed with a key that is not trusted")
        } else if !AuditChain.isValidSignature(origin) {
            fail(1, "the installation's record of the log's first entry has a signature that is not valid")
        } else if lastSeq == 0 {
            fail(1, "missing: the whole log; the installation signed its first entry on \(origin.signedAt) and no entry remains")
        }
    }

    /// Each checkpoint names the one before it, and the head names the last: a deleted checkpoint
    /// is missing from that chain.
    private mutating func checkCheckpointChain() {
        var before: Int64 = 0
        for seq in checkpoints.keys.sorted() {
            if let named = checkpoints[seq]!.previous, !chained(named, before: before, at: "the checkpoint at entry \(seq)") { return }
            before = seq
        }
        if let head, let named = head.previous {
            let last = checkpoints.keys.filter { $0 <= head.seq }.max() ?? 0
            _ = chained(named, before: last, at: "the signed head")
        }
    }

    private mutating func chained(_ named: Int64, before: Int64, at place: String) -> Bool {
        if named > before {
            fail(named, "missing: the checkpoint signed at this entry is gone (\(place) names it as the one before)")
            return false
        }
        if named < before {
            fail(before, "the checkpoint at this entry is not in the chain of signed checkpoints (\(place) names entry \(named) before it)")
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
        if failure == nil { checkOrigin(lastSeq: lastSeq) }
        if failure == nil { checkCheckpointChain() }
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
            isIntact: failure == nil,
            entriesChecked: checked,
            checkpointsChecked: checkpointsChecked,
            lastSeq: lastSeq,
            lastHash: previousHash,
            signingKeys: Array(Set(checkpoints.values.map(\.publicKey) + (head.map { [$0.publicKey] } ?? []))).sorted(),
            firstBad: failure
        )
    }
}

/// Lets the parallel hash check write each chunk's results into its own part of one buffer.
private struct UnsafeMutableBufferPointerBox: @unchecked Sendable {
    // Safe: each concurrent iteration initialises a disjoint range of the buffer, and the buffer
    // outlives `concurrentPerform`, which returns only when every iteration has finished.
    let pointer: UnsafeMutableBufferPointer<Bool>
    init(_ pointer: UnsafeMutableBufferPointer<Bool>) { self.pointer = pointer }
}
