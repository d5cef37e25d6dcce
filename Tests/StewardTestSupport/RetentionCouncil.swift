public import Foundation
import Logging
import SQLKit
public import StewardCore
public import StewardStore
import Synchronization

/// A small council database for the retention tests, of any of the three source kinds: people
/// who left the council's service, their visits (anonymised a year on) and their cases (reviewed a
/// year after closing). The same rows whatever the kind, so each test runs on all three.
public struct RetentionCouncil: Sendable {
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case sqlite, postgres, csv
        public var description: String { rawValue }
    }

    public let kind: Kind
    /// The SQLite file, the PostgreSQL URL or the CSV folder.
    public let location: String
    let database: TestDatabase?
    let folder: URL

    /// Today in these tests: every period is counted back from it.
    public static let today = CalendarDate(year: 2026, month: 12, day: 3)!

    public static func field(
        _ name: String,
        _ type: Dataset.DataType.Base = .string,
        categories: [DataCategory.Key] = ["system.operations"],
        identity: IdentityKind.Key? = nil,
        key: Bool = false,
        references: [Dataset.Reference] = []
    ) -> Dataset.Field {
        Dataset.Field(
            name: name,
            description: nil,
            dataCategories: categories,
            identity: identity,
            references: references,
            isPrimaryKey: key,
            dataType: .init(base: type),
            isReadOnly: false,
            isShared: false,
            fields: []
        )
    }

    public static let dataset = Dataset(
        key: "records_db",
        name: "Customer records",
        description: nil,
        collections: [
            CouncilFixture.collection(
                "people",
                [
                    field("person_id", .integer, key: true), field("email", categories: ["user.contact.email"], identity: "email"),
                    field("name", categories: ["user.name"]), field("branch"), field("left_on", .date),
                ]
            ),
            CouncilFixture.collection(
                "visits",
                [
                    field("visit_id", .integer, key: true),
                    field("person_id", .integer, references: [CouncilFixture.reference("records_db", "people", "person_id", .from)]),
                    field("note", categories: ["user.behavior"]), field("visitor_email", categories: ["user.contact.email"]), field("branch"),
                    field("visited_on", .date),
                ]
            ),
            CouncilFixture.collection(
                "cases",
                [
                    field("case_id", .integer, key: true),
                    field("person_id", .integer, references: [CouncilFixture.reference("records_db", "people", "person_id", .from)]),
                    field("summary", categories: ["user"]), field("closed_on", .date),
                ]
            ),
        ]
    )

    public static let rules: [RetentionRule] = [
        RetentionRule(
            dataset: "records_db",
            collection: "people",
            period: .init(count: 2, unit: .years),
            trigger: .recorded(event: "left the service", field: "left_on"),
            action: .delete,
            source: "Schedule CUS-01"
        ),
        RetentionRule(
            dataset: "records_db",
            collection: "visits",
            period: .init(count: 1, unit: .years),
            trigger: .field("visited_on"),
            action: .anonymise,
            source: "Schedule CUS-02",
            masking: ["user.contact.email": .fixed("REDACTED")]
        ),
        RetentionRule(
            dataset: "records_db",
            collection: "cases",
            period: .init(count: 1, unit: .years),
            trigger: .recorded(event: "case closed", field: "closed_on"),
            action: .review,
            source: "Schedule CUS-03"
        ),
    ]

    public static func dataMap() -> DataMap {
        DataMap(
            controller: Controller(name: "Wessex County Council"),
            systems: [
                System(
                    key: "records",
                    name: "Customer records",
                    description: nil,
                    department: "Customer Services",
                    hostingCountry: "GB",
                    processor: nil,
                    datasets: ["records_db"],
                    purposes: [],
                    dataSubjects: ["resident"],
                    securityMeasures: nil
                )
            ],
            datasets: [dataset],
            purposes: [],
            recipients: [],
            retention: rules,
            customIdentities: []
        )
    }

    /// The rows: see each one's comment for what the schedule does to it on 3 December 2026.
    public static func tables() -> [SourceTable] {
        [
            SourceTable(
                name: "people",
                columns: [("person_id", .integer), ("email", .text), ("name", .text), ("branch", .text), ("left_on", .date)],
                rows: [
                    ["1", "ada@example.org", "Ada", "North", "2020-01-01"],  // due: deleted
                    ["2", "bob@example.org", "Bob", "North", "2025-06-01"],  // inside the period: stays
                    ["3", "cat@example.org", "Cat", "North", "2019-05-05"],  // due, held by a hold on the person
                    ["4", "dan@example.org", "Dan", "Central", "2018-01-01"],  // due, held by a hold on Central's rows
                    ["5", "eve@example.org", "Eve", "North", nil],  // no trigger: reported
                    ["6", "fay@example.org", "Fay", "North", "2017-03-03"],  // due, held by her open request
                    ["7", "gus@example.org", "Gus", "North", "2024-12-03"],  // due on the day: deleted with his visit
                ]
            ),
            SourceTable(
                name: "visits",
                columns: [
                    ("visit_id", .integer), ("person_id", .integer), ("note", .text), ("visitor_email", .text), ("branch", .text),
                    ("visited_on", .date),
                ],
                rows: [
                    ["10", "7", "asked about parking", "gus@example.org", "North", "2020-01-01"],  // anonymised, then goes with Gus
                    ["11", "2", "renewed a permit", "bob@example.org", "North", "2024-01-01"],  // anonymised
                    ["12", "2", "paid a fine", "bob@example.org", "North", "2026-10-01"],  // inside the period: stays
                    ["13", "3", "complained", "cat@example.org", "North", "2020-02-02"],  // due, held with Cat
                ],
                foreignKeys: [("person_id", "people", "person_id")]
            ),
            SourceTable(
                name: "cases",
                columns: [("case_id", .integer), ("person_id", .integer), ("summary", .text), ("closed_on", .date)],
                rows: [
                    ["20", "2", "noise complaint", "2024-01-01"],  // due: to review
                    ["21", "2", "missed collection", "2023-06-30"],  // due: to review
                    ["22", "2", "bin request", "2026-01-15"],  // inside the period
                ],
                foreignKeys: [("person_id", "people", "person_id")]
            ),
        ]
    }

    /// Makes the council's database of `kind`, runs `body`, and removes it.
    public static func with(_ kind: Kind, tables: [SourceTable] = tables(), _ body: (RetentionCouncil) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var database: TestDatabase?
        let location: String
        switch kind {
        case .sqlite:
            location = folder.appendingPathComponent("records.sqlite").path
            let handle = try await openDatabase(.sqlite(path: location), logger: Logger(label: "test"))
            try await SourceTable.write(tables, on: handle)
            await handle.close()
        case .postgres:
            let made = try await TestDatabase.makeCouncilPostgres()
            database = made
            guard case .postgres(let url) = made.location else { throw StewardError(.internal, "not a PostgreSQL database") }
            location = url
            let handle = try await openDatabase(made.location, logger: Logger(label: "test"))
            try await SourceTable.write(tables, on: handle)
            await handle.close()
        case .csv:
            location = folder.appendingPathComponent("records").path
            try SourceTable.writeCSV(tables, to: URL(fileURLWithPath: location))
        }
        let council = RetentionCouncil(kind: kind, location: location, database: database, folder: folder)
        do {
            try await body(council)
        } catch {
            await council.remove()
            throw error
        }
        await council.remove()
    }

    func remove() async {
        await database?.destroy()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Registers the database as the source of `records_db`.
    public func register(in store: Store) async throws {
        let sourceKind: DataSource.Kind =
            switch kind {
            case .sqlite: .sqlite
            case .postgres: .postgres
            case .csv: .csv
            }
        _ = try await store.addSource(
            id: "records",
            name: "Customer records",
            kind: sourceKind,
            dataset: "records_db",
            location: location,
            actor: "dpo"
        )
    }

    /// Every row of `table` as text (NULL and empty cells left out), by its first column.
    public func rows(_ table: String) async throws -> [String: [String: String]] {
        let columns = Self.tables().first { $0.name == table }!.columns.map(\.name)
        var result: [String: [String: String]] = [:]
        switch kind {
        case .csv:
            let text = try String(contentsOf: URL(fileURLWithPath: location).appendingPathComponent("\(table).csv"), encoding: .utf8)
            var records = try CSVText.parse(text, file: table)
            let header = records.removeFirst()
            for record in records {
                var values: [String: String] = [:]
                for (name, value) in zip(header, record) where !value.isEmpty { values[name] = value }
                result[values[columns[0]] ?? ""] = values
            }
        case .sqlite, .postgres:
            let handle = try await openDatabase(kind == .sqlite ? .sqlite(path: location) : .postgres(url: location), logger: Logger(label: "test"))
            defer { Task { await handle.close() } }
            let list = columns.map { "CAST(\"\($0)\" AS TEXT) AS \"\($0)\"" }.joined(separator: ", ")
            result = try await handle.read { database in
                var rows: [String: [String: String]] = [:]
                for row in try await database.raw(SQLQueryString("SELECT \(list) FROM \"\(table)\"")).all() {
                    var values: [String: String] = [:]
                    for name in columns { if let value = try row.decode(column: name, as: String?.self) { values[name] = value } }
                    rows[values[columns[0]] ?? ""] = values
                }
                return rows
            }
        }
        return result
    }
}

/// A day the test moves on.
public final class TestDay: Sendable {
    private let day: Mutex<CalendarDate>
    public init(_ day: CalendarDate) { self.day = Mutex(day) }
    public var value: CalendarDate {
        get { day.withLock { $0 } }
        set { day.withLock { $0 = newValue } }
    }
}
