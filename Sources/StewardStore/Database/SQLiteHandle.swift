import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import StewardCore
import Synchronization

/// Steward's SQLite database: one writer connection behind a lock (`BEGIN IMMEDIATE`, so other
/// processes wait too), a few reader connections taken in turn (WAL lets them read while the writer
/// writes), and one for snapshot transactions, so that a long verification never holds other reads in
/// its snapshot. WAL with `synchronous=FULL`: a commit is on disk before it is acknowledged.
final class SQLiteHandle: DatabaseHandle {
    let dialect = Dialect.sqlite
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let snapshotReader: SQLiteConnection
    private let writeLock = AsyncMutex()
    private let snapshotLock = AsyncMutex()
    private let logger: Logger

    /// Reader connections: enough to keep every core busy with reads.
    static let readerCount = max(2, ProcessInfo.processInfo.activeProcessorCount * 2)
    /// How long a write waits for another process (a second `serve`, or a command run beside it) to
    /// let go of the write lock. SQLite's waiters poll rather than queue, so a busy neighbour can keep
    /// one waiting longer than PostgreSQL would; reads never wait on writes in WAL mode.
    static let writeWait: Duration = .seconds(30)
    /// How long a read waits, which it does only while the file is being recovered.
    static let readWait: Duration = .seconds(10)

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], snapshotReader: SQLiteConnection, logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.snapshotReader = snapshotReader
        self.logger = logger
    }

    /// - Parameter ownDatabase: false for a council's file, which keeps its own journal mode and
    ///   settings: only a busy timeout is set.
    static func open(path: String, logger: Logger, ownDatabase: Bool = true) async throws -> SQLiteHandle {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            throw StewardError(.invalidConfiguration, "the folder for the SQLite database '\(path)' does not exist", field: "database_url")
        }
        do {
            let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let writerWait = "PRAGMA busy_timeout = \(writeWait.milliseconds)"
            let readerWait = SQLQueryString("PRAGMA busy_timeout = " + String(readWait.milliseconds))
            let pragmas =
                ownDatabase
                ? [writerWait, "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"]
                : [writerWait]
            for pragma in pragmas {
                try await writer.sql().raw(SQLQueryString(pragma)).run()
            }
            var readers: [SQLiteConnection] = []
            for _ in 0..<readerCount {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                try await reader.sql().raw(readerWait).run()
                readers.append(reader)
            }
            let snapshotReader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            try await snapshotReader.sql().raw(readerWait).run()
            return SQLiteHandle(writer: writer, readers: readers, snapshotReader: snapshotReader, logger: logger)
        } catch let error as StewardError {
            throw error
        } catch {
            throw StewardError(.unavailable, "cannot open the SQLite database at '\(path)': \(error)", field: "database_url")
        }
    }

    func read<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        let index = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count
        return try await body(readers[index].sql(queryLogLevel: nil))
    }

    func snapshot<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await Self.transaction(on: snapshotReader.sql(queryLogLevel: nil), lock: snapshotLock, begin: "BEGIN", body)
    }

    func write<Result: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result {
        // IMMEDIATE takes the write lock at once, so another process cannot slip in between our read
        // of the chain's end and our insert.
        try await Self.transaction(on: writer.sql(queryLogLevel: nil), lock: writeLock, begin: "BEGIN IMMEDIATE", body)
    }

    /// Runs `body` in a transaction on one connection, holding `lock` so no other task uses the
    /// connection meanwhile; commits on return, rolls back on error.
    private static func transaction<Result: Sendable>(
        on database: any SQLDatabase,
        lock: AsyncMutex,
        begin: String,
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await lock.withLock {
            do {
                try await database.raw(SQLQueryString(begin)).run()
            } catch let error as SQLiteError where error.reason == .busy || error.reason == .busyTimeout {
                throw StewardError(
                    .unavailable,
                    "another process held the SQLite database's write lock for longer than \(writeWait.words); this was not acknowledged, and nothing was changed",
                    underlying: error
                )
            }
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
        for reader in readers { try? await reader.close() }
        try? await snapshotReader.close()
    }
}
