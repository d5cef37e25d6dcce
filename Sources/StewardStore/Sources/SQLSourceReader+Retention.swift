import SQLKit
public import StewardCore

/// Retention on a council database: due rows read in primary-key order a batch at a time (keyset
/// pagination, so a sweep's memory does not grow with the table), and each batch disposed of in one
/// transaction, children first, every row checked again to be due as it goes.
extension SQLSourceReader: RetentionSource {
    /// A column of the scan's collection, named with its table: the query's own columns are
    /// aliased by the same names (cast to text), and SQLite's ORDER BY would take the alias.
    func column(_ field: String, _ scan: RetentionScan) -> SQLColumn {
        SQLColumn(SQLIdentifier(field), table: SQLIdentifier(scan.collection))
    }

    /// The trigger is before the scan's date (a date-time on the cut-off day included).
    func dueCondition(_ scan: RetentionScan) -> any SQLExpression {
        let before: any SQLExpression = handle.dialect == .postgres ? SQLLiteral.string(scan.before) : SQLBind(scan.before)
        var condition: any SQLExpression = SQLBinaryExpression(column(scan.trigger, scan), .lessThan, before)
        if handle.dialect == .sqlite {
            // Text that is not a date ('', 'unknown') sorts after digits in SQLite: only ISO dates are due.
            condition = SQLBinaryExpression(condition, .and, SQLBinaryExpression(column(scan.trigger, scan), .greaterThanOrEqual, SQLBind("0")))
        }
        if !scan.masks.isEmpty {
            // Only rows with something left to mask: one anonymised is never changed twice.
            let left = scan.masks.sorted { $0.key < $1.key }.map { field, value -> any SQLExpression in
                let present = SQLBinaryExpression(column(field, scan), .isNot, SQLLiteral.null)
                guard let value else { return present }
                let written = Self.expression(value, as: scan.types["\(scan.collection).\(field)"], in: handle.dialect) ?? SQLBind(value)
                return SQLGroupExpression(SQLBinaryExpression(present, .and, SQLBinaryExpression(column(field, scan), .notEqual, written)))
            }.reduce(nil as (any SQLExpression)?) { all, next in all.map { SQLBinaryExpression($0, .or, next) } ?? next }
            if let left { condition = SQLBinaryExpression(condition, .and, SQLGroupExpression(left)) }
        }
        return condition
    }

    func value(_ text: String, of field: String, in collection: String, _ types: [String: Dataset.DataType]) -> any SQLExpression {
        Self.expression(text, as: types["\(collection).\(field)"], in: handle.dialect) ?? SQLLiteral.null
    }

    public func dueRows(_ scan: RetentionScan, after: [String]?, limit: Int) async throws -> [[String: String]] {
        let columns = SQLList(
            scan.fields.map { SQLAlias(SQLFunction("CAST", args: SQLRaw("\(SQLIdentifierText($0)) AS TEXT")), as: SQLIdentifier($0)) }
        )
        var condition = dueCondition(scan)
        if let after, after.count == scan.keyFields.count {
            let keys = SQLGroupExpression(SQLList(scan.keyFields.map { column($0, scan) }))
            let values = SQLGroupExpression(
                SQLList(zip(scan.keyFields, after).map { field, text in value(text, of: field, in: scan.collection, scan.types) })
            )
            condition = SQLBinaryExpression(condition, .and, SQLBinaryExpression(keys, .greaterThan, values))
        }
        let order = SQLList(scan.keyFields.map { column($0, scan) })
        let query =
            SQLQueryString("SELECT ") + "\(columns)" + " FROM " + "\(ident: scan.collection)" + " WHERE " + "\(condition)" + " ORDER BY " + "\(order)"
            + " LIMIT " + "\(literal: limit)"
        do {
            return try await handle.read { database in
                try await database.raw(query).all().map { row in
                    var values: [String: String] = [:]
                    for name in scan.fields {
                        if let value = try row.decode(column: name, as: String?.self) { values[name] = value }
                    }
                    return values
                }
            }
        } catch {
            throw SourceFailure.error(
                error,
                .unavailable,
                "the rows of \(scan.collection) past their period could not be read",
                source: name,
                field: name.place(scan.collection, scan.trigger)
            )
        }
    }

