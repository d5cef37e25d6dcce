import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import StewardCore

/// Steward's SQLite database: one writer connection behind a lock (`BEGIN IMMEDIATE`, so other
/// processes wait too) and one reader connection. WAL with `synchronous=FULL`: a commit is on disk
/// before it is acknowledged.
final class SQLiteHandle: DatabaseHandle {
    let dialect = Dialect.sqlite
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let writeLock = AsyncMutex()
    private let snapshotLock = AsyncMutex()
    private let logger: Logger

    private init(writer: SQLiteConnection, reader: SQLiteConnection, logger: Logger) {
        self.writer = writer
        self.reader = reader
        self.logger = logger
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteHandle {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw StewardError(.invalidConfiguration, "the folder for the SQLite database '\(path)' does not exist", field: "database_url")
        }
        do {
            let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"] {
                try await writer.sql().raw(SQLQueryString(pragma)).run()
            }
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            try await reader.sql().raw("PRAGMA busy_timeout = 10000").run()
            return SQLiteHandle(writer: writer, reader: reader, logger: logger)
        } catch let error as StewardError {
            throw error
        } catch {
            throw StewardError(.unavailable, "cannot open the SQLite database at '\(path)': \(error)", field: "database_url")
        }
    }

    func read<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await body(reader.sql(queryLogLevel: nil))
    }

    func snapshot<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        let database = reader.sql(queryLogLevel: nil)
        return try await snapshotLock.withLock {
            try await database.raw("BEGIN").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    func write<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        let database = writer.sql(queryLogLevel: nil)
        return try await writeLock.withLock {
            try await database.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(database)
                try await database.raw("COMMIT").run()
                return result
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    func close() async {
        try? await writer.close()
        try? await reader.close()
    }
}
