import Foundation
import Logging
import SQLKit
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

@Suite("Rectification and erasure in the council's sources")
struct ChangeRunTests {
    static let logger = Logger(label: "test")

    /// Every row of a table in a source, as text, by primary key.
    static func rows(_ location: DatabaseLocation, _ table: String, key: String) async throws -> [String: [String: String]] {
        let handle = try await openDatabase(location, logger: logger)
        defer { Task { await handle.close() } }
        return try await handle.read { database in
            var result: [String: [String: String]] = [:]
            for row in try await database.raw(SQLQueryString("SELECT * FROM \(table)")).all() {
                var values: [String: String] = [:]
                for column in row.allColumns {
                    if let text = try? row.decode(column: column, as: String?.self) { values[column] = text }
                    if let number = try? row.decode(column: column, as: Int?.self) { values[column] = String(number) }
                    if let flag = try? row.decode(column: column, as: Bool?.self), values[column] == nil { values[column] = String(flag) }
                }
                result[values[key] ?? ""] = values
            }
            return result
        }
    }

    /// Each tenant's restriction flag, as text.
    static func flags(_ location: DatabaseLocation) async throws -> [String: String] {
        let handle = try await openDatabase(location, logger: logger)
        defer { Task { await handle.close() } }
        return try await handle.read { database in
            var result: [String: String] = [:]
            for row in try await database.raw("SELECT CAST(id AS TEXT) AS id, CAST(processing_restricted AS TEXT) AS flag FROM tenants").all() {
                result[try row.decode(column: "id", as: String.self)] = try row.decode(column: "flag", as: String.self)
            }
            return result
        }
    }

    static func csv(_ sources: CouncilSources, _ name: String) throws -> String {
        try String(contentsOf: sources.libraryFolder.appendingPathComponent("\(name).csv"), encoding: .utf8)
    }

