public import Foundation
public import Logging
import SQLKit
public import StewardCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a council database (PostgreSQL or SQLite) for a person search. Every value is bound as a
/// parameter and every name is quoted as an identifier, so nothing in a request or a dataset file
/// can change the query. Values are compared in the column's declared type, so indexes serve.
public final class SQLSourceReader: SourceConnection {
    let handle: any DatabaseHandle

    init(handle: any DatabaseHandle) {
        self.handle = handle
    }

    /// Connects to the database at `location`.
    /// A council's SQLite file keeps its own journal mode and settings.
    public static func connect(_ location: DatabaseLocation, logger: Logger) async throws -> SQLSourceReader {
        switch location {
        case .sqlite(let path): SQLSourceReader(handle: try await SQLiteHandle.open(path: path, logger: logger, ownDatabase: false))
        case .postgres: SQLSourceReader(handle: try await openDatabase(location, logger: logger))
        }
    }

    public func close() async {
        await handle.close()
    }

    public func ping() async throws {
        _ = try await handle.read { database in try await database.raw("SELECT 1 AS one").all() }
    }

    public func apply(_ changes: [RowChange], types: [String: Dataset.DataType]) async throws -> Int {
        guard !changes.isEmpty else { return 0 }
        let dialect = handle.dialect
        return try await handle.write { database in
            var changed = 0
            for change in changes {
                let collection = change.collection
                // Every key field equal to the row's value, in its column's type.
                let condition = change.key.sorted { $0.key < $1.key }.map { field, value in
                    SQLBinaryExpression(
                        SQLIdentifier(field), .equal,
                        // A key that cannot be of its column's type matches no row.
                        Self.expression(value, as: types["\(collection).\(field)"], in: dialect) ?? SQLLiteral.null)
                }.reduce(nil as (any SQLExpression)?) { all, next in all.map { SQLBinaryExpression($0, .and, next) } ?? next }
                guard let condition else { throw StewardError(.invalidInput, "a change to \(collection) has no key", field: collection) }
                let rows: [any SQLRow]
                switch change {
                case .update(_, _, let values):
                    let assignments = SQLList(
                        values.sorted { $0.key < $1.key }.map { field, value in
                            SQLBinaryExpression(
                                SQLIdentifier(field), .equal,
                                value.map { Self.expression($0, as: types["\(collection).\(field)"], in: dialect) ?? SQLBind($0) }
                                    ?? SQLLiteral.null)
                        })
                    rows = try await database.raw(
                        "UPDATE " + "\(ident: collection)" + " SET " + "\(assignments)" + " WHERE " + "\(condition)" + " RETURNING 1 AS one"
                    ).all()
                case .delete:
                    rows = try await database.raw("DELETE FROM " + "\(ident: collection)" + " WHERE " + "\(condition)" + " RETURNING 1 AS one").all()
                }
                try Self.expectOne(rows.count, collection: collection, key: change.keyNames)
                changed += rows.count
            }
            return changed
        }
    }

    /// Each change is to exactly one row: a key that matches none or several (a key that is not
    /// really unique) rolls the whole transaction back.
    static func expectOne(_ count: Int, collection: String, key: String) throws {
        guard count == 1 else {
            throw StewardError(
                .conflict, "a change by \(key) matched \(count) rows of \(collection), not one; nothing in this source was changed",
                field: "\(collection).\(key)")
        }
    }

    public func missing(in collections: [Dataset.Collection]) async -> [SourceCheck.Problem] {
        var problems: [SourceCheck.Problem] = []
        for collection in collections where !collection.skipProcessing {
            let paths = collection.allFields.filter { $0.field.fields.isEmpty }.map(\.path)
            // One query when everything is there; a field at a time only to name what is missing.
            let all = SQLList(paths.map { SQLIdentifier($0) })
            if !paths.isEmpty, await succeeds("SELECT " + "\(all)" + " FROM " + "\(ident: collection.name)" + " WHERE 1 = 0") { continue }
            guard await succeeds("SELECT * FROM " + "\(ident: collection.name)" + " WHERE 1 = 0") else {
                problems.append(.init(collection: collection.name, message: "there is no table or view '\(collection.name)'"))
                continue
            }
            for (path, field) in collection.allFields where field.fields.isEmpty {
                if !(await succeeds("SELECT " + "\(ident: path)" + " FROM " + "\(ident: collection.name)" + " WHERE 1 = 0")) {
                    problems.append(.init(collection: collection.name, field: path, message: "'\(collection.name)' has no column '\(path)'"))
                }
            }
        }
        return problems
    }

