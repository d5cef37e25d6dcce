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
    func read<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// Runs reads inside one transaction, so they see one consistent snapshot.
    func snapshot<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// Runs a write transaction: committed when `body` returns, rolled back when it throws.
    func write<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// A write transaction with no deadline of its own: migrations and the first start's re-sealing,
    /// which take as long as the database is large.
    func longWrite<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    /// Asks the database for `SELECT 1`, failing when no answer comes within `limit`.
    func ping(within limit: Duration) async throws
    /// Closes every connection.
    func close() async
}

extension DatabaseHandle {
    public func longWrite<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await write(body)
    }

    public func ping(within limit: Duration) async throws {
        _ = try await read { database in try await database.raw("SELECT 1 AS one").first() }
    }
}

/// Opens the database a configuration names.
/// On PostgreSQL, a new connection has `connectTimeout` to answer, and each read or write
/// `callTimeout` to finish. The store and the sources pass their configured limits; the defaults
/// are for tools that set up databases (the benchmarks, the tests).
public func openDatabase(
    _ location: DatabaseLocation,
    logger: Logger,
    connectTimeout: Duration = .seconds(60),
    callTimeout: Duration = .seconds(600)
) async throws -> any DatabaseHandle {
    switch location {
    case .sqlite(let path): try await SQLiteHandle.open(path: path, logger: logger)
    case .postgres(let url): try await PostgresHandle.open(url: url, logger: logger, connectTimeout: connectTimeout, callTimeout: callTimeout)
    }
}
