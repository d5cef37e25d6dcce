public import Foundation
import Logging
import PostgresNIO
public import StewardCore
public import StewardStore

/// A throwaway database for one test, on the backend the test run names.
///
/// `STEWARD_TEST_DATABASE_URL=postgres://…` runs the tests on PostgreSQL: each test gets a database
/// of its own, created from that server and dropped afterwards. Unset, each test gets a new SQLite
/// file in a temporary folder.
public struct TestDatabase: Sendable {
    public let location: DatabaseLocation
    public let backend: String
    /// The data key the database's secrets are sealed with: every store opened on it uses it.
    public let dataKey = Secret.DataKey.random()
    private let cleanup: @Sendable () async -> Void

    /// The backend of this run: "postgres" when `STEWARD_TEST_DATABASE_URL` is set, else "sqlite".
    public static var backendName: String {
        ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] == nil ? "sqlite" : "postgres"
    }

    /// Creates a fresh, empty database.
    public static func make() async throws -> TestDatabase {
        if let server = ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"] { return try await makePostgres(server: server) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return TestDatabase(location: .sqlite(path: folder.appendingPathComponent("steward.sqlite").path), backend: "sqlite") {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// A fresh PostgreSQL database standing for a council's own system, whichever backend Steward's
    /// store runs on in this run. `scripts/test` starts the server for every run and names it in
    /// `STEWARD_TEST_POSTGRES_SERVER`.
    public static func makeCouncilPostgres() async throws -> TestDatabase {
        let environment = ProcessInfo.processInfo.environment
        guard let server = environment["STEWARD_TEST_POSTGRES_SERVER"] ?? environment["STEWARD_TEST_DATABASE_URL"] else {
            throw StewardError(
                .unavailable,
                "this test needs a PostgreSQL server for a council source: set STEWARD_TEST_POSTGRES_SERVER=postgres://… (scripts/test starts one)"
            )
        }
        return try await makePostgres(server: server)
    }

    static func makePostgres(server: String) async throws -> TestDatabase {
        do {
            let name = "steward_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
            try await admin(server) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
            }
            var components = URLComponents(string: server)!
            components.path = "/\(name)"
            return TestDatabase(location: .postgres(url: components.string!), backend: "postgres") {
                try? await admin(server) { connection in
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"),
                        logger: Logger(label: "test")
                    )
                }
            }
        }
    }

    private init(location: DatabaseLocation, backend: String, cleanup: @escaping @Sendable () async -> Void) {
        self.location = location
        self.backend = backend
        self.cleanup = cleanup
    }

    /// Opens a store on this database with a fresh signing key and data key.
    public func openStore(
        signer: AuditSigner = AuditSigner(),
        dataKey: Secret.DataKey? = nil,
        checkpointInterval: Int = 10,
        sourceConnectTimeout: Duration = TestDatabase.callTimeout,
        databaseTimeout: Duration = TestDatabase.callTimeout
    ) async throws -> Store {
        var logger = Logger(label: "steward-test")
        logger.logLevel = .warning
        return try await Store.open(
            location,
            signer: signer,
            dataKey: dataKey ?? self.dataKey,
            checkpointInterval: checkpointInterval,
            sourceConnectTimeout: sourceConnectTimeout,
            databaseTimeout: databaseTimeout,
            logger: logger
        )
    }

    /// Every suite runs at once on a small machine, so a call may wait far longer than a server's
    /// would; the deadline is there to end a hang, not to time the tests.
    public static let callTimeout: Duration = .seconds(120)

    /// Drops the database.
    public func destroy() async {
        await cleanup()
    }

    /// Runs `body` with a fresh store and removes everything afterwards, even when `body` throws.
    public static func withStore<Result>(
        signer: AuditSigner = AuditSigner(),
        dataKey: Secret.DataKey? = nil,
        checkpointInterval: Int = 10,
        sourceConnectTimeout: Duration = TestDatabase.callTimeout,
        _ body: (Store, TestDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await make()
        let store: Store
        do {
            store = try await database.openStore(
                signer: signer,
                dataKey: dataKey,
                checkpointInterval: checkpointInterval,
                sourceConnectTimeout: sourceConnectTimeout
            )
        } catch {
            await database.destroy()
            throw error
        }
        do {
            let result = try await body(store, database)
            await store.close()
            await database.destroy()
            return result
        } catch {
            await store.close()
            await database.destroy()
            throw error
        }
    }

    private static func admin(_ server: String, _ body: @Sendable (PostgresConnection) async throws -> Void) async throws {
        let components = URLComponents(string: server)!
        var configuration = PostgresConnection.Configuration(
            host: components.host ?? "127.0.0.1",
            port: components.port ?? 5432,
            username: components.user ?? "postgres",
            password: components.password,
            database: "postgres",
            tls: .disable
        )
        configuration.options.connectTimeout = .seconds(10)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        do {
            try await body(connection)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
