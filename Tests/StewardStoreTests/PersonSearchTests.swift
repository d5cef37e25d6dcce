import Foundation
import Logging
import SQLKit
import StewardCore
import StewardTestSupport
import Synchronization
import Testing

@testable import StewardStore

/// One person held in three council systems of three kinds, linked by different identifiers: a
/// housing database (PostgreSQL) by email, a benefits database (SQLite) by UPRN through the
/// housing tenancy, and a library export (CSV files) by email.
@Suite("Finding a person across the council's sources")
struct PersonSearchTests {
    static func field(
        _ name: String, identity: String? = nil, type: Dataset.DataType.Base = .string, primaryKey: Bool = false,
        references: [Dataset.Reference] = [], fields: [Dataset.Field] = []
    ) -> Dataset.Field {
        Dataset.Field(
            name: name, description: nil, dataCategories: ["user"], identity: identity, references: references, isPrimaryKey: primaryKey,
            dataType: fields.isEmpty ? .init(base: type) : .init(base: .object), isReadOnly: false, fields: fields)
    }

    static func collection(_ name: String, _ fields: [Dataset.Field]) -> Dataset.Collection {
        Dataset.Collection(name: name, description: nil, fields: fields, skipProcessing: false)
    }

    static func reference(_ dataset: String, _ collection: String, _ field: String, _ direction: Dataset.Reference.Direction?) -> Dataset.Reference {
        Dataset.Reference(dataset: .init(dataset), collection: collection, field: field, direction: direction)
    }

    static let datasets: [Dataset] = [
        Dataset(
            key: "housing_db", name: "Housing", description: nil,
            collections: [
                collection("tenants", [field("id", type: .integer, primaryKey: true), field("email", identity: "email"), field("name")]),
                collection(
                    "tenancies",
                    [
                        field("id", type: .integer, primaryKey: true),
                        field("tenant_id", type: .integer, references: [reference("housing_db", "tenants", "id", .from)]),
                        field("uprn"),
                    ]),
            ]),
        Dataset(
            key: "benefits_db", name: "Benefits", description: nil,
            collections: [
                collection(
                    "claimants",
                    [
                        field("id", type: .integer, primaryKey: true), field("ni_number", identity: "ni_number"),
                        // No direction: a UPRN leads both ways, which makes a cycle the search must end.
                        field("uprn", references: [reference("housing_db", "tenancies", "uprn", nil)]),
                    ]),
                collection(
                    "payments",
                    [
                        field("id", type: .integer, primaryKey: true),
                        field("claimant_id", type: .integer, references: [reference("benefits_db", "claimants", "id", .from)]), field("amount"),
                    ]),
            ]),
        Dataset(
            key: "library_csv", name: "Library export", description: nil,
            collections: [
                collection("members", [field("member_no", primaryKey: true), field("email", identity: "email"), field("phone")]),
                collection(
                    "loans",
                    [field("loan_id", primaryKey: true), field("member_no", references: [reference("library_csv", "members", "member_no", .from)])]),
            ]),
    ]

    static func dataMap(_ datasets: [Dataset]) -> DataMap {
        DataMap(
            controller: Controller(name: "Test council"), systems: [], datasets: datasets, purposes: [], recipients: [], retention: [],
            customIdentities: [])
    }

