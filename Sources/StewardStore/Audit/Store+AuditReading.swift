import Crypto
import Foundation
import SQLKit
public import StewardCore

extension Store {
    /// Entries after `seq`, oldest first.
    public func auditEntries(after seq: Int64 = 0, limit: Int = 100) async throws -> [AuditEntry] {
        try await handle.read { database in try await Self.entries(after: seq, limit: limit, on: database) }
    }

    /// Read column by column, not through the row decoder: this is verification's hot path, a page
    /// of ten thousand entries at a time (`scripts/bench` measures it).
    static func entries(after seq: Int64, limit: Int, on database: any SQLDatabase) async throws -> [AuditEntry] {
        try await database.raw(
            "SELECT seq, time, actor, action, object, details, prev_hash, hash FROM audit_entries WHERE seq > \(bind: seq) ORDER BY seq LIMIT \(bind: limit)"
        ).all().map { row in
            AuditEntry(
                seq: try row.decode(column: "seq", as: Int64.self),
                time: try row.decode(column: "time", as: String.self),
                actor: try row.decode(column: "actor", as: String.self),
                action: try row.decode(column: "action", as: String.self),
                object: try row.decode(column: "object", as: String.self),
                details: try row.decode(column: "details", as: String.self),
                prevHash: try row.decode(column: "prev_hash", as: String.self),
                hash: try row.decode(column: "hash", as: String.self)
            )
        }
    }

    /// What verification checks the entries against: the checkpoints, the head, and the
    /// installation's record of the first entry.
    struct Signatures {
        var checkpoints: [AuditCheckpoint]
        var head: AuditCheckpoint?
        var origin: AuditOrigin?
        /// False only for a log begun before the record was kept, until the next start records it.
        var originRequired: Bool
        /// The installation keeps no word of its log at all: not the record, not that it awaits
        /// the first entry. Emptied with the log, it would make the log pass for a new one.
        var originMissing: Bool

        func verifier(trustedKeys: Set<String>?) -> AuditVerifier {
            AuditVerifier(
                checkpoints: checkpoints,
                head: head,
                origin: origin,
                originRequired: originRequired,
                originMissing: originMissing,
                trustedKeys: trustedKeys
            )
        }
    }

    static func signatures(on database: any SQLDatabase) async throws -> Signatures {
        let schema = try await database.raw("SELECT MAX(version) AS version FROM schema_migrations").first()?.decode(column: "version", as: Int?.self)
        guard (schema ?? 0) >= 6 else {
            throw StewardError(
                .conflict,
                "this database's schema (version \(schema ?? 0)) is older than this Steward's audit log; run steward migrate, then verify"
            )
        }
        func decode(_ row: any SQLRow) throws -> AuditCheckpoint { try row.model(AuditCheckpoint.self) }
        let checkpoints = try await database.raw(
            "SELECT seq, hash, signed_at, public_key, signature, previous FROM audit_checkpoints ORDER BY seq"
        ).all().map(decode)
        let head = try await database.raw("SELECT seq, hash, signed_at, public_key, signature, previous FROM audit_head WHERE id = 1").first()
            .map(decode)
        let kept = try await database.raw("SELECT value FROM installation WHERE name = 'audit_origin'").first()?
            .decode(column: "value", as: String.self)
        let origin = try kept.flatMap {
            ["pending", "awaiting"].contains($0) ? nil : try JSONDecoder().decode(AuditOrigin.self, from: Data($0.utf8))
        }
        return Signatures(checkpoints: checkpoints, head: head, origin: origin, originRequired: kept != "pending", originMissing: kept == nil)
    }

    /// Records the first entry of a log begun before the installation kept that record, signed
    /// with the entry's own time.
    func adoptAuditOrigin() async throws {
        let signer = appender.signer
        try await handle.write { database in
            guard try await database.raw("SELECT value FROM installation WHERE name = 'audit_origin' AND value = 'pending'").first() != nil,
                let first = try await Self.entries(after: 0, limit: 1, on: database).first, first.seq == 1
            else { return }
            let origin = try signer.origin(hash: first.hash, at: first.time)
            let value = String(decoding: try JSONEncoder().encode(origin), as: UTF8.self)
            try await database.raw("UPDATE installation SET value = \(bind: value) WHERE name = 'audit_origin' AND value = 'pending'").run()
        }
    }

