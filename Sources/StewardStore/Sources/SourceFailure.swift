import Foundation
import PostgresNIO
import SQLiteNIO
public import StewardCore

/// Where a council source is, for the words of an error: the source's id and the dataset it holds.
public struct SourceName: Sendable, Hashable {
    public var id: String
    public var dataset: String

    public init(id: String, dataset: String) {
        self.id = id
        self.dataset = dataset
    }

    public init(_ source: DataSource) {
        self.init(id: source.id.rawValue, dataset: source.dataset.rawValue)
    }

    /// `dataset.collection.field`, the field an error names.
    func place(_ collection: String, _ field: String? = nil) -> String {
        ([dataset, collection] + (field.map { [$0] } ?? [])).joined(separator: ".")
    }
}

/// The database's own reason for a failure, in words safe to show: PostgreSQL's SQLSTATE and
/// message, or SQLite's result code and message, with any value the message quotes taken out
/// (`invalid input syntax for type integer: "…"`). Driver boilerplate never reaches a person.
enum SourceFailure {
    static func reason(_ error: any Error) -> String? {
        if let error = error as? PSQLError {
            guard let info = error.serverInfo else { return "the connection failed (\(error.code.description))" }
            let state = info[.sqlState] ?? "?????"
            // Messages of these classes name things — a column, a type, a privilege, a lock — never
            // a row's values; others (a trigger's own words, data exceptions) may quote them, so
            // only the constraint, table and column they name are given.
            if ["42", "40", "53", "55", "57", "08", "25"].contains(String(state.prefix(2))) {
                return "SQLSTATE \(state): \(scrubbed(info[.message] ?? "no message"))"
            }
            let names = [("constraint", info[.constraintName]), ("table", info[.tableName]), ("column", info[.columnName])]
                .compactMap { label, value in value.map { "\(label) \($0)" } }
            return "SQLSTATE \(state)" + (names.isEmpty ? "" : " (\(names.joined(separator: ", ")))")
        }
        if let error = error as? SQLiteError { return "SQLite \(error.reason): \(scrubbed(error.message))" }
        if let error = error as? StewardError, let underlying = error.underlying { return reason(underlying) }
        return nil
    }

    /// A message with every `: "value"` it quotes cut out, and at most 300 characters long.
    static func scrubbed(_ message: String) -> String {
        var text = ""
        var rest = Substring(message)
        while let start = rest.range(of: ": \"") {
            text += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "\"") else {
                rest = ""
                break
            }
            rest = after[after.index(after: end)...]
        }
        text += rest
        return String(text.prefix(300))
    }

    /// A Steward error for a failed read or change: what was being done, where, and the database's
    /// reason. An error that is already Steward's own is kept as it is.
    static func error(
        _ error: any Error,
        _ code: StewardError.Code,
        _ doing: String,
        source: SourceName,
        field: String
    ) -> StewardError {
        if let error = error as? StewardError { return error }
        let reason = Self.reason(error).map { ": \($0)" } ?? ""
        return StewardError(code, "source '\(source.id)': \(doing)\(reason)", field: field, underlying: error)
    }
}