    @Test("rectification changes exactly the person's rows, refuses read-only fields, and names the recipients to tell")
    func rectification() async throws {
        try await AccessRunTests.withRequest(kind: .rectification) { service, store, id, sources in
            // The person is known and their data went to the DWP.
            let view = try await service.request(id, today: .today)
            #expect(view.request.subject == nil)
            let subject = try await store.createSubject(
                identifiers: [.init(kind: "ni_number", value: "QQ123456C")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            try await store.handle.write { database in
                try await database.raw(
                    """
                    INSERT INTO disclosures (id, subject_id, decision_id, time, system, recipient, purpose, categories, basis, actor)
                    VALUES ('d1', \(bind: subject.id.rawValue), 'x', '2026-01-01T00:00:00Z', 'benefits', 'dwp', 'benefits', '[]', '[]', 'test')
                    """
                ).run()
            }
            let clock = service.clock
            let linked = try await store.handle.write { database in
                var request = try await Store.loadRequest(id, forUpdate: false, on: database)
                request.subject = subject.id
                try await Store.save(request, reading: clock.reading(for: request.timeline), on: database)
                return request
            }
            #expect(linked.subject == subject.id)

            let correct = Correction(dataset: "housing_db", collection: "tenants", field: "name", value: "Amelia Pond")
            let dry = try await service.runRectification(id, corrections: [correct], actor: "caseworker", dryRun: true)
            #expect(dry.isComplete && dry.rowsChanged == 1)
            #expect(dry.steps.map(\.keys) == [[["id": "1"]]])
            #expect(try await Self.rows(sources.housing.location, "tenants", key: "id")["1"]?["name"] == "Amy Pond")

            // A read-only field in the plan stops the whole change.
            let readOnly = Correction(dataset: "benefits_db", collection: "claimants", field: "ni_number", value: "QQ999999C")
            let refused = try await service.runRectification(id, corrections: [correct, readOnly], actor: "caseworker")
            #expect(!refused.isComplete)
            #expect(refused.steps.contains { $0.action == .failed && $0.field == "benefits_db.claimants.ni_number" })
            #expect(try await Self.rows(sources.housing.location, "tenants", key: "id")["1"]?["name"] == "Amy Pond")
            #expect(try await service.runStatus(id)?.status == .failed)

            let done = try await service.runRectification(id, corrections: [correct], actor: "caseworker")
            #expect(done.isComplete && done.rowsChanged == 1)
            let tenants = try await Self.rows(sources.housing.location, "tenants", key: "id")
            #expect(tenants["1"]?["name"] == "Amelia Pond")
            #expect(tenants["2"]?["name"] == "Rory Williams")
            #expect(tenants["3"]?["name"] == "Trap")
            // Only the recipient the disclosure log shows, with how many disclosures; not the
            // Housing Ombudsman, a recipient in the data map never disclosed to.
            #expect(done.notices.map(\.name) == ["Department for Work and Pensions"] && done.notices.first?.disclosures == 1)
            #expect(done.notices.first?.message.contains("Art 19") == true)

            await #expect(throws: StewardError.self) {
                try await service.runRectification(
                    id,
                    corrections: [.init(dataset: "housing_db", collection: "tenants", field: "id", value: "one")],
                    actor: "caseworker"
                )
            }
            let actions = try await store.auditEntries(limit: 10_000).map(\.action)
            #expect(actions.contains("request.rectification_dry_run") && actions.contains("request.rectification_failed"))
            #expect(actions.contains("request.rectification_run"))
        }
    }

    @Test("erasure masks or deletes exactly the planned rows, and refuses the collections held for a legal obligation or public task")
    func erasure() async throws {
        try await AccessRunTests.withRequest(kind: .erasure) { service, _, id, sources in
            let policy = ErasurePolicy(
                strategies: ["library_csv.members.email": .hmac, "library_csv.members.phone": .hash, "user": .fixed("ERASED")],
                deleteCollections: ["library_csv.loans"]
            )
            let membersBefore = try Self.csv(sources, "members")
            let dry = try await service.runErasure(id, policy: policy, actor: "caseworker", dryRun: true)
            #expect(dry.isComplete)
            #expect(try Self.csv(sources, "members") == membersBefore)
            let plan = Dictionary(uniqueKeysWithValues: dry.steps.map { ("\($0.dataset).\($0.collection)", $0) })
            #expect(plan["library_csv.members"]?.action == .update && plan["library_csv.members"]?.rows == 1)
            #expect(plan["library_csv.members"]?.fields.sorted() == ["email: hmac", "phone: hash"])
            // HMAC under the council's key can be tested against a guess: reported as pseudonymised.
            #expect(plan["library_csv.members"]?.pseudonymised == ["email"])
            #expect(plan["library_csv.loans"]?.action == .delete && plan["library_csv.loans"]?.rows == 2)
            // The dry run names exactly the rows that will change, and the run changes exactly those.
            #expect(plan["library_csv.loans"]?.keys == [["loan_id": "L1"], ["loan_id": "L3"]])
            #expect(plan["library_csv.members"]?.keys == [["member_no": "M1"]])
            #expect(plan["housing_db.tenants"]?.keys == [])
            #expect(plan["housing_db.tenants"]?.action == .refused && plan["housing_db.tenants"]?.reason?.contains("public task") == true)
            #expect(plan["benefits_db.payments"]?.action == .refused && plan["benefits_db.payments"]?.reason?.contains("legal obligation") == true)

            let report = try await service.runErasure(id, policy: policy, actor: "caseworker")
            #expect(report.isComplete && report.rowsChanged == 3)
            let members = try CSVText.parse(try Self.csv(sources, "members"), file: "members.csv")
            #expect(members.count == 3)
            let amy = try #require(members.first { $0.first == "M1" })
            #expect(amy[1].count == 64 && !amy[1].contains("amy"))
            // Salted for this erasure only: not the bare SHA-256 anyone could recompute from a guess.
            #expect(amy[2].count == 64 && amy[2] != Secret.sha256("01632 960000"))
            #expect(members.contains(["M2", "clara@example.org", "01632, 960001"]))
            #expect(try CSVText.parse(try Self.csv(sources, "loans"), file: "loans.csv") == [["loan_id", "member_no"], ["L2", "M2"]])
            // The refused sources are untouched.
            #expect(try await Self.rows(sources.housing.location, "tenants", key: "id")["1"]?["email"] == "amy@example.org")
            #expect(try await Self.rows(.sqlite(path: sources.benefitsPath), "payments", key: "id").count == 4)
        }
    }

    @Test("erasure will not delete a row that also holds another person's key, and says which field")
    func erasureKeepsOthersRows() async throws {
        var datasets = CouncilFixture.datasets
        // A loan may name a guarantor, another member.
        datasets[2].collections[1].fields.append(
            CouncilFixture.field("guarantor", references: [CouncilFixture.reference("library_csv", "members", "member_no", .from)])
        )
        try await AccessRunTests.withRequest(kind: .erasure, datasets: datasets) { service, _, id, sources in
            try "loan_id,member_no,guarantor\nL1,M1,M2\nL2,M2,\nL3,M1,\n".write(
                to: sources.libraryFolder.appendingPathComponent("loans.csv"),
                atomically: true,
                encoding: .utf8
            )
            let loansBefore = try Self.csv(sources, "loans")
            let report = try await service.runErasure(
                id,
                policy: ErasurePolicy(deleteCollections: ["library_csv.loans"]),
                actor: "caseworker"
            )
            #expect(!report.isComplete)
            let loans = try #require(report.steps.first { $0.collection == "loans" })
            #expect(loans.action == .failed && loans.field == "library_csv.loans.guarantor")
            #expect(loans.reason?.contains("1 of the rows also hold another person's key") == true)
            #expect(try Self.csv(sources, "loans") == loansBefore)
        }
    }

    @Test("each masking strategy gives what it promises, chosen by field, then by the most specific category, else null")
    func maskingStrategies() async throws {
        try await TestDatabase.withStore { store, _ in
            let policy = ErasurePolicy(strategies: [
                "user": .fixed("ERASED"), "user.contact": .hmac, "user.contact.email": .encrypt, "housing_db.tenants.name": .random,
            ])
            #expect(policy.strategy(for: "housing_db.tenants.name", categories: ["user.name"]) == .random)
            #expect(policy.strategy(for: "housing_db.tenants.email", categories: ["user.contact.email"]) == .encrypt)
            #expect(policy.strategy(for: "housing_db.tenants.phone", categories: ["user.contact.phone_number"]) == .hmac)
            #expect(policy.strategy(for: "housing_db.tenants.notes", categories: ["user.financial"]) == .fixed("ERASED"))
            #expect(ErasurePolicy().strategy(for: "housing_db.tenants.notes", categories: ["user"]) == .null)

            func mask(_ strategy: MaskingStrategy, _ salt: String = "salt") throws -> String? {
                try store.erasureKeys.mask("QQ123456C", with: strategy, place: "benefits_db.claimants.ni_number", salt: salt)
            }
            #expect(try mask(.null) == nil)
            #expect(try store.erasureKeys.mask(nil, with: .fixed("X"), place: "p", salt: "s") == nil)
            #expect(try mask(.fixed("ERASED")) == "ERASED")
            let random = try #require(try mask(.random))
            let another = try mask(.random)
            #expect(random.count == 16 && random.allSatisfy(\.isHexDigit) && random != another)
            // The same salt masks a value the same way across one erasure's sources; another salt does not.
            let (hashed, otherSalt, keyed) = (try mask(.hash), try mask(.hash, "other"), try mask(.hmac))
            #expect(hashed == Secret.sha256("saltQQ123456C") && otherSalt != hashed)
            #expect(keyed == store.erasureKey.hmac("QQ123456C") && keyed != Secret.sha256("QQ123456C"))
            let sealed = try #require(try mask(.encrypt))
            #expect(try store.erasureSeal.open(sealed, context: "benefits_db.claimants.ni_number") == "QQ123456C")
            #expect(throws: StewardError.self) { try store.erasureSeal.open(sealed, context: "benefits_db.claimants.other") }
            #expect(MaskingStrategy.hmac.isPseudonymising && MaskingStrategy.encrypt.isPseudonymising && !MaskingStrategy.hash.isPseudonymising)
        }
    }

    @Test("a correction is checked against the field's type before any source is touched")
    func correctionTypes() {
        let date = Dataset.DataType(base: .date)
        #expect(
            Dataset.DataType.accepts("1990-04-01", as: date) && !Dataset.DataType.accepts("1990-02-30", as: date)
                && !Dataset.DataType.accepts("April", as: date)
        )
        #expect(Dataset.DataType.accepts("42", as: .init(base: .integer)) && !Dataset.DataType.accepts("4.2", as: .init(base: .integer)))
        #expect(Dataset.DataType.accepts("yes", as: .init(base: .string)) && !Dataset.DataType.accepts("yes", as: .init(base: .boolean)))
    }

