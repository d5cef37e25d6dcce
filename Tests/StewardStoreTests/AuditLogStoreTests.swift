import Foundation
import SQLKit
import StewardCore
import StewardTestSupport
import Testing

@testable import StewardStore

/// The audit log on the backend this run names (SQLite, or PostgreSQL with STEWARD_TEST_DATABASE_URL).
@Suite("Audit log store")
struct AuditLogStoreTests {
    /// Appends `count` events from many tasks at once.
    static func appendConcurrently(_ store: Store, count: Int) async throws -> [AuditEntry] {
        try await withThrowingTaskGroup(of: AuditEntry.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await store.audit.append(
                        AuditEvent(
                            actor: "test",
                            action: AuditAction(rawValue: "test.append"),
                            object: "thing/\(index)",
                            details: ["index": .int(index)]
                        )
                    )
                }
            }
            var entries: [AuditEntry] = []
            for try await entry in group { entries.append(entry) }
            return entries
        }
    }

    static func execute(_ store: Store, _ sql: String) async throws {
        try await store.handle.write { database in try await database.raw(SQLQueryString(sql)).run() }
    }

    @Test("concurrent appends form one unbroken chain and every acknowledged entry is stored")
    func concurrentAppendsFormOneChain() async throws {
        try await TestDatabase.withStore { store, _ in
            let acknowledged = try await Self.appendConcurrently(store, count: 500)
            #expect(Set(acknowledged.map(\.seq)) == Set(1...500))
            let stored = try await store.auditEntries(after: 0, limit: 1000)
            #expect(stored.count == 500)
            #expect(Set(stored.map(\.hash)) == Set(acknowledged.map(\.hash)))
            let result = try await store.verifyAudit(trustedKeys: [store.signingPublicKey])
            #expect(result.isIntact)
            #expect(result.entriesChecked == 500)
            #expect(result.checkpointsChecked == 51)  // every 10th entry, and the head
        }
    }

    @Test("two stores on one database, as two serve processes would be, append to one unbroken chain")
    func twoProcessesShareOneChain() async throws {
        let signer = AuditSigner()
        try await TestDatabase.withStore(signer: signer) { first, database in
            let second = try await database.openStore(signer: signer)
            let acknowledged: [AuditEntry]
            do {
                async let fromFirst = Self.appendConcurrently(first, count: 300)
                async let fromSecond = Self.appendConcurrently(second, count: 300)
                acknowledged = try await fromFirst + fromSecond
            } catch {
                // Closed whatever happens: an open connection left to deinit stops the whole run.
                await second.close()
                throw error
            }
            await second.close()
            #expect(Set(acknowledged.map(\.seq)) == Set(1...600))
            let result = try await first.verifyAudit(trustedKeys: [signer.publicKey])
            #expect(result.isIntact, "\(String(describing: result.firstBad))")
            #expect(result.entriesChecked == 600)
        }
    }

    @Test("an intact log verifies, even after the store is reopened")
    func intactLogVerifiesAfterReopen() async throws {
        let signer = AuditSigner()
        let database = try await TestDatabase.make()
        do {
            let first = try await database.openStore(signer: signer)
            _ = try await Self.appendConcurrently(first, count: 25)
            await first.close()
            let second = try await database.openStore(signer: signer)
            _ = try await Self.appendConcurrently(second, count: 5)
            let result = try await second.verifyAudit(trustedKeys: [signer.publicKey])
            #expect(result.isIntact)
            #expect(result.lastSeq == 30)
            await second.close()
        } catch {
            await database.destroy()
            throw error
        }
        await database.destroy()
    }

    @Test("hand edits to the audit log are detected and the first bad entry is named", arguments: AuditTampering.cases)
    func tamperingIsDetected(_ tampering: AuditTampering) async throws {
        try await TestDatabase.withStore { store, database in
            try await AuditTampering.appendEntries(to: store)
            #expect(try await store.verifyAudit(trustedKeys: [store.signingPublicKey]).isIntact)
            try await tampering.apply(to: database)
            let result = try await store.verifyAudit(trustedKeys: [store.signingPublicKey])
            #expect(!result.isIntact)
            #expect(result.firstBad?.seq == tampering.firstBad, "\(String(describing: result.firstBad))")
            #expect(result.firstBad?.reason.contains(tampering.reason) == true, "\(String(describing: result.firstBad))")
        }
    }

    @Test("a log emptied by hand and begun again by Steward does not pass for a new, intact one")
    func emptiedLogBegunAgainIsCaught() async throws {
        try await TestDatabase.withStore { store, database in
            try await AuditTampering.appendEntries(to: store)
            let wipe = AuditTampering(
                name: "emptying the log",
                sql: ["DELETE FROM audit_entries", "DELETE FROM audit_checkpoints", "DELETE FROM audit_head"],
                firstBad: 1,
                reason: ""
            )
            try await wipe.apply(to: database)
            for index in 0..<3 {
                try await store.audit.append(AuditEvent(actor: "test", action: AuditAction(rawValue: "test.append"), object: "after/\(index)"))
            }
            let result = try await store.verifyAudit(trustedKeys: [store.signingPublicKey])
            #expect(!result.isIntact)
            #expect(result.firstBad?.seq == 1)
            #expect(result.firstBad?.reason.contains("begun again") == true, "\(String(describing: result.firstBad))")
        }
    }

    @Test("a log begun before the installation kept its first entry gets that record at the next start, and then verifies")
    func olderLogAdoptsItsOrigin() async throws {
        let signer = AuditSigner()
        let database = try await TestDatabase.make()
        do {
            let first = try await database.openStore(signer: signer)
            try await AuditTampering.appendEntries(to: first)
            await first.close()
            // As a database migrated from the version before the record was kept: no record yet.
            let older = AuditTampering(
                name: "an older installation",
                sql: ["UPDATE installation SET value = 'pending' WHERE name = 'audit_origin'"],
                firstBad: 0,
                reason: ""
            )
            try await older.apply(to: database)
            let second = try await database.openStore(signer: signer)
            #expect(try await second.verifyAudit(trustedKeys: [signer.publicKey]).isIntact)
            await second.close()
            // Recorded now: emptying the log is caught.
            try await AuditTampering.cases.first { $0.name == "deleting the whole log" }!.apply(to: database)
            let third = try await database.openStore(signer: signer)
            let result = try await third.verifyAudit(trustedKeys: [signer.publicKey])
            #expect(result.firstBad?.seq == 1 && result.firstBad?.reason.contains("whole log") == true, "\(String(describing: result.firstBad))")
            await third.close()
        } catch {
            await database.destroy()
            throw error
        }
        await database.destroy()
    }

    @Test("rewriting the whole chain with fresh hashes is caught by the signatures")
    func rewrittenChainIsCaughtBySignatures() async throws {
        try await TestDatabase.withStore { store, _ in
            for index in 0..<15 {
                try await store.audit.append(AuditEvent(actor: "test", action: AuditAction(rawValue: "test.append"), object: "thing/\(index)"))
            }
            // Re-seal every entry from 3 on with a changed actor, as a forger with database access could.
            var entries = try await store.auditEntries(after: 0, limit: 100)
            var previous = entries[1].hash
            for index in 2..<entries.count {
                var entry = entries[index]
                entry = AuditChain.seal(
                    AuditEvent(actor: "forger", action: AuditAction(rawValue: entry.action), object: entry.object),
                    seq: entry.seq,
                    time: entry.time,
                    prevHash: previous
                )
                entries[index] = entry
                previous = entry.hash
                try await Self.execute(
                    store,
                    "UPDATE audit_entries SET actor = 'forger', details = '\(entry.details)', prev_hash = '\(entry.prevHash)', hash = '\(entry.hash)' WHERE seq = \(entry.seq)"
                )
            }
            let result = try await store.verifyAudit(trustedKeys: [store.signingPublicKey])
            #expect(!result.isIntact)
            #expect(result.firstBad?.seq == 10)  // the first checkpoint after the forgery
            #expect(result.firstBad?.reason.contains("checkpoint") == true)
        }
    }

    @Test("a log signed with another key is refused when a trusted key is given")
    func untrustedKeyIsRefused() async throws {
        try await TestDatabase.withStore { store, _ in
            try await store.audit.append(AuditEvent(actor: "test", action: AuditAction(rawValue: "test.append"), object: "x"))
            let result = try await store.verifyAudit(trustedKeys: [AuditSigner().publicKey])
            #expect(!result.isIntact)
            #expect(result.firstBad?.reason.contains("not trusted") == true)
        }
    }

    @Test("an export verifies offline, and an edited export does not")
    func exportVerifiesOffline() async throws {
        try await TestDatabase.withStore { store, _ in
            _ = try await Self.appendConcurrently(store, count: 40)
            let lines = LockedLines()
            let count = try await store.exportAudit { lines.append($0) }
            #expect(count == 40)
            let text = lines.all
            let intact = try AuditExport.verify(lines: text.map { Substring($0) }, trustedKeys: nil)
            #expect(intact.isIntact)
            #expect(intact.entriesChecked == 40)

            var edited = text
            let index = edited.firstIndex { $0.contains("\"seq\":13,") }!
            edited[index] = edited[index].replacingOccurrences(of: "test.append", with: "test.forged")
            let broken = try AuditExport.verify(lines: edited.map { Substring($0) }, trustedKeys: nil)
            #expect(broken.firstBad?.seq == 13)

            let truncated = Array(text.dropLast(3))
            let cut = try AuditExport.verify(lines: truncated.map { Substring($0) }, trustedKeys: nil)
            #expect(cut.firstBad?.seq == 38)
        }
    }
}

/// Collects lines from a `@Sendable` callback.
final class LockedLines: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