    func succeeds(_ query: SQLQueryString) async -> Bool {
        do {
            _ = try await handle.read { database in try await database.raw(query).all() }
            return true
        } catch {
            return false
        }
    }

    public func rows(
        collection: String, matching field: String, type: Dataset.DataType?, values: [String], fields: [String]
    ) async throws
        -> [[String: String]]
    {
        let candidates = Self.comparable(values, as: type, in: handle.dialect)
        guard !candidates.isEmpty else { return [] }
        let columns = SQLList(fields.map { SQLAlias(SQLFunction("CAST", args: SQLRaw("\(SQLIdentifierText($0)) AS TEXT")), as: SQLIdentifier($0)) })
        let query =
            SQLQueryString("SELECT ") + "\(columns)" + " FROM " + "\(ident: collection)" + " WHERE " + "\(ident: field)" + " IN "
            + "\(SQLGroupExpression(SQLList(candidates)))"
        do {
            return try await handle.read { database in
                try await database.raw(query).all().map { row in
                    var values: [String: String] = [:]
                    for name in fields {
                        if let value = try row.decode(column: name, as: String?.self) { values[name] = value }
                    }
                    return values
                }
            }
        } catch {
            // The database's own words may quote a value, so only the place is said; the cause is kept.
            throw StewardError.wrapping(error, .unavailable, "\(collection) could not be read by \(field)", field: "\(collection).\(field)")
        }
    }

    /// The values as the column compares them, so an index on it serves; those that cannot be of
    /// the column's type are left out.
    static func comparable(_ values: [String], as type: Dataset.DataType?, in dialect: Dialect) -> [any SQLExpression] {
        values.compactMap { expression($0, as: type, in: dialect) }
    }

    /// A value to compare with, or write to, a column of `type`; nil when it cannot be one. Dates
    /// and times on PostgreSQL are written as untyped literals (checked to be a date or a time
    /// first), which take the column's own type (`date`, `timestamp` or text); SQLite keeps them
    /// as text, bound as they are. Everything else is bound.
    static func expression(_ value: String, as type: Dataset.DataType?, in dialect: Dialect) -> (any SQLExpression)? {
        if dialect == .postgres, type?.base == .date || type?.base == .datetime {
            return Dataset.DataType.isDateOrTime(value) ? SQLLiteral.string(value) : nil
        }
        return Dataset.DataType.value(value, as: type).map { SQLBind(AnyBind($0)) }
    }
}

