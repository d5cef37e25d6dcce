import Foundation
import SQLKit
import StewardCore
import StewardTestSupport
import Testing

@testable import StewardStore

@Suite("Store")
struct StoreTests {
    @Test("the test run uses the backend it was asked for")
    func backendIsTheOneAskedFor() async throws {
        try await TestDatabase.withStore { store, database in
            #expect(store.dialect.rawValue == TestDatabase.backendName)
            #expect(database.backend == TestDatabase.backendName)
            if ProcessInfo.processInfo.environment["STEWARD_TEST_REQUIRE_POSTGRES"] != nil {
                #expect(store.dialect == .postgres)
            }
        }
    }

    @Test("source credentials are sealed under the data key; another key is refused; an older database's seals move to the data key")
    func dataKeySealsSources() async throws {
        let signer = AuditSigner()
        let location = "/srv/council/benefits.sqlite"
        try await TestDatabase.withStore(signer: signer) { store, database in
            _ = try await store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
            let source = try await store.addSource(
                id: "benefits",
                name: "Benefits",
                kind: .sqlite,
                dataset: "benefits_db",
                location: location,
                actor: "dpo"
            )
            // As an installation was before it had a data key: a location sealed under the signing
            // key, and no check value.
            let legacy = try SecretSeal(signer: signer).seal("/srv/council/library", context: "source:older")
            try await store.handle.write { database in
                try await database.raw(
                    """
                    INSERT INTO sources (id, name, kind, dataset, location_sealed, location_shown, created_at, created_by)
                    VALUES ('older', 'Older', 'csv', 'library_csv', \(bind: legacy), '/srv/council/library', '2026-01-01T00:00:00Z', 'dpo')
                    """
                ).run()
                try await database.raw("DELETE FROM installation").run()
            }
            let reopened = try await database.openStore(signer: signer)
            #expect(try await reopened.sourceLocation(source) == location)
            let older = try #require(try await reopened.sources().first { $0.id == "older" })
            #expect(try await reopened.sourceLocation(older) == "/srv/council/library")
            // Sealed again under the data key: the signing key alone no longer opens it.
            let resealed = try await reopened.handle.read { database in
                try await database.raw("SELECT location_sealed FROM sources WHERE id = 'older'").first()!.decode(
                    column: "location_sealed",
                    as: String.self
                )
            }
            #expect(throws: StewardError.self) { try SecretSeal(signer: signer).open(resealed, context: "source:older") }
            await reopened.close()

            let error = await #expect(throws: StewardError.self) { try await database.openStore(signer: signer, dataKey: .random()) }
            #expect(error?.field == "data_key")
        }
    }

    @Test("a source's password is never shown, audited or stored in clear, and a sealed location opens only for its own source")
    func sourceCredentials() async throws {
        try await TestDatabase.withStore { store, _ in
            _ = try await store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
            let location = "postgres://steward:s3cret-Pa55@db.council.internal:5432/housing"
            let housing = try await store.addSource(
                id: "housing",
                name: "Housing",
                kind: .postgres,
                dataset: "housing_db",
                location: location,
                actor: "dpo"
            )
            let library = try await store.addSource(
                id: "library",
                name: "Library",
                kind: .csv,
                dataset: "library_csv",
                location: "/srv/library",
                actor: "dpo"
            )
            #expect(!housing.shownLocation.contains("s3cret") && housing.shownLocation.contains("db.council.internal"))
            #expect(try await store.sources().allSatisfy { !$0.shownLocation.contains("s3cret") })
            #expect(try await store.auditEntries(limit: 1000).allSatisfy { !"\($0.details)".contains("s3cret") })
            let stored = try await store.handle.read { database in
                try await database.raw("SELECT id, location_sealed, location_shown FROM sources").all().map { row in
                    (try row.decode(column: "location_sealed", as: String.self), try row.decode(column: "location_shown", as: String.self))
                }
            }
            for (sealed, shown) in stored {
                let bytes = try #require(Data(base64Encoded: sealed))
                #expect(!String(decoding: bytes, as: UTF8.self).contains("s3cret") && !sealed.contains("s3cret") && !shown.contains("s3cret"))
            }
            #expect(try await store.sourceLocation(housing) == location)
            // A sealed location moved to another source's row does not open there.
            try await store.handle.write { database in
                try await database.raw(
                    "UPDATE sources SET location_sealed = (SELECT location_sealed FROM sources WHERE id = 'housing') WHERE id = 'library'"
                ).run()
            }
            await #expect(throws: StewardError.self) { try await store.sourceLocation(library) }
        }
    }

