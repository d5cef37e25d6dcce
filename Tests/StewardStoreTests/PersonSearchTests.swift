import Foundation
import Logging
import SQLKit
import StewardCore
import StewardTestSupport
import Synchronization
import Testing

@testable import StewardStore

/// One person held in three council systems of three kinds, linked by different identifiers: a
/// housing database (PostgreSQL) by email, a benefits database (SQLite) by the address of the
/// housing tenancy confirmed by the NI number the housing record holds, and a library export (CSV
/// files) by email.
@Suite("Finding a person across the council's sources")
struct PersonSearchTests {
    /// Builds the three sources with the person and two other people, runs `body`, and removes them.
    static func withSources(
        _ body: ([Dataset.Key: any CollectionReader], @escaping @Sendable () async throws -> Int) async throws -> Void
    ) async throws {
        try await CouncilSources.with { sources in
            let logger = Logger(label: "test")
            let housingReader = try await SQLSourceReader.connect(
                sources.housing.location,
                name: .init(id: "housing", dataset: "housing_db"),
                logger: logger,
                connectTimeout: TestDatabase.callTimeout
            )
            let benefitsReader = try await SQLSourceReader.connect(
                .sqlite(path: sources.benefitsPath),
                name: .init(id: "benefits", dataset: "benefits_db"),
                logger: logger
            )
            let readers: [Dataset.Key: any CollectionReader] = [
                "housing_db": housingReader, "benefits_db": benefitsReader,
                "library_csv": CSVSourceReader(folder: sources.libraryFolder, name: .init(id: "library", dataset: "library_csv")),
            ]
            let tenantCount: @Sendable () async throws -> Int = {
                try await housingReader.handle.read { database in
                    try await database.raw("SELECT COUNT(*) AS count FROM tenants").first()!.decode(column: "count", as: Int.self)
                }
            }
            do {
                try await body(readers, tenantCount)
            } catch {
                await housingReader.close()
                await benefitsReader.close()
                throw error
            }
            await housingReader.close()
            await benefitsReader.close()
        }
    }

    static func ids(_ outcome: PersonSearch.Outcome, _ node: String, _ key: String) -> [String] {
        outcome.found.first { $0.node.description == node }?.rows.compactMap { $0[key] }.sorted() ?? []
    }

