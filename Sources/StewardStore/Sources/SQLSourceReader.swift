import Foundation
public import Logging
import SQLKit
public import StewardCore
import Synchronization

/// Reads a council database (PostgreSQL or SQLite) for a person search. Every value is bound as a
/// parameter and every name is quoted as an identifier, so nothing in a request or a dataset file
/// can change the query. Values are compared in the column's declared type, so indexes serve.
public final class SQLSourceReader: SourceConnection, @unchecked Sendable {
    let handle: any DatabaseHandle
    let name: SourceName
    /// Kept by a `SourcePool` between runs: `close()` then gives it back instead of closing it.
    /// Both are set once, before the pool first lends it.
    var pooled = false
    var release: (@Sendable () async -> Void)?

    init(handle: any DatabaseHandle, name: SourceName) {
        self.handle = handle
        self.name = name
    }

    /// Connects to the database at `location`, for the source `name` (used in the words of errors).
    /// A council's SQLite file keeps its own journal mode and settings.
    /// A PostgreSQL server that does not answer within `connectTimeout` is an error saying so; one
    /// statement may take up to ten minutes (a search of a large, unindexed table).
    public static func connect(
        _ location: DatabaseLocation,
        name: SourceName,
        logger: Logger,
        connectTimeout: Duration = .seconds(5)
    ) async throws -> SQLSourceReader {
        switch location {
        case .sqlite(let path):
            SQLSourceReader(handle: try await SQLiteHandle.open(path: path, logger: logger, ownDatabase: false), name: name)
        case .postgres:
            SQLSourceReader(
                handle: try await openDatabase(location, logger: logger, connectTimeout: connectTimeout, callTimeout: .seconds(600)),
                name: name
            )
        }
    }

    /// Closes the connection, or gives it back to the pool that lent it.
    public func close() async {
        if pooled { await release?() } else { await handle.close() }
    }

    /// Closes the connection, kept or not.
    func shutDown() async {
        await handle.close()
    }

    public func ping() async throws {
        _ = try await handle.read { database in try await database.raw("SELECT 1 AS one").all() }
    }

    public func apply(_ changes: [RowChange], types: [String: Dataset.DataType], rollingBack: Bool) async throws -> Int {
        guard !changes.isEmpty else { return 0 }
        let dialect = handle.dialect
        let name = self.name
        // The change being made when the database refused, for the words of the error.
        let current = Current()
        do {
            return try await write(changes, types: types, dialect: dialect, current: current, rollingBack: rollingBack)
        } catch let rolledBack as RolledBack {
            return rolledBack.changed
        } catch {
            let change = await current.change
            let collection = change?.collection ?? changes[0].collection
            throw SourceFailure.error(
                error,
                .unavailable,
                "the database refused a change to \(collection)\(change.map { " by \($0.keyNames)" } ?? ""); nothing in this source was changed",
                source: name,
                field: name.place(collection)
            )
        }
    }

    /// The change `apply` was making, kept across the transaction's closure.
    actor Current {
        var change: RowChange?
        func set(_ change: RowChange) { self.change = change }
    }

    /// Thrown at the end of a dry run's transaction, so the database rolls every change back.
    struct RolledBack: Error {
        var changed: Int
    }

