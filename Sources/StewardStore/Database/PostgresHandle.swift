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

    private init(client: PostgresClient, runTask: Task<Void, Never>, logger: Logger) {
        self.client = client
        self.runTask = runTask
        self.logger = logger
    }

    static func open(url: String, logger: Logger) async throws -> PostgresHandle {
        let configuration = try configuration(from: url)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        let handle = PostgresHandle(client: client, runTask: runTask, logger: logger)
        do {
            _ = try await handle.read { database in try await database.raw("SELECT 1 AS one").all() }
        } catch {
            await handle.close()
            throw StewardError(
                .unavailable,
                "cannot connect to PostgreSQL (\(DatabaseLocation.postgres(url: url))): \(String(reflecting: error))",
                field: "database_url"
            )
        }
        return handle
    }

    /// Reads `postgres://user:password@host:port/database?sslmode=…`.
    static func configuration(from url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw StewardError(.invalidConfiguration, "database_url is not a valid postgres:// URL", field: "database_url")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer", "allow", "require":
            // As libpq: these encrypt but do not verify the server's certificate.
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            tls = mode == "require" ? .require(unverified) : .prefer(unverified)
        case "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default:
            throw StewardError(
                .invalidConfiguration,
                "database_url sslmode '\(mode)' is not one of disable, allow, prefer, require, verify-ca, verify-full",
                field: "database_url"
            )
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
        configuration.options.maximumConnections = 16
        return configuration
    }

    func read<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    func snapshot<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await unwrapped {
            try await client.withTransaction(logger: logger) { connection in
                let database = connection.sql(queryLogLevel: nil)
                try await database.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").run()
                return try await body(database)
            }
        }
    }

    func write<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await unwrapped {
            try await client.withTransaction(logger: logger) { connection in
                try await body(connection.sql(queryLogLevel: nil))
            }
        }
    }

    /// PostgresNIO wraps an error thrown inside a transaction; callers should see the error itself,
    /// as they do on SQLite, once the transaction has been rolled back.
    private func unwrapped<Result>(_ body: () async throws -> Result) async throws -> Result {
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
