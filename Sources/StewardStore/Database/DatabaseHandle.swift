public import Logging
public import SQLKit
public import StewardCore

/// Which SQL dialect a database speaks; the few places where SQLite and PostgreSQL differ switch on it.
public enum Dialect: String, Sendable, Hashable {
    case sqlite
    case postgres
}

/// A connection to Steward's own database: reads, and write transactions that are serialised so that
/// the audit chain and migrations see one writer at a time, even across processes.
public protocol DatabaseHandle: Sendable {
    var dialect: Dialect { get }
    /// Runs reads outside a transaction.
    func read<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// Runs reads inside one transaction, so they see one consistent snapshot.
    func snapshot<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// Runs a write transaction: committed when `body` returns, rolled back when it throws.
    func write<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// Closes every connection.
    func close() async
}

/// Opens the database a configuration names.
public func openDatabase(_ location: DatabaseLocation, logger: Logger) async throws -> any DatabaseHandle {
    switch location {
    case .sqlite(let path): try await SQLiteHandle.open(path: path, logger: logger)
    case .postgres(let url): try await PostgresHandle.open(url: url, logger: logger)
    }
}