/// An encodable value of any of the types `bind` produces.
struct AnyBind: Encodable, Sendable {
    let value: any Encodable & Sendable
    init(_ value: any Encodable & Sendable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

/// `"name"` with any `"` doubled: an SQL identifier, for the text inside CAST.
struct SQLIdentifierText: CustomStringConvertible {
    var name: String
    init(_ name: String) { self.name = name }
    var description: String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}

/// Reads a folder of CSV files, one per collection (`people.csv`), each with a header row naming
/// its columns. Files are read once and kept; a missing file or column is an error naming it.
public actor CSVSourceReader: SourceConnection {
    public let folder: URL
    private var tables: [String: (header: [String], rows: [[String]])] = [:]

    public init(folder: URL) {
        self.folder = folder
    }

    public func rows(
        collection: String, matching field: String, type: Dataset.DataType?, values: [String], fields: [String]
    ) async throws
        -> [[String: String]]
    {
        let table = try load(collection)
        guard let column = table.header.firstIndex(of: field) else {
            throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: "\(collection).\(field)")
        }
        let wanted = Set(values)
        var indexes: [(String, Int)] = []
        for name in fields {
            guard let index = table.header.firstIndex(of: name) else {
                throw StewardError(.invalidInput, "\(collection).csv has no column '\(name)'", field: "\(collection).\(name)")
            }
            indexes.append((name, index))
        }
        return table.rows.filter { column < $0.count && wanted.contains($0[column]) }.map { row in
            var result: [String: String] = [:]
            for (name, index) in indexes where index < row.count && !row[index].isEmpty { result[name] = row[index] }
            return result
        }
    }

    public func missing(in collections: [Dataset.Collection]) async -> [SourceCheck.Problem] {
        var problems: [SourceCheck.Problem] = []
        for collection in collections where !collection.skipProcessing {
            let header: [String]
            do {
                header = try load(collection.name).header
            } catch let error as StewardError {
                problems.append(.init(collection: collection.name, message: error.message))
                continue
            } catch {
                problems.append(.init(collection: collection.name, message: "\(collection.name).csv cannot be read: \(error)"))
                continue
            }
            for (path, field) in collection.allFields where field.fields.isEmpty && !header.contains(path) {
                problems.append(.init(collection: collection.name, field: path, message: "\(collection.name).csv has no column '\(path)'"))
            }
        }
        return problems
    }

    public func close() async {
        tables = [:]
    }

    /// Rewrites each changed file whole, through a temporary file renamed into place, so a file is
    /// never left half written. All files are prepared before any is replaced.
    public func apply(_ changes: [RowChange], types: [String: Dataset.DataType]) async throws -> Int {
        // One writer at a time across processes, and the files as they are now, not as searched.
        let lockPath = folder.appendingPathComponent(".steward.lock").path
        let lock = open(lockPath, O_CREAT | O_RDWR, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            if lock >= 0 { _ = closeFile(lock) }
            throw StewardError(.unavailable, "cannot lock \(folder.path) to change its files", field: "location")
        }
        defer {
            flock(lock, LOCK_UN)
            _ = closeFile(lock)
        }
        self.tables = [:]
        var tables: [String: (header: [String], rows: [[String]])] = [:]
        var changed = 0
        for change in changes {
            let collection = change.collection
            var table = try tables[collection] ?? load(collection)
            var keyColumns: [(Int, String)] = []
            for (field, value) in change.key {
                guard let index = table.header.firstIndex(of: field) else {
                    throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: "\(collection).\(field)")
                }
                keyColumns.append((index, value))
            }
            let matches = table.rows.indices.filter { row in
                !keyColumns.isEmpty && keyColumns.allSatisfy { index, value in index < table.rows[row].count && table.rows[row][index] == value }
            }
            try SQLSourceReader.expectOne(matches.count, collection: collection, key: change.keyNames)
            switch change {
            case .update(_, _, let values):
                for (field, _) in values where !table.header.contains(field) {
                    throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: "\(collection).\(field)")
                }
                for index in matches {
                    for (field, value) in values {
                        let column = table.header.firstIndex(of: field)!
                        while table.rows[index].count <= column { table.rows[index].append("") }
                        table.rows[index][column] = value ?? ""
                    }
                }
            case .delete:
                table.rows.remove(at: matches[0])
            }
            changed += matches.count
            tables[collection] = table
        }
        var staged: [(URL, URL)] = []
        defer { for (temporary, _) in staged { try? FileManager.default.removeItem(at: temporary) } }
        for (collection, table) in tables {
            let target = folder.appendingPathComponent("\(collection).csv")
            let temporary = folder.appendingPathComponent(".\(collection).csv.steward-\(UUID().uuidString)")
            staged.append((temporary, target))
            try Data(CSVText.render([table.header] + table.rows).utf8).write(to: temporary)
            // Keep the file's permissions.
            if let mode = try? FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] {
                try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
            }
        }
        for (temporary, target) in staged {
            // rename(2) replaces the file in one step on the same file system.
            guard rename(temporary.path, target.path) == 0 else {
                throw StewardError(.unavailable, "cannot replace \(target.lastPathComponent) (error \(errno))", field: target.lastPathComponent)
            }
        }
        for (collection, table) in tables { self.tables[collection] = table }
        return changed
    }

    public func ping() async throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StewardError(.unavailable, "the folder \(folder.path) does not exist")
        }
    }

    func load(_ collection: String) throws -> (header: [String], rows: [[String]]) {
        if let table = tables[collection] { return table }
        let url = folder.appendingPathComponent("\(collection).csv")
        guard !collection.contains("/"), !collection.hasPrefix(".") else {
            throw StewardError(.invalidInput, "'\(collection)' cannot name a CSV file in the source's folder", field: collection)
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StewardError(.invalidInput, "there is no \(collection).csv in \(folder.path)", field: collection)
        }
        // Decoded strictly: a file in another encoding is refused rather than rewritten with its
        // characters replaced.
        guard let text = String(data: data, encoding: .utf8) else {
            throw StewardError(.invalidInput, "\(collection).csv is not UTF-8; save it as UTF-8 first", field: collection)
        }
        var records = try CSVText.parse(text, file: url.lastPathComponent)
        guard !records.isEmpty else { throw StewardError(.invalidInput, "\(url.lastPathComponent) has no header row", field: collection) }
        let header = records.removeFirst()
        tables[collection] = (header, records)
        return (header, records)
    }
}

/// The C library's `close`, named apart from the readers' own `close()`.
private func closeFile(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(descriptor)
    #else
        Darwin.close(descriptor)
    #endif
}
