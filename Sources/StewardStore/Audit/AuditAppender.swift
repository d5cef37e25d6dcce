import Foundation
import SQLKit
import StewardCore

/// Appends sealed entries inside a write transaction: finds the end of the chain, seals each event
/// after it, writes the entries, the periodic checkpoints and the signed head. Every writer of the
/// audit log goes through here, so the chain has one definition of "next".
struct AuditAppender: Sendable {
    let dialect: Dialect
    let signer: AuditSigner
    let checkpointInterval: Int

    /// Rows per INSERT statement: 8 binds a row stays well under SQLite's 32,766 bound parameters.
    static let rowsPerStatement = 1000

    func append(_ events: [AuditEvent], on database: any SQLDatabase) async throws -> [AuditEntry] {
        guard !events.isEmpty else { return [] }
        if dialect == .postgres {
            // Several serve processes may append; the chain needs one writer at a time.
            try await database.raw("SELECT pg_advisory_xact_lock(\(bind: Migrations.postgresLockKey))").run()
        }
        var seq: Int64 = 0
        var previous = AuditChain.genesisHash
        if let last = try await database.raw("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1").first() {
            seq = try last.decode(column: "seq", as: Int64.self)
            previous = try last.decode(column: "hash", as: String.self)
        }
        let time = AuditChain.timestamp()
        var entries: [AuditEntry] = []
        entries.reserveCapacity(events.count)
        for event in events {
            seq += 1
            let entry = AuditChain.seal(event, seq: seq, time: time, prevHash: previous)
            entries.append(entry)
            previous = entry.hash
        }
        try await database.insertRows(
            into: "audit_entries",
            columns: ["seq", "time", "actor", "action", "object", "details", "prev_hash", "hash"],
            rows: entries.map { entry in
                [SQLBind(entry.seq)]
                    + [entry.time, entry.actor, entry.action, entry.object, entry.details, entry.prevHash, entry.hash].map(SQLBind.init)
            },
            rowsPerStatement: Self.rowsPerStatement
        )
        if entries[0].seq == 1 { try await recordOrigin(entries[0], at: time, on: database) }
        // Each checkpoint, and the head, signs the entry of the checkpoint before it.
        var lastCheckpoint =
            try await database.raw("SELECT seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1").first()?.decode(column: "seq", as: Int64.self) ?? 0
        for entry in entries where entry.seq % Int64(checkpointInterval) == 0 {
            let checkpoint = try signer.checkpoint(seq: entry.seq, hash: entry.hash, previous: lastCheckpoint, at: time)
            try await database.raw(
                "INSERT INTO audit_checkpoints (seq, hash, signed_at, public_key, signature, previous) VALUES (\(bind: checkpoint.seq), \(bind: checkpoint.hash), \(bind: checkpoint.signedAt), \(bind: checkpoint.publicKey), \(bind: checkpoint.signature), \(bind: lastCheckpoint))"
            ).run()
            lastCheckpoint = entry.seq
        }
        let head = try signer.checkpoint(seq: seq, hash: previous, previous: lastCheckpoint, at: time)
        try await database.raw(
            """
            INSERT INTO audit_head (id, seq, hash, signed_at, public_key, signature, previous)
            VALUES (1, \(bind: head.seq), \(bind: head.hash), \(bind: head.signedAt), \(bind: head.publicKey), \(bind: head.signature), \(bind: lastCheckpoint))
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, signed_at = excluded.signed_at,
            public_key = excluded.public_key, signature = excluded.signature, previous = excluded.previous
            """
        ).run()
        return entries
    }

    /// The installation's record of the log's first entry, written once with it. A log that starts
    /// again from entry 1 (its tables emptied) keeps the first record, so verification fails.
    func recordOrigin(_ first: AuditEntry, at time: String, on database: any SQLDatabase) async throws {
        let origin = try signer.origin(hash: first.hash, at: time)
        let value = String(decoding: try JSONEncoder().encode(origin), as: UTF8.self)
        try await database.raw(
            """
            INSERT INTO installation (name, value) VALUES ('audit_origin', \(bind: value))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value WHERE installation.value = 'awaiting'
            """
        ).run()
    }
}
