public import Foundation
public import Logging
import SQLKit
public import StewardCore

/// Tables of rows to write as a council database of the kinds Steward reads: a SQLite file or a
/// folder of CSV files. The demo council's systems are made this way.
public struct SourceTable: Sendable {
    /// Column types by the names SQLite keeps and Steward reads back as the dataset's types.
    public enum ColumnType: String, Sendable {
        case text = "TEXT"
        case integer = "INTEGER"
        case real = "REAL"
        case boolean = "BOOLEAN"
        case date = "DATE"
        case datetime = "DATETIME"
    }

    public var name: String
    public var columns: [(name: String, type: ColumnType)]
    /// The first column is the primary key. A nil value is SQL NULL, or an empty CSV cell.
    public var rows: [[String?]]

    public init(name: String, columns: [(name: String, type: ColumnType)], rows: [[String?]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }

    /// Writes the tables as a new SQLite file at `path` (an older file there is replaced), each
    /// with its first column as the primary key.
    public static func writeSQLite(_ tables: [SourceTable], to path: String, logger: Logger) async throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let handle = try await SQLiteHandle.open(path: path, logger: logger, ownDatabase: false)
        do {
            try await handle.write { database in
                for table in tables {
                    let columns = table.columns.enumerated().map { index, column in
                        "\"\(column.name)\" \(column.type.rawValue)\(index == 0 ? " PRIMARY KEY" : "")"
                    }
                    try await database.raw(SQLQueryString("CREATE TABLE \"\(table.name)\" (\(columns.joined(separator: ", ")))")).run()
                    try await database.insertRows(
                        into: table.name,
                        columns: table.columns.map(\.name),
                        rows: table.rows.map { row in zip(row, table.columns).map { value, column in Self.bind(value, column.type) } },
                        rowsPerStatement: 500
                    )
                }
            }
        } catch {
            await handle.close()
            throw error
        }
        await handle.close()
    }

    /// Writes each table as `NAME.csv` in `folder` (made if missing), with a header row.
    public static func writeCSV(_ tables: [SourceTable], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for table in tables {
            let records = [table.columns.map(\.name)] + table.rows.map { $0.map { $0 ?? "" } }
            try Data(CSVText.render(records).utf8).write(to: folder.appendingPathComponent("\(table.name).csv"), options: .atomic)
        }
    }

    private static func bind(_ value: String?, _ type: ColumnType) -> SQLBind {
        guard let value else { return SQLBind(String?.none) }
        switch type {
        case .integer, .boolean: return Int(value).map { SQLBind($0) } ?? SQLBind(value)
        case .real: return Double(value).map { SQLBind($0) } ?? SQLBind(value)
        case .text, .date, .datetime: return SQLBind(value)
        }
    }
}