    /// Builds the three sources with the person and two other people, runs `body`, and removes them.
    static func withSources(
        _ body: ([Dataset.Key: any CollectionReader], @escaping @Sendable () async throws -> Int) async throws -> Void
    ) async throws {
        let logger = Logger(label: "test")
        let housing = try await TestDatabase.makeCouncilPostgres()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-sources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let benefitsPath = folder.appendingPathComponent("benefits.sqlite").path
        let csv = folder.appendingPathComponent("library")
        try FileManager.default.createDirectory(at: csv, withIntermediateDirectories: true)
        do {
            let housingReader = try await SQLSourceReader.connect(housing.location, logger: logger)
            let benefitsReader = try await SQLSourceReader.connect(.sqlite(path: benefitsPath), logger: logger)
            try await housingReader.handle.write { database in
                for statement in [
                    "CREATE TABLE tenants (id INTEGER PRIMARY KEY, email TEXT, name TEXT)",
                    "CREATE TABLE tenancies (id INTEGER PRIMARY KEY, tenant_id INTEGER REFERENCES tenants (id), uprn TEXT)",
                    "CREATE INDEX tenancies_tenant ON tenancies (tenant_id)",
                    "INSERT INTO tenants VALUES (1, 'amy@example.org', 'Amy Pond'), (2, 'rory@example.org', 'Rory Williams'), (3, 'x'' OR ''1''=''1', 'Trap')",
                    "INSERT INTO tenancies VALUES (10, 1, '100023336956'), (11, 2, '100023336957'), (12, 1, '100023336958')",
                ] {
                    try await database.raw(SQLQueryString(statement)).run()
                }
            }
            try await benefitsReader.handle.write { database in
                for statement in [
                    "CREATE TABLE claimants (id INTEGER PRIMARY KEY, ni_number TEXT, uprn TEXT)",
                    "CREATE TABLE payments (id INTEGER PRIMARY KEY, claimant_id INTEGER, amount TEXT)",
                    "INSERT INTO claimants VALUES (7, 'QQ123456C', '100023336956'), (8, 'AB123456D', '100023336999')",
                    "INSERT INTO payments VALUES (70, 7, '120.50'), (71, 7, '98.10'), (80, 8, '300.00')",
                ] {
                    try await database.raw(SQLQueryString(statement)).run()
                }
            }
            try "member_no,email,phone\r\nM1,amy@example.org,\"01632 960000\"\r\nM2,clara@example.org,\"01632, 960001\"\r\n"
                .write(to: csv.appendingPathComponent("members.csv"), atomically: true, encoding: .utf8)
            try "loan_id,member_no\nL1,M1\nL2,M2\nL3,M1\n".write(to: csv.appendingPathComponent("loans.csv"), atomically: true, encoding: .utf8)
            let readers: [Dataset.Key: any CollectionReader] = [
                "housing_db": housingReader, "benefits_db": benefitsReader, "library_csv": CSVSourceReader(folder: csv),
            ]
            let tenantCount: @Sendable () async throws -> Int = {
                try await housingReader.handle.read { database in
                    try await database.raw("SELECT COUNT(*) AS count FROM tenants").first()!.decode(column: "count", as: Int.self)
                }
            }
            try await body(readers, tenantCount)
            await housingReader.close()
            await benefitsReader.close()
        } catch {
            await housing.destroy()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        await housing.destroy()
        try? FileManager.default.removeItem(at: folder)
    }

    static func ids(_ found: [PersonSearch.Found], _ node: String, _ key: String) -> [String] {
        found.first { $0.node.description == node }?.rows.compactMap { $0[key] }.sorted() ?? []
    }

    @Test("an email finds every row of the person in PostgreSQL, SQLite and CSV sources, and none of anyone else's")
    func findsEveryRowAndNoOther() async throws {
        try await Self.withSources { readers, _ in
            let search = try PersonSearch(dataMap: Self.dataMap(Self.datasets), readers: readers)
            let progress = ProgressLog()
            let found = try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org")]) { done, total in
                progress.record(done, total)
            }
            #expect(Self.ids(found, "housing_db.tenants", "id") == ["1"])
            #expect(
                found.first { $0.node.description == "housing_db.tenants" }?.rows == [["id": "1", "email": "amy@example.org", "name": "Amy Pond"]])
            #expect(Self.ids(found, "housing_db.tenancies", "id") == ["10", "12"])
            #expect(Self.ids(found, "benefits_db.claimants", "id") == ["7"])
            #expect(Self.ids(found, "benefits_db.payments", "id") == ["70", "71"])
            #expect(found.first { $0.node.description == "benefits_db.payments" }?.rows.map { $0["amount"] } == ["120.50", "98.10"])
            #expect(Self.ids(found, "library_csv.members", "member_no") == ["M1"])
            #expect(found.first { $0.node.description == "library_csv.members" }?.rows.first?["phone"] == "01632 960000")
            #expect(Self.ids(found, "library_csv.loans", "loan_id") == ["L1", "L3"])
            #expect(found.count == 6)
            #expect(progress.last?.total == 6)
            #expect(progress.last?.done == 6)
        }
    }

    @Test("a different identifier reaches the same person from another source")
    func otherIdentifier() async throws {
        try await Self.withSources { readers, _ in
            let search = try PersonSearch(dataMap: Self.dataMap(Self.datasets), readers: readers)
            let found = try await search.run(identifiers: [.init(kind: "ni_number", value: "QQ123456C")])
            #expect(Self.ids(found, "benefits_db.claimants", "id") == ["7"])
            #expect(Self.ids(found, "housing_db.tenancies", "id") == ["10"])
            #expect(Self.ids(found, "benefits_db.payments", "id") == ["70", "71"])
            #expect(Self.ids(found, "library_csv.members", "member_no").isEmpty)
        }
    }

    @Test("an identity value written as SQL finds nothing and harms nothing")
    func injection() async throws {
        try await Self.withSources { readers, tenants in
            let search = try PersonSearch(dataMap: Self.dataMap(Self.datasets), readers: readers)
            for value in ["x' OR '1'='1", "amy@example.org' --", "'; DROP TABLE tenants; --"] {
                let found = try await search.run(identifiers: [.init(kind: "email", value: value)])
                // Only the row whose email is literally that text matches: the trap row for the first.
                let tenantsFound = Self.ids(found, "housing_db.tenants", "id")
                #expect(tenantsFound == (value == "x' OR '1'='1" ? ["3"] : []), "\(value)")
                #expect(Self.ids(found, "library_csv.members", "member_no").isEmpty)
            }
            #expect(try await tenants() == 3)
        }
    }

    @Test("a field the engine cannot read stops the search, naming the field")
    func unreadableField() throws {
        var datasets = Self.datasets
        datasets[0].collections[0].fields.append(Self.field("address", fields: [Self.field("line1"), Self.field("postcode")]))
        let error = try #require(throws: StewardError.self) {
            try PersonSearch(dataMap: Self.dataMap(datasets), readers: ["housing_db": CSVSourceReader(folder: URL(fileURLWithPath: "/nonexistent"))])
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
        let search = try PersonSearch(dataMap: Self.dataMap([Self.datasets[2]]), readers: ["library_csv": CSVSourceReader(folder: folder)])
        let error = await #expect(throws: StewardError.self) { try await search.run(identifiers: [.init(kind: "email", value: "amy@example.org")]) }
        #expect(error?.field == "members.email")
    }
}

/// Progress reports as they arrive.
final class ProgressLog: Sendable {
    private let reports = Mutex<[(done: Int, total: Int)]>([])
    func record(_ done: Int, _ total: Int) { reports.withLock { $0.append((done, total)) } }
    var last: (done: Int, total: Int)? { reports.withLock { $0.last } }
}
