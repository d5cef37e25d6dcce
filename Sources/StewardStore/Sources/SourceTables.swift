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

        /// The type PostgreSQL gives the column.
        var postgres: String {
            switch self {
            case .text: "TEXT"
            case .integer: "BIGINT"
            case .real: "DOUBLE PRECISION"
            case .boolean: "BOOLEAN"
            case .date: "DATE"
            case .datetime: "TIMESTAMP"
            }
        }
    }

    public var name: String
    public var columns: [(name: String, type: ColumnType)]
    /// The first column is the primary key. A nil value is SQL NULL, or an empty CSV cell.
    public var rows: [[String?]]
    /// Columns that point at another table's column, which the database enforces (PostgreSQL).
    public var foreignKeys: [(column: String, table: String, references: String)]

    public init(
        name: String,
        columns: [(name: String, type: ColumnType)],
        rows: [[String?]],
        foreignKeys: [(column: String, table: String, references: String)] = []
    ) {
        self.name = name
        self.columns = columns
        self.rows = rows
        self.foreignKeys = foreignKeys
    }

    /// Creates the tables in the database `handle` opens (PostgreSQL or SQLite), in order, each
    /// with its first column as the primary key and its foreign keys, and inserts their rows.
    public static func write(_ tables: [SourceTable], on handle: any DatabaseHandle) async throws {
        let dialect = handle.dialect
        try await handle.longWrite { database in
            for table in tables {
                var columns = table.columns.enumerated().map { index, column in
                    "\"\(column.name)\" \(dialect == .postgres ? column.type.postgres : column.type.rawValue)\(index == 0 ? " PRIMARY KEY" : "")"
                }
                for key in table.foreignKeys {
                    columns.append("FOREIGN KEY (\"\(key.column)\") REFERENCES \"\(key.table)\" (\"\(key.references)\")")
                }
                try await database.raw(SQLQueryString("CREATE TABLE \"\(table.name)\" (\(columns.joined(separator: ", ")))")).run()
                var start = 0
                while start < table.rows.count {
                    let end = min(start + 500, table.rows.count)
                    let values = SQLList(
                        table.rows[start..<end].map { row in
                            SQLGroupExpression(zip(row, table.columns).map { value, column in Self.expression(value, column.type, dialect) })
                        }
                    )
                    let names = SQLList(table.columns.map { SQLIdentifier($0.name) })
                    try await database.raw("INSERT INTO " + "\(ident: table.name)" + " (" + "\(names)" + ") VALUES " + "\(values)").run()
                    start = end
                }
            }
        }
    }

    private static func expression(_ value: String?, _ type: ColumnType, _ dialect: Dialect) -> any SQLExpression {
        guard let value else { return SQLLiteral.null }
        guard dialect == .postgres else { return bind(value, type) }
        switch type {
        case .integer: return Int(value).map { SQLBind($0) } ?? SQLBind(value)
        case .real: return Double(value).map { SQLBind($0) } ?? SQLBind(value)
        case .boolean: return SQLLiteral.boolean(value == "1" || value == "true")
        // An untyped literal takes the column's own type.
        case .date, .datetime: return SQLLiteral.string(value)
        case .text: return SQLBind(value)
        }
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
