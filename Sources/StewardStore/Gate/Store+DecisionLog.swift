import Foundation
import SQLKit
public import StewardCore

extension Store: DecisionLogRepository {
    /// Reads decisions newest first from the audit log: SQL narrows by action, day and the keys'
    /// text (the details are canonical JSON, so `"system":"key"` appears as written), and
    /// `DecisionLog.Query.matches` decides exactly. Reads page by page until the query's limit is
    /// met or the log runs out, so a rare match does not come back short.
    public func decisionLog(_ query: DecisionLog.Query) async throws -> [DecisionLog.Entry] {
        try await handle.read { database in
            var found: [DecisionLog.Entry] = []
            var before = query.before ?? Int64.max
            let page = max(query.limit * 4, 200)
            while found.count < query.limit {
                var sql = SQLQueryString("SELECT seq, time, actor, action, details FROM audit_entries WHERE seq < \(bind: before)")
                let actions = query.actions.map(\.rawValue)
                sql.appendLiteral(actions.count == 1 ? " AND action = " : " AND action IN (")
                for (index, action) in actions.enumerated() {
                    if index > 0 { sql.appendLiteral(", ") }
                    sql.appendInterpolation(bind: action)
                }
                if actions.count > 1 { sql.appendLiteral(")") }
                if let from = query.from {
                    sql.appendLiteral(" AND time >= ")
                    sql.appendInterpolation(bind: from.description)
                }
                if let until = query.until {
                    sql.appendLiteral(" AND time < ")
                    sql.appendInterpolation(bind: until.adding(days: 1).description)
                }
                for (name, key) in [
                    ("system", query.system?.rawValue), ("purpose", query.purpose?.rawValue), ("recipient", query.recipient?.rawValue),
                ] {
                    guard let key else { continue }
                    sql.appendLiteral(" AND details LIKE ")
                    sql.appendInterpolation(bind: Self.likePattern(name: name, value: key))
                    sql.appendLiteral(" ESCAPE '!'")
                }
                sql.appendLiteral(" ORDER BY seq DESC LIMIT ")
                sql.appendInterpolation(bind: page)
                let rows = try await database.raw(sql).all()
                for row in rows {
                    let seq = try row.decode(column: "seq", as: Int64.self)
                    before = seq
                    let details = try JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "details", as: String.self).utf8))
                    guard
                        let entry = DecisionLog.Entry(
                            seq: seq,
                            time: try row.decode(column: "time", as: String.self),
                            actor: try row.decode(column: "actor", as: String.self),
                            action: try row.decode(column: "action", as: String.self),
                            details: details
                        ), query.matches(entry)
                    else { continue }
                    found.append(entry)
                    if found.count == query.limit { break }
                }
                if rows.count < page { break }
            }
            return found
        }
    }

    /// A LIKE pattern for `"name":"value"` as the canonical JSON of an entry's details writes it
    /// (`JSONValue.writeString`), with LIKE's own characters escaped by `!`: it matches exactly the
    /// entries holding that pair (SQLite's LIKE ignores the case of ASCII letters; the exact test
    /// after it does not), so the narrowing is as tight as the filter, whatever the key holds.
    static func likePattern(name: String, value: String) -> String {
        var bytes: [UInt8] = []
        JSONValue.writeString(name, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
        JSONValue.writeString(value, into: &bytes)
        var pattern = "%"
        for character in String(decoding: bytes, as: UTF8.self) {
            if character == "!" || character == "%" || character == "_" { pattern.append("!") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}
