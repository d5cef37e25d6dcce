public import Foundation
public import Logging
import SQLKit
public import StewardCore

/// A connection to one council source: it reads rows for searches and says what it lacks.
public protocol SourceConnection: CollectionReader {
    /// Throws unless the source answers.
    func ping() async throws
    /// Every declared collection or field the source does not have.
    func missing(in collections: [Dataset.Collection]) async -> [SourceCheck.Problem]
    func close() async
}

/// Reads a council database (PostgreSQL or SQLite) for a person search. Every value is bound as a
/// parameter and every name is quoted as an identifier, so nothing in a request or a dataset file
/// can change the query. Values are compared in the column's declared type, so indexes serve.
public final class SQLSourceReader: SourceConnection {
    let handle: any DatabaseHandle

    init(handle: any DatabaseHandle) {
        self.handle = handle
    }

    /// Connects to the database at `location`.
    public static func connect(_ location: DatabaseLocation, logger: Logger) async throws -> SQLSourceReader {
        SQLSourceReader(handle: try await openDatabase(location, logger: logger))
    }

    public func close() async {
        await handle.close()
    }

    public func ping() async throws {
        _ = try await handle.read { database in try await database.raw("SELECT 1 AS one").all() }
    }

    public func missing(in collections: [Dataset.Collection]) async -> [SourceCheck.Problem] {
        var problems: [SourceCheck.Problem] = []
        for collection in collections where !collection.skipProcessing {
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
        let binds = values.compactMap { Self.bind($0, as: type) }
        guard !binds.isEmpty else { return [] }
        let columns = SQLList(fields.map { SQLAlias(SQLFunction("CAST", args: SQLRaw("\(SQLIdentifierText($0)) AS TEXT")), as: SQLIdentifier($0)) })
        let query =
            SQLQueryString("SELECT ") + "\(columns)" + " FROM " + "\(ident: collection)" + " WHERE " + "\(ident: field)" + " IN "
            + "\(SQLGroupExpression(SQLList(binds.map { SQLBind($0) })))"
        return try await handle.read { database in
            try await database.raw(query).all().map { row in
                var values: [String: String] = [:]
                for name in fields {
                    if let value = try row.decode(column: name, as: String?.self) { values[name] = value }
                }
                return values
            }
        }
    }

    /// A value in the type of the column it is compared with; nil when it cannot be one (a name
    /// searched in a number column finds nothing rather than failing).
    static func bind(_ value: String, as type: Dataset.DataType?) -> any Encodable & Sendable {
        switch type?.base {
        case .integer?: return Int64(value).map { $0 as any Encodable & Sendable } ?? Optional<Int64>.none
        case .float?: return Double(value).map { $0 as any Encodable & Sendable } ?? Optional<Double>.none
        case .boolean?:
            return ["true": true, "false": false, "1": true, "0": false][value.lowercased()].map { $0 as any Encodable & Sendable }
                ?? Optional<Bool>.none
        default: return value
        }
    }
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

    public func ping() async throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StewardError(.unavailable, "the folder \(folder.path) does not exist")
        }
    }

    func load(_ collection: String) throws -> (header: [String], rows: [[String]]) {
        if let table = tables[collection] { return table }
        let url = folder.appendingPathComponent("\(collection).csv")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StewardError(.invalidInput, "there is no \(collection).csv in \(folder.path)", field: collection)
        }
        var records = try CSV.parse(String(decoding: data, as: UTF8.self), file: url.lastPathComponent)
        guard !records.isEmpty else { throw StewardError(.invalidInput, "\(url.lastPathComponent) has no header row", field: collection) }
        let header = records.removeFirst()
        tables[collection] = (header, records)
        return (header, records)
    }
}

/// RFC 4180 CSV: fields separated by commas, quoted with `"` when they hold commas, quotes or line
/// breaks, a quote inside a quoted field written twice; lines end with CRLF or LF.
enum CSV {
    static func parse(_ text: String, file: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var characters = text.makeIterator()
        var pending: Character? = characters.next()
        var fieldStarted = false
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where !fieldStarted:
                quoted = true
                fieldStarted = true
            case ",":
                record.append(field)
                field = ""
                fieldStarted = false
            case "\n", "\r\n", "\r":
                record.append(field)
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
                field = ""
                fieldStarted = false
                line += 1
            default:
                field.append(character)
                fieldStarted = true
            }
        }
        if quoted { throw StewardError(.invalidInput, "\(file) line \(line): a quoted field is not closed", field: file) }
        if fieldStarted || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
