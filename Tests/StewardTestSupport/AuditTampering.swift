import Logging
import SQLKit
public import StewardCore
public import StewardStore

/// A hand edit to the audit log's tables, and the entry verification must name first. Shared by the
/// store's tests and the command line's, so both prove the same cases on both backends.
public struct AuditTampering: Sendable, CustomStringConvertible {
    public var name: String
    public var sql: [String]
    public var firstBad: Int64
    /// Words the reason must contain.
    public var reason: String
    public var description: String { name }

    public init(name: String, sql: [String], firstBad: Int64, reason: String) {
        self.name = name
        self.sql = sql
        self.firstBad = firstBad
        self.reason = reason
    }

    /// The number of entries `appendEntries(to:)` writes; the cases assume it.
    public static let entryCount = 25

    /// Writes 25 entries, with a checkpoint every 10 when the store is opened with that interval.
    public static func appendEntries(to store: Store) async throws {
        for index in 0..<entryCount {
            try await store.audit.append(
                AuditEvent(actor: "test", action: AuditAction(rawValue: "test.append"), object: "thing/\(index)", details: ["index": .int(index)])
            )
        }
    }

    /// Runs the edit's statements directly against the database, on a connection of its own, as
    /// someone with access to the database could.
    public func apply(to database: TestDatabase) async throws {
        let statements = sql
        let handle = try await openDatabase(database.location, logger: Logger(label: "tampering"))
        do {
            try await handle.write { database in
                for statement in statements { try await database.raw(SQLQueryString(statement)).run() }
            }
        } catch {
            await handle.close()
            throw error
        }
        await handle.close()
    }

    public static let cases: [AuditTampering] = [
        .init(
            name: "editing an entry's details",
            sql: ["UPDATE audit_entries SET details = '{\"index\":999}' WHERE seq = 7"],
            firstBad: 7,
            reason: "altered"
        ),
        .init(
            name: "editing an entry's actor",
            sql: ["UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 12"],
            firstBad: 12,
            reason: "altered"
        ),
        .init(name: "deleting an entry in the middle", sql: ["DELETE FROM audit_entries WHERE seq = 9"], firstBad: 9, reason: "missing"),
        .init(
            name: "reordering two entries",
            sql: [
                "UPDATE audit_entries SET seq = -5 WHERE seq = 5", "UPDATE audit_entries SET seq = 5 WHERE seq = 6",
                "UPDATE audit_entries SET seq = 6 WHERE seq = -5",
            ],
            firstBad: 5,
            reason: "does not follow"
        ),
        .init(name: "truncating the end of the log", sql: ["DELETE FROM audit_entries WHERE seq > 17"], firstBad: 18, reason: "missing"),
        .init(name: "truncating after the last checkpoint", sql: ["DELETE FROM audit_entries WHERE seq > 20"], firstBad: 21, reason: "cut short"),
        .init(name: "deleting the signed head", sql: ["DELETE FROM audit_head"], firstBad: 25, reason: "no signed head"),
        .init(
            name: "cutting off the tail and the signed head",
            sql: ["DELETE FROM audit_entries WHERE seq > 22", "DELETE FROM audit_head"],
            firstBad: 22,
            reason: "no signed head"
        ),
        .init(
            name: "deleting one checkpoint",
            sql: ["DELETE FROM audit_checkpoints WHERE seq = 10"],
            firstBad: 10,
            reason: "missing: the checkpoint"
        ),
        .init(
            name: "deleting the last checkpoint",
            sql: ["DELETE FROM audit_checkpoints WHERE seq = 20"],
            firstBad: 20,
            reason: "the signed head names it"
        ),
        .init(name: "deleting every checkpoint", sql: ["DELETE FROM audit_checkpoints"], firstBad: 20, reason: "missing: the checkpoint"),
        .init(
            name: "deleting the whole log",
            sql: ["DELETE FROM audit_entries", "DELETE FROM audit_checkpoints", "DELETE FROM audit_head"],
            firstBad: 1,
            reason: "missing: the whole log"
        ),
        .init(
            name: "deleting the whole log and the installation's record of it",
            sql: [
                "DELETE FROM audit_entries", "DELETE FROM audit_checkpoints", "DELETE FROM audit_head",
                "DELETE FROM installation WHERE name = 'audit_origin'",
            ],
            firstBad: 1,
            reason: "record of the log's first entry is missing"
        ),
        .init(
            name: "deleting the installation's record of the first entry",
            sql: ["DELETE FROM installation WHERE name = 'audit_origin'"],
            firstBad: 1,
            reason: "record of the log's first entry is missing"
        ),
        .init(
            name: "appending an entry by hand",
            sql: [
                "INSERT INTO audit_entries (seq, time, actor, action, object, details, prev_hash, hash) SELECT 26, time, actor, action, object, details, hash, hash FROM audit_entries WHERE seq = 25"
            ],
            firstBad: 26,
            reason: "altered"
        ),
    ]
}
