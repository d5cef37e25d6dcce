import Foundation
import Logging
import SQLKit
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// The retention benchmark: a table of `rows` rows, half past their six-year period, swept by
/// Steward (keyset batches of 5,000, each recorded before and after, a certificate at the end)
/// against a plain `DELETE … WHERE closed_on < cutoff` on an identical copy in the same database and
/// run. For CSV, the plain job reads the file, drops the due lines and writes it back.
enum RetentionBench {
    struct Result {
        var sweep: Double
        var plain: Double
        var disposed: Int
        var peakMemoryMB: Double
    }

    static let rule = RetentionRule(
        dataset: "bench_db",
        collection: "records",
        period: .init(count: 6, unit: .years),
        trigger: .field("closed_on"),
        action: .delete,
        source: "Benchmark schedule"
    )

    static func dataMap() -> DataMap {
        func field(_ name: String, _ type: Dataset.DataType.Base, _ categories: [DataCategory.Key], key: Bool = false) -> Dataset.Field {
            .init(
                name: name,
                description: nil,
                dataCategories: categories,
                identity: nil,
                references: [],
                isPrimaryKey: key,
                dataType: .init(base: type),
                isReadOnly: false,
                isShared: false,
                fields: []
            )
        }
        let dataset = Dataset(
            key: "bench_db",
            name: "Benchmark",
            description: nil,
            collections: [
                .init(
                    name: "records",
                    description: nil,
                    fields: [
                        field("id", .integer, ["system.operations"], key: true), field("email", .string, ["user.contact.email"]),
                        field("name", .string, ["user.name"]), field("closed_on", .date, ["system.operations"]),
                    ],
                    skipProcessing: false
                )
            ]
        )
        return DataMap(
            controller: Controller(name: "Benchmark council"),
            systems: [],
            datasets: [dataset],
            purposes: [],
            recipients: [],
            retention: [rule],
            customIdentities: []
        )
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Odd ids closed in 2015 (due), even ids in 2026 (kept).
    static func fill(_ handle: any DatabaseHandle, table: String, rows: Int) async throws {
        try await handle.longWrite { database in
            try await database.raw(SQLQueryString("DROP TABLE IF EXISTS \(table)")).run()
            try await database.raw(SQLQueryString("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, email TEXT, name TEXT, closed_on DATE)")).run()
            switch handle.dialect {
            case .postgres:
                try await database.raw(
                    SQLQueryString(
                        "INSERT INTO \(table) SELECT g, 'p' || g || '@example.org', 'Person ' || g, CASE WHEN g % 2 = 1 THEN DATE '2015-01-01' ELSE DATE '2026-06-01' END FROM generate_series(1, "
                            + String(rows) + ") g"
                    )
                ).run()
            case .sqlite:
                try await database.raw(
                    SQLQueryString(
                        "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < " + String(rows)
                            + ") INSERT INTO \(table) SELECT g, 'p' || g || '@example.org', 'Person ' || g, CASE WHEN g % 2 = 1 THEN '2015-01-01' ELSE '2026-06-01' END FROM s"
                    )
                ).run()
            }
        }
        if handle.dialect == .postgres { try await handle.longWrite { database in try await database.raw(SQLQueryString("ANALYZE \(table)")).run() } }
    }

    /// Steward's own store in `folder`, the source registered; the sweep's service.
    static func steward(
        folder: URL,
        kind: DataSource.Kind,
        location: String,
        yield: Double,
        batch: Int = 5_000
    ) async throws -> (Store, RetentionService) {
        var logger = Logger(label: "steward-bench")
        logger.logLevel = .warning
        let store = try await Store.open(
            .sqlite(path: folder.appendingPathComponent("steward.sqlite").path),
            signer: AuditSigner(),
            dataKey: .random(),
            databaseTimeout: .seconds(600),
            logger: logger
        )
        _ = try await store.saveDataMap(dataMap(), actor: "bench")
        _ = try await store.addSource(id: "bench", name: "Benchmark", kind: kind, dataset: "bench_db", location: location, actor: "bench")
        var configuration = StewardConfiguration()
        configuration.retention.yieldShare = yield
        configuration.retention.batchSize = batch
        return (store, try StewardServices(store: store, configuration: configuration).retention)
    }

    /// One measurement on a SQL database: the plain DELETE on a copy, then the sweep. `mark`, when
    /// given, is a file written as the sweep starts (so a load test can run during it).
    static func run(_ location: DatabaseLocation, rows: Int, folder: URL, yield: Double, batch: Int, mark: String?) async throws -> Result {
        var logger = Logger(label: "steward-bench")
        logger.logLevel = .warning
        let handle = try await openDatabase(location, logger: logger, connectTimeout: .seconds(60), callTimeout: .seconds(3_600))
        try await fill(handle, table: "records", rows: rows)
        try await fill(handle, table: "records_copy", rows: rows)
        let plain = try await seconds {
            try await handle.longWrite { database in
                try await database.raw(SQLQueryString("DELETE FROM records_copy WHERE closed_on < '2020-12-04'")).run()
            }
        }
        await handle.close()
        let kind: DataSource.Kind
        let url: String
        switch location {
        case .postgres(let value): (kind, url) = (.postgres, value)
        case .sqlite(let path): (kind, url) = (.sqlite, path)
        }
        let (store, service) = try await steward(folder: folder, kind: kind, location: url, yield: yield, batch: batch)
        if let mark { FileManager.default.createFile(atPath: mark, contents: Data()) }
        var run: RetentionRun?
        let sweep = try await seconds { run = try await service.sweep(actor: "bench", rule: rule.id) }
        await store.close()
        return Result(sweep: sweep, plain: plain, disposed: run?.disposed ?? 0, peakMemoryMB: BusyBench.peakMemoryMB())
    }

    /// The CSV measurement: a file of `rows` rows swept, against reading, filtering and writing a copy.
    static func runCSV(rows: Int, folder: URL) async throws -> Result {
        let data = folder.appendingPathComponent("bench")
        let copy = folder.appendingPathComponent("copy")
        for directory in [data, copy] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var text = "id,email,name,closed_on\n"
            text.reserveCapacity(rows * 48)
            for id in 1...rows { text += "\(id),p\(id)@example.org,Person \(id),\(id % 2 == 1 ? "2015-01-01" : "2026-06-01")\n" }
            try Data(text.utf8).write(to: directory.appendingPathComponent("records.csv"))
        }
        let plain = try await seconds {
            let file = copy.appendingPathComponent("records.csv")
            let text = try String(contentsOf: file, encoding: .utf8)
            let kept = text.split(separator: "\n").filter { line in
                guard let date = line.split(separator: ",").last else { return true }
                return date == "closed_on" || !(date < "2020-12-04")
            }
            try Data((kept.joined(separator: "\n") + "\n").utf8).write(to: file.appendingPathExtension("new"))
            _ = rename(file.appendingPathExtension("new").path, file.path)
        }
        let (store, service) = try await steward(folder: folder, kind: .csv, location: data.path, yield: 0)
        var run: RetentionRun?
        let sweep = try await seconds { run = try await service.sweep(actor: "bench", rule: rule.id) }
        await store.close()
        return Result(sweep: sweep, plain: plain, disposed: run?.disposed ?? 0, peakMemoryMB: BusyBench.peakMemoryMB())
    }
}
