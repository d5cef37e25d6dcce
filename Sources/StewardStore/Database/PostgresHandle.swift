import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import StewardCore

/// Steward's PostgreSQL database: a `PostgresClient` pool. Several `steward serve` processes may share
/// one database; writes that must be serial (the audit chain, migrations) take an advisory lock.
final class PostgresHandle: DatabaseHandle {
    let dialect = Dialect.postgres
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger
    /// How long one read or write may take before its caller is told the database did not answer.
    let callTimeout: Duration

    private init(client: PostgresClient, runTask: Task<Void, Never>, logger: Logger, callTimeout: Duration) {
        self.client = client
        self.runTask = runTask
        self.logger = logger
        self.callTimeout = callTimeout
    }

    /// Opens a pool on the database at `url`. One connection is made first, on its own, so that a
    /// database that is down, refuses the password or does not answer says so in words within
    /// `connectTimeout`, instead of after the pool's retries; the pool is running by the time it
    /// is first asked for a connection.
    static func open(
        url: String,
        logger: Logger,
        connectTimeout: Duration = .seconds(5),
        callTimeout: Duration = .seconds(10)
    ) async throws -> PostgresHandle {
        let address = try PostgresAddress(url: url)
        var configuration = address.clientConfiguration
        configuration.options.connectTimeout = connectTimeout
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        let handle = PostgresHandle(client: client, runTask: runTask, logger: logger, callTimeout: callTimeout)
        do {
            try await address.check(within: connectTimeout, logger: logger)
        } catch {
            await handle.close()
            throw StewardError(
                .unavailable,
                "cannot connect to \(DatabaseLocation.postgres(url: url)): \(address.words(for: error, within: connectTimeout))",
                field: "database_url"
            )
        }
        return handle
    }

    /// Reads `postgres://user:password@host:port/database?sslmode=…`.
    static func configuration(from url: String) throws -> PostgresClient.Configuration {
        try PostgresAddress(url: url).clientConfiguration
    }

    func read<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await bounded("reading", within: callTimeout) { [client] in
            try await client.withConnection { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    func ping(within limit: Duration) async throws {
        try await bounded("answering a ping", within: limit) { [client] in
            try await client.withConnection { connection in _ = try await connection.query("SELECT 1", logger: Logger(label: "ping")).collect() }
        }
    }

    /// Long reads (verifying or exporting the whole log) have no deadline of their own.
    func snapshot<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await Self.unwrapped {
            try await client.withTransaction(logger: logger) { connection in
                let database = connection.sql(queryLogLevel: nil)
                try await database.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").run()
                return try await body(database)
            }
        }
    }

    func write<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await bounded("writing", within: callTimeout) { [client, logger] in
            try await Self.unwrapped {
                try await client.withTransaction(logger: logger) { connection in
                    try await body(connection.sql(queryLogLevel: nil))
                }
            }
        }
    }

    func longWrite<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await Self.unwrapped {
            try await client.withTransaction(logger: logger) { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    /// Runs one call with its deadline. A call that outlives it, or a connection that is lost, is
    /// `unavailable` (HTTP 503): the caller is told it was not acknowledged and that a change may or
    /// may not have been made, since the abandoned write can still commit. Nothing acknowledged is
    /// lost; a caller that tries again may repeat a change.
    private func bounded<Result: Sendable>(
        _ doing: String,
        within limit: Duration,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        do {
            return try await Deadline.run(within: limit, doing: doing, body)
        } catch let error as DeadlineExceeded {
            logger.warning("the database did not answer in time", metadata: ["doing": "\(doing)", "limit": "\(limit.words)"])
            throw StewardError(
                .unavailable,
                "the database did not answer within \(limit.words); this was not acknowledged, and a change may or may not have been made",
                underlying: error
            )
        } catch let error where Self.isConnectionFailure(error) {
            throw StewardError(
                .unavailable,
                "the connection to the database failed; this was not acknowledged, and a change may or may not have been made",
                underlying: error
            )
        }
    }

    /// The connection, not the statement, failed: the server went away, or the pool could make no
    /// connection (PostgresNIO's `ConnectionPoolError` is not public API, so it is known by name).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        switch error {
        case let error as PSQLError: error.serverInfo == nil
        case let error as PostgresTransactionError:
            [error.beginError, error.commitError, error.rollbackError].contains { $0.map(isConnectionFailure) ?? false }
        default: String(describing: type(of: error)) == "ConnectionPoolError"
        }
    }

    /// PostgresNIO wraps an error thrown inside a transaction; callers should see the error itself,
    /// as they do on SQLite, once the transaction has been rolled back.
    private static func unwrapped<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError, error.rollbackError == nil { throw closureError }
            throw error
        }
    }

    func close() async {
        runTask.cancel()
        _ = await runTask.value
    }
}