    public func counts(_ scan: RetentionScan) async throws -> RetentionCounts {
        let trigger = column(scan.trigger, scan)
        let empty: any SQLExpression =
            handle.dialect == .postgres
            ? SQLBinaryExpression(trigger, .is, SQLLiteral.null)
            : SQLBinaryExpression(SQLBinaryExpression(trigger, .is, SQLLiteral.null), .or, SQLBinaryExpression(trigger, .equal, SQLBind("")))
        let due = dueCondition(scan)
        let query =
            SQLQueryString("SELECT COALESCE(SUM(CASE WHEN ") + "\(due)" + " THEN 1 ELSE 0 END), 0) AS due, COALESCE(SUM(CASE WHEN " + "\(empty)"
            + " THEN 1 ELSE 0 END), 0) AS empty, CAST(MIN(CASE WHEN " + "\(due)" + " THEN " + "\(trigger)" + " END) AS TEXT) AS oldest FROM "
            + "\(ident: scan.collection)"
        do {
            return try await handle.read { database in
                guard let row = try await database.raw(query).first() else { return RetentionCounts(due: 0, emptyTrigger: 0, oldest: nil) }
                return RetentionCounts(
                    due: try row.decode(column: "due", as: Int.self),
                    emptyTrigger: try row.decode(column: "empty", as: Int.self),
                    oldest: try row.decode(column: "oldest", as: String?.self)
                )
            }
        } catch {
            throw SourceFailure.error(
                error,
                .unavailable,
                "\(scan.collection) could not be counted by \(scan.trigger)",
                source: name,
                field: name.place(scan.collection, scan.trigger)
            )
        }
    }