    @Test("a row with a composite key is changed by all of its key fields, in SQLite and in CSV")
    func compositeKeys() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-visits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "person_id,day,note\nP1,2026-01-05,first\nP1,2026-02-09,second\nP2,2026-01-05,other\n".write(
            to: folder.appendingPathComponent("visits.csv"),
            atomically: true,
            encoding: .utf8
        )
        let path = folder.appendingPathComponent("visits.sqlite").path
        let handle = try await openDatabase(.sqlite(path: path), logger: Self.logger)
        try await handle.write { database in
            try await database.raw("CREATE TABLE visits (person_id TEXT, day TEXT, note TEXT, PRIMARY KEY (person_id, day))").run()
            try await database.raw(
                "INSERT INTO visits VALUES ('P1', '2026-01-05', 'first'), ('P1', '2026-02-09', 'second'), ('P2', '2026-01-05', 'other')"
            )
            .run()
        }
        await handle.close()
        let changes: [RowChange] = [
            .update(collection: "visits", key: ["person_id": "P1", "day": "2026-01-05"], values: ["note": "corrected"]),
            .delete(collection: "visits", key: ["person_id": "P1", "day": "2026-02-09"]),
        ]
        let csv = CSVSourceReader(folder: folder, name: .init(id: "visits", dataset: "visits_db"))
        #expect(try await csv.apply(changes, types: [:]) == 2)
        #expect(
            try String(contentsOf: folder.appendingPathComponent("visits.csv"), encoding: .utf8)
                == "person_id,day,note\r\nP1,2026-01-05,corrected\r\nP2,2026-01-05,other\r\n"
        )
        let sqlite = try await SQLSourceReader.connect(.sqlite(path: path), name: .init(id: "visits", dataset: "visits_db"), logger: Self.logger)
        #expect(try await sqlite.apply(changes, types: [:]) == 2)
        let rows = try await sqlite.rows(
            collection: "visits",
            matching: "day",
            type: nil,
            values: ["2026-01-05", "2026-02-09"],
            fields: ["person_id", "note"]
        )
        #expect(Set(rows) == [["person_id": "P1", "note": "corrected"], ["person_id": "P2", "note": "other"]])
        // A key that picks out no row changes nothing, and neither do the changes before it.
        await #expect(throws: StewardError.self) {
            try await sqlite.apply(
                [
                    .update(collection: "visits", key: ["person_id": "P2", "day": "2026-01-05"], values: ["note": "lost"]),
                    .delete(collection: "visits", key: ["person_id": "P3", "day": "2026-01-05"]),
                ],
                types: [:]
            )
        }
        #expect(
            Set(try await sqlite.rows(collection: "visits", matching: "person_id", type: nil, values: ["P2"], fields: ["note"])) == [
                ["note": "other"]
            ]
        )
        await sqlite.close()

        // On PostgreSQL, with the day a DATE column: the key is compared, and a corrected date
        // written, in the column's type.
        let council = try await TestDatabase.makeCouncilPostgres()
        let postgres = try await SQLSourceReader.connect(
            council.location,
            name: .init(id: "visits", dataset: "visits_db"),
            logger: Self.logger,
            connectTimeout: TestDatabase.callTimeout
        )
        do {
            try await postgres.handle.write { database in
                try await database.raw("CREATE TABLE visits (person_id TEXT, day DATE, note TEXT, PRIMARY KEY (person_id, day))").run()
                try await database.raw(
                    "INSERT INTO visits VALUES ('P1', '2026-01-05', 'first'), ('P1', '2026-02-09', 'second'), ('P2', '2026-01-05', 'other')"
                ).run()
            }
            let types: [String: Dataset.DataType] = ["visits.day": .init(base: .date)]
            #expect(
                try await postgres.apply(
                    changes + [.update(collection: "visits", key: ["person_id": "P2", "day": "2026-01-05"], values: ["day": "2026-01-06"])],
                    types: types
                ) == 3
            )
            let rows = try await postgres.rows(
                collection: "visits",
                matching: "day",
                type: .init(base: .date),
                values: ["2026-01-05", "2026-01-06", "2026-02-09"],
                fields: ["person_id", "day", "note"]
            )
            #expect(
                Set(rows) == [
                    ["person_id": "P1", "day": "2026-01-05", "note": "corrected"], ["person_id": "P2", "day": "2026-01-06", "note": "other"],
                ]
            )
        } catch {
            await postgres.close()
            await council.destroy()
            throw error
        }
        await postgres.close()
        await council.destroy()
    }

    @Test("a field erasure cannot process leaves the request incomplete, names the field, and changes nothing")
    func erasureFailure() async throws {
        var datasets = CouncilFixture.datasets
        datasets[2].collections[0].fields[2].isReadOnly = true
        try await AccessRunTests.withRequest(kind: .erasure, datasets: datasets) { service, _, id, sources in
            let before = try Self.csv(sources, "members")
            let loansBefore = try Self.csv(sources, "loans")
            let report = try await service.runErasure(
                id,
                policy: ErasurePolicy(deleteCollections: ["library_csv.loans"]),
                actor: "caseworker"
            )
            #expect(!report.isComplete)
            #expect(report.steps.contains { $0.action == .failed && $0.field == "library_csv.members.phone" })
            #expect(try Self.csv(sources, "members") == before)
            #expect(try Self.csv(sources, "loans") == loansBefore)
            let status = try await service.runStatus(id)
            #expect(status?.status == .failed && status?.error?.contains("library_csv.members.phone") == true)
        }
    }

    @Test("restriction marks the person in the gate and sets the flag of every collection that declares one, on their rows only")
    func restriction() async throws {
        var datasets = CouncilFixture.datasets
        datasets[0].collections[0].fields.append(CouncilFixture.field("processing_restricted", type: .boolean))
        datasets[0].collections[0].restrictionFlag = "processing_restricted"
        try await AccessRunTests.withRequest(kind: .restriction, datasets: datasets) { service, store, id, sources in
            let unlinked = try await service.runRestriction(id, actor: "caseworker")
            #expect(!unlinked.isComplete)
            #expect(unlinked.steps.contains { $0.field == "subject" })
            #expect(try await Self.flags(sources.housing.location) == ["1": "false", "2": "false", "3": "false"])

            let subject = try await store.createSubject(
                identifiers: [.init(kind: "email", value: "amy@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            let clock = service.clock
            _ = try await store.handle.write { database in
                var request = try await Store.loadRequest(id, forUpdate: false, on: database)
                request.subject = subject.id
                try await Store.save(request, reading: clock.reading(for: request.timeline), on: database)
                return request
            }
            let report = try await service.runRestriction(id, actor: "caseworker")
            #expect(report.isComplete)
            #expect(report.steps.map { "\($0.dataset).\($0.collection)" } == ["housing_db.tenants"])
            #expect(try await Self.flags(sources.housing.location) == ["1": "true", "2": "false", "3": "false"])
            let preferences = try await store.preferences(of: subject.id)
            #expect(preferences.contains { if case .restriction = $0.kind { true } else { false } })
        }
    }

    @Test("a key that picks out more than one row, or a file that is not UTF-8, changes nothing")
    func unsafeFiles() async throws {
        try await AccessRunTests.withRequest(kind: .erasure) { service, _, id, sources in
            let members = sources.libraryFolder.appendingPathComponent("members.csv")
            try "member_no,email,phone\nM1,amy@example.org,1\nM1,someone.else@example.org,2\n".write(to: members, atomically: true, encoding: .utf8)
            let before = try String(contentsOf: members, encoding: .utf8)
            let loansBefore = try Self.csv(sources, "loans")
            let error = await #expect(throws: StewardError.self) {
                try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker")
            }
            #expect(error?.message.contains("matched 2 rows") == true, "\(String(describing: error))")
            #expect(try String(contentsOf: members, encoding: .utf8) == before)
            #expect(try Self.csv(sources, "loans") == loansBefore)

            try Data([
                0x6D, 0x65, 0x6D, 0x62, 0x65, 0x72, 0x5F, 0x6E, 0x6F, 0x2C, 0x65, 0x6D, 0x61, 0x69, 0x6C, 0x2C, 0x70, 0x68, 0x6F, 0x6E, 0x65, 0x0A,
                0x4D, 0x33, 0x2C, 0xA3, 0x2C, 0x31, 0x0A,
            ])
            .write(to: members)
            let notUTF8 = await #expect(throws: StewardError.self) {
                try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker", dryRun: true)
            }
            #expect(notUTF8?.message.contains("not UTF-8") == true)
        }
    }

    @Test("rows are not deleted while rows of the person still point at them, and an objection leaves legal-obligation records alone")
    func parentsAndObjections() async throws {
        try await AccessRunTests.withRequest(kind: .erasure) { service, _, id, sources in
            let before = try Self.csv(sources, "members")
            let report = try await service.runErasure(
                id,
                policy: ErasurePolicy(deleteCollections: ["library_csv.members"]),
                actor: "caseworker"
            )
            #expect(!report.isComplete)
            #expect(
                report.steps.contains {
                    $0.action == .failed && $0.field == "library_csv.members" && $0.reason?.contains("library_csv.loans") == true
                }
            )
            #expect(try Self.csv(sources, "members") == before)
        }
        var datasets = CouncilFixture.datasets
        datasets[1].collections[0].restrictionFlag = "uprn"
        try await AccessRunTests.withRequest(kind: .objection, datasets: datasets) { service, _, id, _ in
            let report = try await service.runRestriction(id, actor: "caseworker", dryRun: true)
            let claimants = try #require(report.steps.first { $0.collection == "claimants" })
            #expect(claimants.action == .refused && claimants.reason?.contains("legal obligation") == true)
        }
    }

    @Test("a legal hold in the configuration stops erasure whatever the request asks")
    func configuredHold() async throws {
        try await AccessRunTests.withRequest(kind: .erasure) { service, store, id, sources in
            let held = try CouncilSources.requestService(store, legalHolds: ["library_csv.members", "library_csv.loans"])
            let before = try Self.csv(sources, "members")
            let report = try await held.runErasure(
                id,
                policy: ErasurePolicy(deleteCollections: ["library_csv.loans"]),
                actor: "caseworker"
            )
            #expect(report.isComplete && report.rowsChanged == 0)
            #expect(report.steps.filter { $0.dataset == "library_csv" }.allSatisfy { $0.action == .refused && $0.reason == "a legal hold applies" })
            #expect(try Self.csv(sources, "members") == before)
        }
    }
}