    @Test("migrations apply once and are recorded with checksums")
    func migrationsApplyOnce() async throws {
        try await TestDatabase.withStore { store, _ in
            #expect(try await store.migrate().isEmpty)
            let rows = try await store.handle.read { database in try await database.raw("SELECT version, checksum FROM schema_migrations").all() }
            #expect(rows.count == Migrations.all.count)
        }
    }

    @Test("a migration edited after it was applied is refused")
    func editedMigrationIsRefused() async throws {
        try await TestDatabase.withStore { store, _ in
            var edited = Migrations.all
            edited[0].sqlite.append("CREATE TABLE sneaky (id INTEGER)")
            edited[0].postgres.append("CREATE TABLE sneaky (id INTEGER)")
            await #expect(throws: StewardError.self) { try await Migrations.apply(on: store.handle, migrations: edited) }
        }
    }

    static func sampleMap(name: String = "Wessex County Council", purposes: [String] = ["library_membership"]) -> DataMap {
        DataMap(
            controller: Controller(name: name),
            systems: [
                System(
                    key: "libraries",
                    name: "Libraries",
                    description: nil,
                    department: "Communities",
                    hostingCountry: "GB",
                    processor: nil,
                    datasets: ["library_db"],
                    purposes: purposes.map { .init($0) },
                    dataSubjects: ["library_member"],
                    securityMeasures: nil
                )
            ],
            datasets: [],
            purposes: [],
            recipients: [],
            retention: [],
            customIdentities: []
        )
    }

    @Test("saving a data map makes a new version only when it changed, and audits what changed")
    func dataMapVersions() async throws {
        try await TestDatabase.withStore { store, _ in
            #expect(try await store.currentDataMapVersion() == 0)
            let first = try await store.saveDataMap(Self.sampleMap(), actor: "tester")
            #expect(first.stored.version == 1 && first.created)
            let same = try await store.saveDataMap(Self.sampleMap(), actor: "tester")
            #expect(same.stored.version == 1 && !same.created)
            let (second, changes, created) = try await store.saveDataMap(Self.sampleMap(purposes: ["library_newsletter"]), actor: "tester")
            #expect(second.version == 2 && created)
            #expect(changes.systems.changed == ["libraries"])
            #expect(try await store.currentDataMap()?.dataMap == Self.sampleMap(purposes: ["library_newsletter"]))
            let entries = try await store.auditEntries()
            #expect(entries.map(\.action) == ["datamap.load", "datamap.load.unchanged", "datamap.load"])
            #expect(entries[2].object == "datamap/2")
            #expect(entries[2].details.contains("\"changed\":[\"libraries\"]"))
            #expect(try await store.verifyAudit(trustedKeys: [store.signingPublicKey]).isIntact)
        }
    }

