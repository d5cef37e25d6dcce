import Foundation
import Logging
import SQLKit
import StewardCore
import StewardStore

/// The access-request benchmark: a council database of 11 tables linked by foreign keys — 500,000
/// people, two child tables of 1,000,000 rows, the rest smaller, indexed on every reference column —
/// searched for 1,000 random people through `PersonSearch`, against the floor of the same SELECTs
/// issued straight through the driver, round by round, with nothing else around them.
enum SearchBench {
    struct Table {
        var name: String
        var rows: Int
        /// The parent table and the column pointing at it.
        var parent: (table: String, column: String)?
        /// Extra text columns.
        var columns: [String]
    }

    static let people = 500_000

    static let tables: [Table] = [
        Table(name: "person", rows: people, parent: nil, columns: ["email", "name", "phone"]),
        Table(name: "address", rows: people, parent: ("person", "person_id"), columns: ["uprn", "postcode"]),
        Table(name: "case_note", rows: 1_000_000, parent: ("person", "person_id"), columns: ["note"]),
        Table(name: "payment", rows: 1_000_000, parent: ("person", "person_id"), columns: ["amount"]),
        Table(name: "contact_log", rows: 100_000, parent: ("person", "person_id"), columns: ["channel"]),
        Table(name: "benefit_claim", rows: 100_000, parent: ("person", "person_id"), columns: ["scheme"]),
        Table(name: "claim_event", rows: 200_000, parent: ("benefit_claim", "claim_id"), columns: ["event"]),
        Table(name: "complaint", rows: 50_000, parent: ("person", "person_id"), columns: ["subject"]),
        Table(name: "complaint_note", rows: 100_000, parent: ("complaint", "complaint_id"), columns: ["note"]),
        Table(name: "library_member", rows: 100_000, parent: nil, columns: ["email", "card"]),
        Table(name: "loan", rows: 200_000, parent: ("library_member", "member_id"), columns: ["title"]),
    ]

    /// A data map of the benchmark's datasets alone: no systems, purposes or recipients.
    static func map(_ datasets: [Dataset]) -> DataMap {
        DataMap(
            controller: Controller(name: "Benchmark"),
            systems: [],
            datasets: datasets,
            purposes: [],
            recipients: [],
            retention: [],
            customIdentities: []
        )
    }

    /// The dataset describing the tables, as a council would write it.
    static func dataset() -> Dataset {
        func field(
            _ name: String,
            type: Dataset.DataType.Base = .string,
            identity: IdentityKind.Key? = nil,
            primaryKey: Bool = false,
            references: [Dataset.Reference] = []
        )
            -> Dataset.Field
        {
            Dataset.Field(
                name: name,
                description: nil,
                dataCategories: ["user"],
                identity: identity,
                references: references,
                isPrimaryKey: primaryKey,
                dataType: .init(base: type),
                isReadOnly: false,
                fields: []
            )
        }
        let collections = tables.map { table in
            var fields = [field("id", type: .integer, primaryKey: true)]
            if let parent = table.parent {
                fields.append(
                    field(
                        parent.column,
                        type: .integer,
                        references: [Dataset.Reference(dataset: "bench", collection: parent.table, field: "id", direction: .from)]
                    )
                )
            }
            for column in table.columns { fields.append(field(column, identity: column == "email" ? "email" : nil)) }
            return Dataset.Collection(name: table.name, description: nil, fields: fields, skipProcessing: false)
        }
        return Dataset(key: "bench", name: "Benchmark council database", description: nil, collections: collections)
    }

    /// Creates and fills the tables with SQL alone (generate_series on PostgreSQL, a recursive CTE on
    /// SQLite), then indexes them.
    static func build(_ handle: any DatabaseHandle, postgres: Bool) async throws {
        try await handle.write { database in
            for table in tables.reversed() { try await database.raw(SQLQueryString("DROP TABLE IF EXISTS \(table.name)")).run() }
            for table in tables {
                let columns =
                    ["id BIGINT PRIMARY KEY"] + (table.parent.map { ["\($0.column) BIGINT NOT NULL"] } ?? []) + table.columns.map { "\($0) TEXT" }
                try await database.raw(SQLQueryString("CREATE TABLE \(table.name) (\(columns.joined(separator: ", ")))")).run()
                let parentRows = table.parent.flatMap { parent in tables.first { $0.name == parent.table }?.rows } ?? 1
                var values = ["g"]
                if table.parent != nil { values.append(postgres ? "((g::bigint * 7919) % \(parentRows)) + 1" : "((g * 7919) % \(parentRows)) + 1") }
                for column in table.columns {
                    values.append(column == "email" ? "'\(table.name)' || g || '@example.org'" : "'\(column) ' || g")
                }
                let series =
                    postgres
                    ? "SELECT \(values.joined(separator: ", ")) FROM generate_series(1, \(table.rows)) AS g"
                    : "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < \(table.rows)) SELECT \(values.joined(separator: ", ")) FROM s"
                try await database.raw(SQLQueryString("INSERT INTO \(table.name) \(series)")).run()
                if let parent = table.parent {
                    try await database.raw(SQLQueryString("CREATE INDEX \(table.name)_\(parent.column) ON \(table.name) (\(parent.column))")).run()
                }
                if table.columns.contains("email") {
                    try await database.raw(SQLQueryString("CREATE INDEX \(table.name)_email ON \(table.name) (email)")).run()
                }
            }
            if postgres { try await database.raw("ANALYZE").run() }
        }
    }