    func write(
        _ changes: [RowChange],
        types: [String: Dataset.DataType],
        dialect: Dialect,
        current: Current,
        rollingBack: Bool
    ) async throws -> Int {
        try await handle.write { database in
            var changed = 0
            for change in changes {
                await current.set(change)
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
                guard let condition else {
                    throw StewardError(.invalidInput, "a change to \(collection) has no key", field: self.name.place(collection))
                }
                let rows: [any SQLRow]
                switch change {
                case .update(_, _, let values):
                    guard !values.isEmpty else {
                        throw StewardError(.invalidInput, "a change to \(collection) sets no field", field: self.name.place(collection))
                    }
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
                try Self.expectOne(rows.count, collection: collection, key: change.keyNames, place: self.name.place(collection))
                changed += rows.count
            }
            if rollingBack { throw RolledBack(changed: changed) }
            return changed
        }
    }

    /// Each change is to exactly one row: a key that matches none or several (a key that is not
    /// really unique) rolls the whole transaction back.
    static func expectOne(_ count: Int, collection: String, key: String, place: String) throws {
        guard count == 1 else {
            throw StewardError(
                .conflict,
                "a change by \(key) matched \(count) rows of \(collection), not one; nothing in this source was changed",
                field: "\(place).\(key)"
            )
        }
    }

    /// Sends, on no rows, each shape of statement a run will send to `dataset` (resolved by this
    /// source's schema): a search by every field a search can look in, and a change to every field a
    /// change can write, picked out by the primary key, each rolled back. So a check that finds no
    /// problem means no run will fail on a type, a name or a key.
    public func probe(_ dataset: Dataset) async -> [SourceCheck.Problem] {
        var problems: [SourceCheck.Problem] = []
        let dialect = handle.dialect
        var referenced: Set<String> = []
        for collection in dataset.collections {
            for (_, field) in collection.allFields {
                for reference in field.references where reference.dataset == dataset.key {
                    referenced.insert("\(reference.collection).\(reference.field)")
                }
            }
        }
        func sample(_ type: Dataset.DataType?) -> (any SQLExpression)? {
            let text: String =
                switch type?.base {
                case .integer?, .float?: "1"
                case .boolean?: "true"
                case .date?: "2000-01-01"
                case .datetime?: "2000-01-01 00:00:00"
                default: "x"
                }
            return Self.expression(text, as: type, in: dialect)
        }
        for collection in dataset.collections where !collection.skipProcessing {
            let fields = collection.allFields.filter { $0.field.fields.isEmpty }
            let columns = SQLList(
                fields.map { SQLAlias(SQLFunction("CAST", args: SQLRaw("\(SQLIdentifierText($0.path)) AS TEXT")), as: SQLIdentifier($0.path)) }
            )
            let keys = fields.filter(\.field.isPrimaryKey)
            for (path, field) in fields
            where field.identity != nil || !field.references.isEmpty || field.isPrimaryKey || referenced.contains("\(collection.name).\(path)") {
                guard let value = sample(field.dataType) else { continue }
                let query =
                    SQLQueryString("SELECT ") + "\(columns)" + " FROM " + "\(ident: collection.name)" + " WHERE " + "\(ident: path)" + " IN ("
                    + "\(value)" + ") AND 1 = 0"
                do {
                    _ = try await handle.read { database in try await database.raw(query).all() }
                } catch {
                    let reason = SourceFailure.reason(error) ?? "the source refused it"
                    problems.append(.init(collection: collection.name, field: path, message: "a search by '\(path)' fails: \(reason)"))
                }
            }
            guard !keys.isEmpty else { continue }
            let condition = keys.compactMap { key in sample(key.field.dataType).map { SQLBinaryExpression(SQLIdentifier(key.path), .equal, $0) } }
                .reduce(SQLBinaryExpression(SQLLiteral.numeric("1"), .equal, SQLLiteral.numeric("0")) as any SQLExpression) {
                    SQLBinaryExpression($0, .and, $1)
                }
            // A deletion, and a change to each field a change may write, picked out by the key.
            var statements: [(field: String?, what: String, statement: SQLQueryString)] = [
                (nil, "a deletion", SQLQueryString("DELETE FROM ") + "\(ident: collection.name)" + " WHERE " + "\(condition)")
            ]
            for (path, field) in fields where !field.isPrimaryKey && field.references.isEmpty && !field.isReadOnly {
                guard let value = sample(field.dataType) else { continue }
                statements.append(
                    (
                        path,
                        "a change to '\(path)'",
                        SQLQueryString("UPDATE ") + "\(ident: collection.name)" + " SET " + "\(ident: path)" + " = " + "\(value)" + " WHERE "
                            + "\(condition)"
                    )
                )
            }
            for (field, what, statement) in statements {
                do {
                    _ = try await handle.write { database -> Int in
                        try await database.raw(statement).run()
                        throw RolledBack(changed: 0)
                    }
                } catch is RolledBack {
                    continue
                } catch {
                    let reason = SourceFailure.reason(error) ?? "the source refused it"
                    problems.append(.init(collection: collection.name, field: field, message: "\(what) fails: \(reason)"))
                }
            }
        }
        return problems
    }

    /// The columns a run read last, kept for a moment on a pooled connection: requests that
    /// follow one another closely (a morning's queue of them) read the catalogue once between
    /// them. A column changed in that moment makes the database refuse a statement, named, never a
    /// wrong value.
    private let recent = Mutex<(tables: [String], schema: SourceSchema, at: ContinuousClock.Instant)?>(nil)
    static let schemaReuse: Duration = .seconds(2)

    public func schema(of tables: [String]) async throws -> SourceSchema {
        if pooled, let hit = recent.withLock({ $0 }), hit.tables == tables, ContinuousClock.now - hit.at < Self.schemaReuse {
            return hit.schema
        }
        let schema = try await readSchema(of: tables)
        if pooled { recent.withLock { $0 = (tables, schema, .now) } }
        return schema
    }

    /// The columns, types and keys as the database says them now, never reused.
    public func readSchema(of tables: [String]) async throws -> SourceSchema {
        guard !tables.isEmpty else { return SourceSchema(tables: []) }
        let names = SQLGroupExpression(SQLList(tables.map { SQLBind($0) }))
        let query: SQLQueryString
        switch handle.dialect {
        case .postgres:
            // The catalogue, not information_schema: one quick query, primary key order included.
            query =
                """
                SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type_name,
                       NOT a.attnotnull AS nullable, COALESCE(k.position, 0)::int8 AS key_position
                FROM pg_class c
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
                LEFT JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) ON k.attnum = a.attnum
                WHERE c.relname IN \(names) AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND pg_table_is_visible(c.oid)
                ORDER BY c.relname, a.attnum
                """
        case .sqlite:
            query =
                """
                SELECT m.name AS table_name, p.name AS column_name, p.type AS type_name, p."notnull" = 0 AS nullable, p.pk AS key_position
                FROM sqlite_master m JOIN pragma_table_info(m.name) p
                WHERE m.type IN ('table', 'view') AND m.name IN \(names)
                ORDER BY m.name, p.cid
                """
        }
        do {
            let rows = try await handle.read { database in try await database.raw(query).all() }
            var columns: [String: [SourceSchema.Column]] = [:]
            var keys: [String: [(Int, String)]] = [:]
            for row in rows {
                let table = try row.decode(column: "table_name", as: String.self)
                let column = try row.decode(column: "column_name", as: String.self)
                let type = try row.decode(column: "type_name", as: String?.self) ?? ""
                let nullable = try row.decode(column: "nullable", as: Bool.self)
                let position = try row.decode(column: "key_position", as: Int.self)
                columns[table, default: []].append(
                    .init(
                        name: column,
                        declared: type,
                        type: SourceSchema.dataType(sql: type),
                        nullable: nullable && position == 0,
                        maximumLength: SourceSchema.maximumLength(sql: type)
                    )
                )
                if position > 0 { keys[table, default: []].append((position, column)) }
            }
            return SourceSchema(
                tables: columns.map { table, list in
                    .init(name: table, columns: list, primaryKey: (keys[table] ?? []).sorted { $0.0 < $1.0 }.map(\.1))
                }
            )
        } catch {
            throw SourceFailure.error(error, .unavailable, "the tables' columns could not be read", source: name, field: "sources.\(name.id)")
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
            // The database's reason, with any value it quotes taken out.
            throw SourceFailure.error(
                error,
                .unavailable,
                "\(collection) could not be read by \(field)",
                source: name,
                field: name.place(collection, field)
            )
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
        // A decimal on PostgreSQL (numeric, or a float column) is written as an untyped literal,
        // checked to be a number first, so it is compared exactly in the column's own type rather
        // than rounded to a double.
        if dialect == .postgres, type?.base == .float {
            return Double(value).map { $0.isFinite } == true ? SQLLiteral.string(value) : nil
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