    /// Page size for reading the log end to end.
    static let auditPage = 10_000

    /// Verifies the whole log in one consistent snapshot.
    /// - Parameter trustedKeys: public keys (hex) checkpoints must be signed with; nil accepts the
    ///   keys they carry.
    public func verifyAudit(trustedKeys: Set<String>?) async throws -> AuditVerifier.Result {
        try await handle.snapshot { database in
            var verifier = try await Self.signatures(on: database).verifier(trustedKeys: trustedKeys)
            var after: Int64 = 0
            while true {
                let page = try await Self.entries(after: after, limit: Self.auditPage, on: database)
                guard let last = page.last else { break }
                guard verifier.check(page) else { break }
                after = last.seq
            }
            return verifier.finish()
        }
    }

    /// Writes the whole log, in one consistent snapshot, as export lines (`AuditExport`).
    public func exportAudit(_ write: @escaping @Sendable (String) throws -> Void) async throws -> Int64 {
        try await handle.snapshot { database in
            let signatures = try await Self.signatures(on: database)
            let count =
                try await database.raw("SELECT COUNT(*) AS count FROM audit_entries").first()?.decode(column: "count", as: Int64.self) ?? 0
            try write(try AuditExport.encode(AuditExport.Header(exportedAt: AuditChain.timestamp(), entries: count)))
            if let origin = signatures.origin { try write(try AuditExport.encode(.origin(origin))) }
            if let head = signatures.head { try write(try AuditExport.encode(.head(head))) }
            for checkpoint in signatures.checkpoints { try write(try AuditExport.encode(.checkpoint(checkpoint))) }
            var after: Int64 = 0
            while true {
                let page = try await Self.entries(after: after, limit: Self.auditPage, on: database)
                guard let last = page.last else { break }
                for entry in page { try write(try AuditExport.encode(.entry(entry))) }
                after = last.seq
            }
            return count
        }
    }
}

/// A verification of the log that a member of staff ran, as the log records it.
public struct AuditVerificationRecord: Sendable, Hashable {
    public var time: String
    public var actor: String
    public var result: AuditVerifier.Result
}

extension Store {
    /// Verifies the log against this installation's key and records in it who verified it and
    /// what they found, so the next reader sees when the log was last checked.
    public func verifyAndRecordAudit(actor: String) async throws -> AuditVerifier.Result {
        let result = try await verifyAudit(trustedKeys: [signingPublicKey])
        try await audit.append(
            AuditEvent(actor: actor, action: .auditVerify, object: "audit/\(result.lastSeq)", details: try JSONValue(encoding: result))
        )
        return result
    }

    /// The last verification recorded, if any.
    public func lastAuditVerification() async throws -> AuditVerificationRecord? {
        try await handle.read { database in
            guard
                let row = try await database.raw(
                    "SELECT time, actor, details FROM audit_entries WHERE action = \(bind: AuditAction.auditVerify.rawValue) ORDER BY seq DESC LIMIT 1"
                ).first()
            else { return nil }
            return AuditVerificationRecord(
                time: try row.decode(column: "time", as: String.self),
                actor: try row.decode(column: "actor", as: String.self),
                result: try JSONDecoder().decode(AuditVerifier.Result.self, from: Data(try row.decode(column: "details", as: String.self).utf8))
            )
        }
    }

    /// The newest signed checkpoints, newest first, and how many there are.
    public func auditCheckpoints(limit: Int) async throws -> (newest: [AuditCheckpoint], count: Int) {
        try await handle.read { database in
            let newest = try await database.raw(
                "SELECT seq, hash, signed_at, public_key, signature, previous FROM audit_checkpoints ORDER BY seq DESC LIMIT \(bind: limit)"
            ).all().map { try $0.model(AuditCheckpoint.self) }
            let count = try await database.raw("SELECT COUNT(*) AS count FROM audit_checkpoints").first()?.decode(column: "count", as: Int.self) ?? 0
            return (newest, count)
        }
    }
}
