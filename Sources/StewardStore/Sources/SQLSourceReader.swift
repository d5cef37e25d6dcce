import Foundation
public import Logging
import SQLKit
public import StewardCore

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
                        SQLIdentifier(field),
                        .equal,
                        // A key that cannot be of its column's type matches no row.
                        Self.expression(value, as: types["\(collection).\(field)"], in: dialect) ?? SQLLiteral.null
                    )
                }.reduce(nil as (any SQLExpression)?) { all, next in all.map { SQLBinaryExpression($0, .and, next) } ?? next }
                guard let condition else { throw StewardError(.invalidInput, "a change to \(collection) has no key", field: collection) }
                let rows: [any SQLRow]
                switch change {
                case .update(_, _, let values):
                    let assignments = SQLList(
                        values.sorted { $0.key < $1.key }.map { field, value in
                            SQLBinaryExpression(
                                SQLIdentifier(field),
                                .equal,
                                value.map { Self.expression($0, as: types["\(collection).\(field)"], in: dialect) ?? SQLBind($0) }
                                    ?? SQLLiteral.null
                            )
                        }
                    )
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
                .conflict,
                "a change by \(key) matched \(count) rows of \(collection), not one; nothing in this source was changed",
                field: "\(collection).\(key)"
            )
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
        collection: String,
        matching field: String,
        type: Dataset.DataType?,
        values: [String],
        fields: [String]
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