    @Test("an invalid data map changes nothing: no version and no audit entry")
    func invalidDataMapChangesNothing() async throws {
        try await TestDatabase.withStore { store, _ async throws in
            var draft = DataMapDraft()
            draft.issues.append(.init(file: "purposes.yaml", message: "missing"))
            await #expect(throws: StewardError.self) {
                try await store.loadDataMap(draft, taxonomy: .builtin, fallbackController: Controller(name: "C"), actor: "tester")
            }
            #expect(try await store.currentDataMapVersion() == 0)
            #expect(try await store.auditEntries().isEmpty)
        }
    }

    @Test("a store refuses a signing key other than the one that signed the log")
    func otherSigningKeyIsRefused() async throws {
        try await TestDatabase.withStore { store, database in
            try await store.audit.append(AuditEvent(actor: "test", action: AuditAction(rawValue: "test.append"), object: "x"))
            let error = await #expect(throws: StewardError.self) { try await database.openStore(signer: AuditSigner()) }
            #expect(error?.field == "audit_signing_key")
        }
    }

    @Test("tokens authenticate by secret, are stored hashed, and stop working when revoked")
    func tokens() async throws {
        try await TestDatabase.withStore { store, _ in
            let (token, secret) = try await store.createToken(name: "caseworker app", role: .caseworker, actor: "tester")
            #expect(try await store.authenticate(secret: secret)?.id == token.id)
            #expect(try await store.authenticate(secret: secret + "0") == nil)
            #expect(try await store.authenticate(secret: "stw_\(token.id)_" + String(repeating: "0", count: 64)) == nil)
            let stored = try await store.handle.read { database in try await database.raw("SELECT * FROM api_tokens").all() }
            for row in stored {
                for column in row.allColumns {
                    let value = try? row.decode(column: column, as: String.self)
                    #expect(value?.contains(secret.suffix(64)) != true, "the secret is stored in clear in \(column)")
                }
            }
            await #expect(throws: StewardError.self) { try await store.createToken(name: "caseworker app", role: .dpo, actor: "tester") }
            _ = try await store.revokeToken("caseworker app", actor: "tester")
            #expect(try await store.authenticate(secret: secret) == nil)
            let actions = try await store.auditEntries().map(\.action)
            #expect(actions == ["token.create", "token.revoke"])
        }
    }

    @Test("a token revoked by another node stops working here within the token cache's second")
    func tokenRevokedElsewhere() async throws {
        let signer = AuditSigner()
        try await TestDatabase.withStore(signer: signer) { node, database in
            let other = try await database.openStore(signer: signer)
            let (_, secret) = try await node.createToken(name: "case system", role: .service, actor: "tester")
            #expect(try await node.authenticate(secret: secret) != nil)
            _ = try await other.revokeToken("case system", actor: "tester")
            #expect(try await other.authenticate(secret: secret) == nil)
            try await Task.sleep(for: .milliseconds(1_100))
            #expect(try await node.authenticate(secret: secret) == nil)
            await other.close()
        }
    }

    @Test("the gate's one read of a person gives what the separate reads give: identifiers, verified emails, preferences in order")
    func subjectInOneRead() async throws {
        try await TestDatabase.withStore { store, _ in
            let subject = try await store.createSubject(
                identifiers: [
                    .init(kind: .email, value: "ada@example.org"), .init(kind: .localID, value: "L1", system: "libraries"),
                    .init(kind: .nhsNumber, value: "9434765919"),
                ],
                dateOfBirth: CalendarDate(iso: "1950-03-01"),
                isAdultAtRisk: true,
                verifiedEmails: ["ada@example.org"],
                actor: "tester"
            )
            for (id, day) in [("b", "2026-02-01"), ("a", "2026-01-01")] {
                _ = try await store.addPreference(
                    Preference(id: .init(id), kind: .consent(explicit: true), recipient: "wessex_nhs_trust", given: CalendarDate(iso: day)!),
                    to: subject.id,
                    actor: "tester"
                )
            }
            let separate = try await store.handle.read { database in
                (try await Store.subject(subject.id, on: database), try await Store.preferences(of: subject.id, on: database))
            }
            let combined = try #require(try await store.handle.read { database in try await Store.subjectInOneRead(subject.id, on: database) })
            #expect(combined.0 == separate.0)
            #expect(combined.1 == separate.1)
            #expect(combined.0.verifiedEmails == ["ada@example.org"] && combined.0.isAdultAtRisk)
            #expect(combined.1.count == 2)
            #expect(try await store.handle.read { database in try await Store.subjectInOneRead("no-such-person", on: database) } == nil)
        }
    }
}