    public func dispose(_ disposal: Disposal, rollingBack: Bool) async throws -> DisposalResult {
        let scan = disposal.scan
        guard !disposal.keys.isEmpty else { return DisposalResult(keys: [], dependents: [:]) }
        // The rows asked for that are still due.
        let picked: any SQLExpression
        if scan.keyFields.count == 1, let field = scan.keyFields.first {
            picked = SQLBinaryExpression(
                SQLIdentifier(field),
                .in,
                SQLGroupExpression(SQLList(disposal.keys.map { value($0[0], of: field, in: scan.collection, scan.types) }))
            )
        } else {
            picked = SQLGroupExpression(
                disposal.keys.map { key in
                    zip(scan.keyFields, key).map { field, text -> any SQLExpression in
                        SQLBinaryExpression(SQLIdentifier(field), .equal, value(text, of: field, in: scan.collection, scan.types))
                    }.reduce(nil as (any SQLExpression)?) { all, next in all.map { SQLBinaryExpression($0, .and, next) } ?? next }
                        .map { SQLGroupExpression($0) as any SQLExpression } ?? SQLLiteral.boolean(false)
                }.reduce(nil as (any SQLExpression)?) { all, next in all.map { SQLBinaryExpression($0, .or, next) } ?? next }
                    ?? SQLLiteral.boolean(false)
            )
        }
        let condition = SQLBinaryExpression(picked, .and, dueCondition(scan))
        let name = self.name
        let dialect = handle.dialect
        do {
            return try await handle.write { database in
                var dependents: [String: Int] = [:]
                /// Runs a DELETE or UPDATE and returns how many rows it changed, counted by the
                /// database: the rows themselves are not sent back (SQLite's RETURNING buffers
                /// every row, which cost more than the deletion).
                func changing(_ statement: SQLQueryString) async throws -> Int {
                    switch dialect {
                    case .postgres:
                        let counted = try await database.raw("WITH changed AS (" + statement + " RETURNING 1) SELECT COUNT(*) AS n FROM changed")
                            .first()
                        return try counted?.decode(column: "n", as: Int.self) ?? 0
                    case .sqlite:
                        try await database.raw(statement).run()
                        return try await database.raw("SELECT changes() AS n").first()?.decode(column: "n", as: Int.self) ?? 0
                    }
                }
                // Children first, deepest first: rows pointing at rows that are going.
                func deleteChildren(_ children: [RetentionTarget.Child], parents: any SQLExpression) async throws {
                    for child in children {
                        let pointing = SQLBinaryExpression(SQLIdentifier(child.field), .in, SQLGroupExpression(parents))
                        if child.keyFields.count == 1, let key = child.keyFields.first, !child.children.isEmpty {
                            let keys =
                                SQLQueryString("SELECT ") + "\(ident: key)" + " FROM " + "\(ident: child.collection)" + " WHERE " + "\(pointing)"
                            try await deleteChildren(child.children, parents: keys)
                        }
                        dependents[child.collection, default: 0] += try await changing(
                            "DELETE FROM " + "\(ident: child.collection)" + " WHERE " + "\(pointing)"
                        )
                    }
                }
                let changed: Int
                if disposal.anonymise {
                    let assignments = SQLList(
                        scan.masks.sorted { $0.key < $1.key }.map { field, masked in
                            SQLBinaryExpression(
                                SQLIdentifier(field),
                                .equal,
                                masked.map { self.value($0, of: field, in: scan.collection, scan.types) } ?? SQLLiteral.null
                            )
                        }
                    )
                    changed = try await changing("UPDATE " + "\(ident: scan.collection)" + " SET " + "\(assignments)" + " WHERE " + "\(condition)")
                } else {
                    if !disposal.children.isEmpty, let key = scan.keyFields.first {
                        let parents =
                            SQLQueryString("SELECT ") + "\(ident: key)" + " FROM " + "\(ident: scan.collection)" + " WHERE " + "\(condition)"
                        try await deleteChildren(disposal.children, parents: parents)
                    }
                    changed = try await changing("DELETE FROM " + "\(ident: scan.collection)" + " WHERE " + "\(condition)")
                }
                // Only the rows asked for can change, so when every one did, these are the keys.
                // Otherwise (a row's trigger changed, or it went, since it was read) the rows asked
                // for that are still there unchanged are read back in the same transaction.
                var keys = disposal.keys
                if changed != disposal.keys.count {
                    /// The keys of the rows `condition` picks out now, as text.
                    func present(where condition: any SQLExpression) async throws -> Set<[String]> {
                        let columns = SQLList(
                            scan.keyFields.map {
                                SQLAlias(SQLFunction("CAST", args: SQLRaw("\(SQLIdentifierText($0)) AS TEXT")), as: SQLIdentifier($0))
                            }
                        )
                        let rows = try await database.raw(
                            "SELECT " + "\(columns)" + " FROM " + "\(ident: scan.collection)" + " WHERE " + "\(condition)"
                        ).all()
                        return Set(try rows.map { row in try scan.keyFields.map { try row.decode(column: $0, as: String.self) } })
                    }
                    let there = try await present(where: picked)
                    let stillDue = try await present(where: condition)
                    // Deleted: no longer there. Anonymised: there, and no longer due (nothing left to mask).
                    keys = disposal.keys.filter { disposal.anonymise ? there.contains($0) && !stillDue.contains($0) : !there.contains($0) }
                }
                let result = DisposalResult(keys: keys, dependents: dependents)
                if rollingBack { throw RolledBackDisposal(result: result) }
                return result
            }
        } catch let rolledBack as RolledBackDisposal {
            return rolledBack.result
        } catch {
            throw SourceFailure.error(
                error,
                .unavailable,
                "the database refused to dispose of rows of \(scan.collection); nothing in this batch was changed",
                source: name,
                field: name.place(scan.collection)
            )
        }
    }

    /// Thrown at the end of a dry run's batch, so the database rolls it back.
    struct RolledBackDisposal: Error {
        var result: DisposalResult
    }
}