    @Test("an email finds every row of the person in PostgreSQL, SQLite and CSV sources, and none of anyone else's")
    func findsEveryRowAndNoOther() async throws {
        try await Self.withSources { readers, _ in
            let search = try PersonSearch(dataMap: CouncilFixture.searchMap(CouncilFixture.datasets), readers: readers)
            let progress = ProgressLog()
            let found = try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org")]) { done, total in
                progress.record(done, total)
            }
            #expect(Self.ids(found, "housing_db.tenants", "id") == ["1"])
            #expect(
                found.found.first { $0.node.description == "housing_db.tenants" }?.rows == [
                    ["id": "1", "email": "amy@example.org", "name": "Amy Pond", "ni_number": "QQ 12 34 56 C", "next_of_kin": "Mrs Pond (mother)"]
                ]
            )
            #expect(Self.ids(found, "housing_db.tenancies", "id") == ["10", "12"])
            // Claimant 9 lives at the same address; only claimant 7 holds the person's NI number.
            #expect(Self.ids(found, "benefits_db.claimants", "id") == ["7"])
            #expect(Self.ids(found, "benefits_db.payments", "id") == ["70", "71"])
            #expect(found.found.first { $0.node.description == "benefits_db.payments" }?.rows.map { $0["amount"] } == ["120.50", "98.10"])
            #expect(
                found.unconfirmed.map { "\($0.dataset).\($0.collection) by \($0.fields)=\($0.rows)" } == ["benefits_db.claimants by [\"uprn\"]=1"]
            )
            #expect(Self.ids(found, "library_csv.members", "member_no") == ["M1"])
            #expect(found.found.first { $0.node.description == "library_csv.members" }?.rows.first?["phone"] == "01632 960000")
            #expect(Self.ids(found, "library_csv.loans", "loan_id") == ["L1", "L3"])
            #expect(found.found.count == 6)
            #expect(found.found.allSatisfy { $0.othersKeys.allSatisfy(\.isEmpty) })
            #expect(progress.last?.total == 6)
            #expect(progress.last?.done == 6)
            // Reported round by round as it goes, not only at the end.
            let reports = progress.all.map(\.done)
            #expect(reports.count >= 3 && reports == reports.sorted() && reports.first! < 6, "\(reports)")
        }
    }

    @Test("collections with nothing to wait for are searched at the same time")
    func concurrentRounds() async throws {
        try await Self.withSources { readers, _ in
            let counter = ConcurrencyProbe.Counter()
            let probes = readers.mapValues { ConcurrencyProbe(reader: $0, counter: counter) as any CollectionReader }
            let search = try PersonSearch(dataMap: CouncilFixture.searchMap(CouncilFixture.datasets), readers: probes)
            let found = try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org")])
            #expect(Self.ids(found, "library_csv.loans", "loan_id") == ["L1", "L3"])
            // The first round asks the tenants' and the members' email columns together.
            #expect(counter.most >= 2)
        }
    }

    @Test("a different identifier reaches the same person from another source")
    func otherIdentifier() async throws {
        try await Self.withSources { readers, _ in
            let search = try PersonSearch(dataMap: CouncilFixture.searchMap(CouncilFixture.datasets), readers: readers)
            // Written with spaces in the housing database, without in the benefits one.
            let found = try await search.run(identifiers: [.init(kind: "ni_number", value: "QQ123456C")])
            #expect(Self.ids(found, "benefits_db.claimants", "id") == ["7"])
            #expect(Self.ids(found, "housing_db.tenants", "id") == ["1"])
            #expect(Self.ids(found, "housing_db.tenancies", "id") == ["10", "12"])
            #expect(Self.ids(found, "benefits_db.payments", "id") == ["70", "71"])
            #expect(Self.ids(found, "library_csv.members", "member_no").isEmpty)
        }
    }

    @Test("an address alone finds no one: rows that share it are listed, not taken")
    func sharedValueAlone() async throws {
        try await Self.withSources { readers, _ in
            var datasets = CouncilFixture.datasets
            // The tenancy's UPRN as an identity: a UPRN is always shared.
            datasets[0].collections[1].fields[2] = CouncilFixture.field("uprn", identity: "uprn")
            #expect(datasets[0].collections[1].fields[2].isShared)
            let search = try PersonSearch(dataMap: CouncilFixture.searchMap(datasets), readers: readers)
            let found = try await search.run(identifiers: [.init(kind: "uprn", value: "100023336956")])
            #expect(found.found.allSatisfy { $0.rows.isEmpty })
            #expect(found.unconfirmed.map { "\($0.dataset).\($0.collection)=\($0.rows)" } == ["housing_db.tenancies=1"])
            // With the person's email as well, their tenancy is theirs, and the co-occupant's claim is not.
            let both = try await search.run(identifiers: [.init(kind: "uprn", value: "100023336956"), .init(kind: "email", value: "amy@example.org")])
            #expect(Self.ids(both, "housing_db.tenancies", "id") == ["10", "12"])
            #expect(Self.ids(both, "benefits_db.claimants", "id") == ["7"])
            #expect(both.unconfirmed.map { "\($0.dataset).\($0.collection)=\($0.rows)" } == ["benefits_db.claimants=1"])
        }
    }

    @Test("without the NI number to confirm it, a claim at the person's address is not taken as theirs")
    func unconfirmedWithoutIdentifier() async throws {
        try await Self.withSources { readers, _ in
            var datasets = CouncilFixture.datasets
            datasets[0].collections[0].fields[3].identity = nil
            let search = try PersonSearch(dataMap: CouncilFixture.searchMap(datasets), readers: readers)
            let found = try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org")])
            #expect(Self.ids(found, "benefits_db.claimants", "id").isEmpty)
            #expect(Self.ids(found, "benefits_db.payments", "id").isEmpty)
            #expect(found.unconfirmed.map { "\($0.dataset).\($0.collection)=\($0.rows)" } == ["benefits_db.claimants=2"])
        }
    }

    @Test("a key to another person's record is marked, and withheld from the copy")
    func othersKeys() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-people-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Amy and her carer Rory live at the same address; Amy cares for Clara.
        try "id,email,uprn\nP1,amy@example.org,100023336956\nP2,rory@example.org,100023336956\nP3,clara@example.org,200\n".write(
            to: folder.appendingPathComponent("people.csv"),
            atomically: true,
            encoding: .utf8
        )
        try "id,person_id,carer_id\nR1,P1,P2\nR2,P3,P1\nR3,P2,P3\n".write(
            to: folder.appendingPathComponent("relationships.csv"),
            atomically: true,
            encoding: .utf8
        )
        let person = CouncilFixture.reference("social_care", "people", "id", .from)
        let dataset = Dataset(
            key: "social_care",
            name: nil,
            description: nil,
            collections: [
                CouncilFixture.collection(
                    "people",
                    [
                        CouncilFixture.field("id", primaryKey: true), CouncilFixture.field("email", identity: "email"),
                        CouncilFixture.field("uprn", identity: "uprn"),
                    ]
                ),
                CouncilFixture.collection(
                    "relationships",
                    [
                        CouncilFixture.field("id", primaryKey: true), CouncilFixture.field("person_id", references: [person]),
                        CouncilFixture.field("carer_id", references: [person]),
                    ]
                ),
            ]
        )
        let map = CouncilFixture.searchMap([dataset])
        let search = try PersonSearch(
            dataMap: map,
            readers: ["social_care": CSVSourceReader(folder: folder, name: .init(id: "social_care", dataset: "social_care"))]
        )
        let outcome = try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org"), .init(kind: "uprn", value: "100023336956")])
        // Rory shares the address, and Amy's relationship row holds his id: neither makes his record hers.
        #expect(Self.ids(outcome, "social_care.people", "id") == ["P1"])
        #expect(outcome.unconfirmed.map { "\($0.collection)=\($0.rows)" } == ["people=1"])
        let relationships = try #require(outcome.found.first { $0.node.collection == "relationships" })
        #expect(relationships.rows.map { $0["id"] } == ["R1", "R2"])
        #expect(relationships.othersKeys == [["carer_id"], ["person_id"]])
        let result = AccessResult(request: "R", ranAt: "now", sources: [], outcome: outcome, dataMap: map)
        let copy = try #require(result.collections.first { $0.collection == "relationships" })
        #expect(
            copy.rows == [
                ["id": "R1", "person_id": "P1", "carer_id": AccessResult.withheld],
                ["id": "R2", "person_id": AccessResult.withheld, "carer_id": "P1"],
            ]
        )
        #expect(result.redactions.map { "\($0.field)=\($0.rows)" }.sorted() == ["carer_id=1", "person_id=1"])
    }

    @Test("a name with a date of birth finds the person in a PostgreSQL date column and a SQLite text one, and a name alone finds no one")
    func nameAndDateOfBirth() async throws {
        let logger = Logger(label: "test")
        let council = try await TestDatabase.makeCouncilPostgres()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-dob-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let postgres = try await SQLSourceReader.connect(
            council.location,
            name: .init(id: "council", dataset: "council_db"),
            logger: logger,
            connectTimeout: TestDatabase.callTimeout
        )
        let sqlite = try await SQLSourceReader.connect(
            .sqlite(path: folder.appendingPathComponent("schools.sqlite").path),
            name: .init(id: "schools", dataset: "schools_db"),
            logger: logger
        )
        do {
            try await postgres.handle.write { database in
                try await database.raw("CREATE TABLE residents (id INTEGER PRIMARY KEY, full_name TEXT, born DATE)").run()
                try await database.raw("CREATE INDEX residents_born ON residents (born)").run()
                try await database.raw(
                    "INSERT INTO residents VALUES (1, 'Amy  Pond', '1990-04-01'), (2, 'Rory Williams', '1990-04-01'), (3, 'Amy Pond', '1991-04-01')"
                ).run()
            }
            try await sqlite.handle.write { database in
                try await database.raw("CREATE TABLE pupils (id INTEGER PRIMARY KEY, name TEXT, dob DATE)").run()
                try await database.raw("INSERT INTO pupils VALUES (5, 'AMY POND', '1990-04-01'), (6, 'Amy Pond', '1990-04-02')").run()
            }
            func person(_ collection: String, name: String, born: String) -> Dataset.Collection {
                CouncilFixture.collection(
                    collection,
                    [
                        CouncilFixture.field("id", type: .integer, primaryKey: true), CouncilFixture.field(name, identity: "name"),
                        CouncilFixture.field(born, identity: "date_of_birth", type: .date),
                    ]
                )
            }
            let map = CouncilFixture.searchMap([
                Dataset(key: "register", name: nil, description: nil, collections: [person("residents", name: "full_name", born: "born")]),
                Dataset(key: "schools", name: nil, description: nil, collections: [person("pupils", name: "name", born: "dob")]),
            ])
            let search = try PersonSearch(dataMap: map, readers: ["register": postgres, "schools": sqlite])
            let found = try await search.run(identifiers: [.init(kind: "name", value: "amy pond"), .init(kind: "date_of_birth", value: "1990-04-01")])
            #expect(Self.ids(found, "register.residents", "id") == ["1"])
            #expect(Self.ids(found, "schools.pupils", "id") == ["5"])
            let nameOnly = try await search.run(identifiers: [.init(kind: "name", value: "amy pond")])
            #expect(nameOnly.found.allSatisfy { $0.rows.isEmpty })
            // A value that is not a date finds nothing rather than failing the query.
            let notADate = try await search.run(identifiers: [.init(kind: "name", value: "amy pond"), .init(kind: "date_of_birth", value: "April")])
            #expect(notADate.found.allSatisfy { $0.rows.isEmpty })
        } catch {
            await postgres.close()
            await sqlite.close()
            await council.destroy()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        await postgres.close()
        await sqlite.close()
        await council.destroy()
        try? FileManager.default.removeItem(at: folder)
    }

    @Test("one system's own id never confirms a row of another system that shares the person's address")
    func localIdentifiersStayInTheirSystem() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-local-\(UUID().uuidString)")
        for name in ["care", "library"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        try "person_id,uprn\n1042,100023336956\n".write(to: folder.appendingPathComponent("care/people.csv"), atomically: true, encoding: .utf8)
        // Card 1042 is someone else at the same address; card 77 is the person's own.
        try "card,uprn,email\n1042,100023336956,rory@example.org\n77,100023336956,amy@example.org\n".write(
            to: folder.appendingPathComponent("library/members.csv"),
            atomically: true,
            encoding: .utf8
        )
        func dataset(_ key: String, _ collection: String, _ id: String, extra: [Dataset.Field] = []) -> Dataset {
            Dataset(
                key: .init(key),
                name: nil,
                description: nil,
                collections: [
                    CouncilFixture.collection(
                        collection,
                        [CouncilFixture.field(id, identity: "local_id", primaryKey: true), CouncilFixture.field("uprn", identity: "uprn")] + extra
                    )
                ]
            )
        }
        var library = dataset("library_db", "members", "card", extra: [CouncilFixture.field("email", identity: "email")])
        library.collections[0].fields[1].references = [CouncilFixture.reference("care_db", "people", "uprn", nil)]
        var map = CouncilFixture.dataMap([dataset("care_db", "people", "person_id"), library])
        map.systems = [
            System(
                key: "care",
                name: "Care",
                description: nil,
                department: "Care",
                hostingCountry: "GB",
                processor: nil,
                datasets: ["care_db"],
                purposes: [],
                dataSubjects: ["resident"],
                securityMeasures: nil
            ),
            System(
                key: "library",
                name: "Library",
                description: nil,
                department: "Library",
                hostingCountry: "GB",
                processor: nil,
                datasets: ["library_db"],
                purposes: [],
                dataSubjects: ["resident"],
                securityMeasures: nil
            ),
        ]
        let search = try PersonSearch(
            dataMap: map,
            readers: [
                "care_db": CSVSourceReader(folder: folder.appendingPathComponent("care"), name: .init(id: "care", dataset: "care_db")),
                "library_db": CSVSourceReader(folder: folder.appendingPathComponent("library"), name: .init(id: "library", dataset: "library_db")),
            ]
        )
        let outcome = try await search.run(identifiers: [.init(kind: "local_id", value: "1042", system: "care")])
        #expect(Self.ids(outcome, "care_db.people", "person_id") == ["1042"])
        #expect(Self.ids(outcome, "library_db.members", "card").isEmpty)
        #expect(outcome.unconfirmed.map { "\($0.collection)=\($0.rows)" } == ["members=2"])
        // With the person's email, their own card is confirmed, and the other is still not.
        let both = try await search.run(identifiers: [
            .init(kind: "local_id", value: "1042", system: "care"), .init(kind: "email", value: "amy@example.org"),
        ])
        #expect(Self.ids(both, "library_db.members", "card") == ["77"])
    }

    @Test("dates and times written into PostgreSQL queries are checked strictly first")
    func datesAndTimes() {
        for good in ["1990-04-01", "2026-11-29T10:30:00Z", "2026-11-29 10:30", "2026-11-29 10:30:00.123456+01:00", "2026-11-29T10:30:00-0500"] {
            #expect(Dataset.DataType.isDateOrTime(good), "\(good)")
        }
        for bad in [
            "April", "1990-02-30", "1990-4-1", "+990-04-01", "1990-04-01T", "1990-04-01 25:00", "1990-04-01 10:61", "٢٠٢٦-11-29", "1990-04-01'; --",
        ] {
            #expect(!Dataset.DataType.isDateOrTime(bad), "\(bad)")
        }
    }

    @Test("an identity value written as SQL finds nothing and harms nothing")
    func injection() async throws {
        try await Self.withSources { readers, tenants in
            let search = try PersonSearch(dataMap: CouncilFixture.searchMap(CouncilFixture.datasets), readers: readers)
            for value in ["x' OR '1'='1", "amy@example.org' --", "'; DROP TABLE tenants; --", "'; DROP TABLE claimants; --"] {
                let found = try await search.run(identifiers: [.init(kind: "email", value: value)])
                // Only the row whose email is literally that text matches: the trap row for the first.
                let tenantsFound = Self.ids(found, "housing_db.tenants", "id")
                #expect(tenantsFound == (value == "x' OR '1'='1" ? ["3"] : []), "\(value)")
                #expect(Self.ids(found, "library_csv.members", "member_no").isEmpty)
                // The same values as NI numbers reach the SQLite benefits database (and the
                // PostgreSQL tenants' NI column) too.
                let byNI = try await search.run(identifiers: [.init(kind: "ni_number", value: value)])
                #expect(byNI.found.allSatisfy { $0.rows.isEmpty }, "\(value)")
            }
            #expect(try await tenants() == 3)
            let benefits = try #require(readers["benefits_db"] as? SQLSourceReader)
            let claimants = try await benefits.handle.read { database in
                try await database.raw("SELECT COUNT(*) AS count FROM claimants").first()!.decode(column: "count", as: Int.self)
            }
            #expect(claimants == 3)
        }
    }

    @Test("a field the engine cannot read stops the search, naming the field")
    func unreadableField() throws {
        var datasets = CouncilFixture.datasets
        datasets[0].collections[0].fields.append(
            CouncilFixture.field("address", fields: [CouncilFixture.field("line1"), CouncilFixture.field("postcode")])
        )
        let error = try #require(throws: StewardError.self) {
            try PersonSearch(
                dataMap: CouncilFixture.searchMap(datasets),
                readers: [
                    "housing_db": CSVSourceReader(folder: URL(fileURLWithPath: "/nonexistent"), name: .init(id: "housing", dataset: "housing_db"))
                ]
            )
        }
        #expect(error.field == "housing_db.tenants.address.line1")
    }

    @Test("a missing CSV column is an error naming it, not an empty result")
    func missingColumn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "member_no,mail\nM1,amy@example.org\n".write(to: folder.appendingPathComponent("members.csv"), atomically: true, encoding: .utf8)
        try "loan_id,member_no\n".write(to: folder.appendingPathComponent("loans.csv"), atomically: true, encoding: .utf8)
        let search = try PersonSearch(
            dataMap: CouncilFixture.searchMap([CouncilFixture.datasets[2]]),
            readers: ["library_csv": CSVSourceReader(folder: folder, name: .init(id: "library", dataset: "library_csv"))]
        )
        let error = await #expect(throws: StewardError.self) { try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org")]) }
        #expect(error?.field == "library_csv.members.email")
    }
}

/// Progress reports as they arrive.
final class ProgressLog: Sendable {
    private let reports = Mutex<[(done: Int, total: Int)]>([])
    func record(_ done: Int, _ total: Int) { reports.withLock { $0.append((done, total)) } }
    var last: (done: Int, total: Int)? { reports.withLock { $0.last } }
    var all: [(done: Int, total: Int)] { reports.withLock { $0 } }
}

/// A reader that counts how many of its reads, and of every other probe sharing its counter, are
/// in flight at once.
struct ConcurrencyProbe: CollectionReader {
    final class Counter: Sendable {
        private let state = Mutex<(now: Int, most: Int)>((0, 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    let reader: any CollectionReader
    let counter: Counter

    func rows(
        collection: String,
        matching field: String,
        type: Dataset.DataType?,
        values: [String],
        fields: [String]
    ) async throws
        -> [[String: String]]
    {
        counter.enter()
        defer { counter.leave() }
        try await Task.sleep(for: .milliseconds(100))
        return try await reader.rows(collection: collection, matching: field, type: type, values: values, fields: fields)
    }
}