    /// The floor for one person: the same SELECTs the search issues, written out by hand for this
    /// schema and sent round by round (each round's at the same time), with no planning or merging.
    static func direct(_ handle: any DatabaseHandle, email: String, member: String) async throws {
        func select(_ table: Table, _ column: String, _ values: [String], integer: Bool) async throws -> [[String: String]] {
            guard !values.isEmpty else { return [] }
            let fields = ["id"] + (table.parent.map { [$0.column] } ?? []) + table.columns
            let list = fields.map { "CAST(\"\($0)\" AS TEXT) AS \"\($0)\"" }.joined(separator: ", ")
            let binds = SQLList(values.map { integer ? SQLBind(Int64($0)!) : SQLBind($0) })
            return try await handle.read { database in
                try await database.raw(
                    SQLQueryString("SELECT \(list) FROM \"\(table.name)\" WHERE \"\(column)\" IN ") + "\(SQLGroupExpression(binds))"
                ).all().map { row in
                    var values: [String: String] = [:]
                    for field in fields { values[field] = try row.decode(column: field, as: String?.self) }
                    return values
                }
            }
        }
        let byName = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        async let people = select(byName["person"]!, "email", [email], integer: false)
        async let members = select(byName["library_member"]!, "email", [member], integer: false)
        let (found, memberRows) = try await (people, members)
        let ids = found.compactMap { $0["id"] }
        let memberIDs = memberRows.compactMap { $0["id"] }
        let children = tables.filter { $0.parent?.table == "person" }
        let second = try await withThrowingTaskGroup(of: (String, [[String: String]]).self) { group in
            for child in children { group.addTask { (child.name, try await select(child, child.parent!.column, ids, integer: true)) } }
            group.addTask { ("loan", try await select(byName["loan"]!, "member_id", memberIDs, integer: true)) }
            var all: [String: [[String: String]]] = [:]
            for try await (name, rows) in group { all[name] = rows }
            return all
        }
        async let events = select(byName["claim_event"]!, "claim_id", second["benefit_claim"]?.compactMap { $0["id"] } ?? [], integer: true)
        async let notes = select(byName["complaint_note"]!, "complaint_id", second["complaint"]?.compactMap { $0["id"] } ?? [], integer: true)
        _ = try await (events, notes)
    }

    struct Result {
        var p50: Double
        var p95: Double
        var floorP50: Double
        var floorP95: Double
        var rows: Int
    }

    static func percentile(_ values: [Double], _ share: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * share))]
    }

    /// Times 1,000 searches and their floors, alternating, after a warm-up.
    static func run(_ location: DatabaseLocation, postgres: Bool, samples: Int = 1000) async throws -> Result {
        var logger = Logger(label: "steward-bench")
        logger.logLevel = .warning
        let setup = try await openDatabase(location, logger: logger)
        try await build(setup, postgres: postgres)
        await setup.close()
        let reader = try await SQLSourceReader.connect(location, name: SourceName(id: "bench", dataset: "bench"), logger: logger)
        let floorHandle = try await openDatabase(location, logger: logger)
        let map = SearchBench.map([dataset()])
        let search = try PersonSearch(dataMap: map, readers: ["bench": reader])
        var generator = SystemRandomNumberGenerator()
        var times: [Double] = []
        var floors: [Double] = []
        var rows = 0
        for index in 0..<(samples + 50) {
            let person = Int.random(in: 1...people, using: &generator)
            let member = Int.random(in: 1...100_000, using: &generator)
            let identifiers = [
                Subject.Identifier(kind: .email, value: "person\(person)@example.org"),
                Subject.Identifier(kind: .email, value: "library_member\(member)@example.org"),
            ]
            // Whichever goes second finds the person's pages in cache: take turns going first.
            var found: [PersonSearch.Found] = []
            var searched = Duration.zero
            var floor = Duration.zero
            for turn in index % 2 == 0 ? [0, 1] : [1, 0] {
                let started = ContinuousClock.now
                if turn == 0 {
                    found = try await search.run(identifiers: identifiers).found
                    searched = ContinuousClock.now - started
                } else {
                    try await direct(floorHandle, email: "person\(person)@example.org", member: "library_member\(member)@example.org")
                    floor = ContinuousClock.now - started
                }
            }
            guard index >= 50 else { continue }
            times.append(milliseconds(searched))
            floors.append(milliseconds(floor))
            rows += found.reduce(0) { $0 + $1.rows.count }
        }
        await reader.close()
        await floorHandle.close()
        return Result(
            p50: percentile(times, 0.5),
            p95: percentile(times, 0.95),
            floorP50: percentile(floors, 0.5),
            floorP95: percentile(floors, 0.95),
            rows: rows / samples
        )
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
