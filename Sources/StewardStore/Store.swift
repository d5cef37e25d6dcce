import Crypto
import Foundation
public import Logging
import SQLKit
public import StewardCore

/// Steward's own state: data-map versions, API tokens and the audit log, on SQLite or PostgreSQL.
///
/// Every change that matters is recorded in the audit log in the same transaction as the change, so
/// the log and the state cannot disagree.
public final class Store: Sendable {
    let handle: any DatabaseHandle
    let appender: AuditAppender
    /// The group-commit writer for audit events that are not part of another change.
    public let audit: AuditLog
    /// Seals one-time codes while their emails wait in the outbox (from the signing key).
    let seal: SecretSeal
    /// Seals sources' locations and what searches found (from the data key).
    let dataSeal: SecretSeal
    /// Keys the hashes identity codes are checked against.
    let codeKey: Secret.Key
    /// Keys erasure's HMAC masking, and seals its encrypted masking (from the data key).
    let erasureKey: Secret.Key
    let erasureSeal: SecretSeal
    /// For the connections to council sources (never given personal data).
    let logger: Logger
    /// Connections to council database sources, kept between runs.
    let sourcePool = SourcePool()
    /// Tokens authenticated in the last second (`TokenCache`).
    let tokens = TokenCache()
    /// How long a council PostgreSQL source has to answer a new connection.
    let sourceConnectTimeout: Duration
    public var dialect: Dialect { handle.dialect }

    /// The key identity codes are checked against, for the request service.
    public var identityCodeKey: Secret.Key { codeKey }
    /// The keys erasure masks with, for the request service.
    public var erasureKeys: ErasureKeys { ErasureKeys(hmac: erasureKey, seal: erasureSeal) }

    /// Identifies the data key without giving it away, so a database refuses another key.
    let dataKeyCheck: String

    init(
        handle: any DatabaseHandle,
        signer: AuditSigner,
        dataKey: Secret.DataKey,
        checkpointInterval: Int,
        sourceConnectTimeout: Duration = .seconds(5),
        logger: Logger
    ) {
        self.handle = handle
        self.sourceConnectTimeout = sourceConnectTimeout
        self.logger = logger
        self.appender = AuditAppender(dialect: handle.dialect, signer: signer, checkpointInterval: checkpointInterval)
        self.audit = AuditLog(handle: handle, appender: appender)
        self.seal = SecretSeal(signer: signer)
        self.codeKey = Secret.Key(signer: signer, purpose: "steward identity code v1")
        // Installations that sealed these under the signing key before the data key existed still open them.
        self.dataSeal = SecretSeal(dataKey: dataKey, purpose: "steward data seal v1", previous: signer, previousPurpose: "steward outbox secret v1")
        self.erasureKey = Secret.Key(dataKey: dataKey, purpose: "steward erasure hmac v1")
        self.erasureSeal = SecretSeal(dataKey: dataKey, purpose: "steward erasure encryption v1", previous: signer)
        self.dataKeyCheck = Secret.Key(dataKey: dataKey, purpose: "steward data key check v1").hmac("steward")
    }

    /// Opens the database, applies any pending migrations, and returns the store.
    ///
    /// - Parameter checkSigner: refuse a signing key other than the one that signed the log's head, so
    ///   that one log is never signed with two keys by mistake. Only a store that will not append
    ///   (verification with a given public key) turns this off.
    public static func open(
        _ location: DatabaseLocation,
        signer: AuditSigner,
        dataKey: Secret.DataKey,
        checkpointInterval: Int = 1000,
        migrate: Bool = true,
        checkSigner: Bool = true,
        sourceConnectTimeout: Duration = .seconds(5),
        databaseTimeout: Duration = .seconds(10),
        logger: Logger
    ) async throws -> Store {
        let handle = try await openDatabase(location, logger: logger, connectTimeout: databaseTimeout, callTimeout: databaseTimeout)
        let store = Store(
            handle: handle,
            signer: signer,
            dataKey: dataKey,
            checkpointInterval: checkpointInterval,
            sourceConnectTimeout: sourceConnectTimeout,
            logger: logger
        )
        do {
            if migrate { _ = try await store.migrate() }
            if migrate { try await store.adoptDataKey() }
            if migrate { try await store.adoptAuditOrigin() }
            if migrate, checkSigner, let head = try await store.signedHead(), head.publicKey != signer.publicKey {
                throw StewardError(
                    .invalidConfiguration,
                    "the audit signing key (public key \(signer.publicKey.prefix(16))…) is not the key that signed this audit log (\(head.publicKey.prefix(16))…); configure the original key",
                    field: "audit_signing_key"
                )
            }
        } catch {
            await handle.close()
            throw error
        }
        return store
    }

    /// Refuses a data key other than the one the database's secrets are sealed with. The first
    /// time a database meets a data key, what was sealed before it (under the signing key) is
    /// sealed again under it, and the key's check value is kept.
    func adoptDataKey() async throws {
        let check = dataKeyCheck
        let seal = dataSeal
        let dialect = handle.dialect
        // Every start but the first finds the check value kept: a read, and no lock.
        let kept = try await handle.read { database in
            try await database.raw("SELECT value FROM installation WHERE name = 'data_key_check'").first()?.decode(column: "value", as: String.self)
        }
        if let kept {
            guard Secret.equal(kept, check) else { throw Self.otherDataKey }
            return
        }
        try await handle.longWrite { database in
            // One node at a time, so two starting together re-seal once.
            if dialect == .postgres { try await database.raw("SELECT pg_advisory_xact_lock(\(bind: Migrations.postgresLockKey))").run() }
            if let kept = try await database.raw("SELECT value FROM installation WHERE name = 'data_key_check'").first()?
                .decode(column: "value", as: String.self)
            {
                guard Secret.equal(kept, check) else { throw Self.otherDataKey }
                return
            }
            for row in try await database.raw("SELECT id, location_sealed FROM sources").all() {
                let id = try row.decode(column: "id", as: String.self)
                let location = try seal.open(try row.decode(column: "location_sealed", as: String.self), context: "source:\(id)")
                try await database.raw(
                    "UPDATE sources SET location_sealed = \(bind: try seal.seal(location, context: "source:\(id)")) WHERE id = \(bind: id)"
                ).run()
            }
            // Access results are sealed; a change report is kept as it is.
            for row in try await database.raw("SELECT request_id, document FROM request_runs WHERE document IS NOT NULL").all() {
                let id = try row.decode(column: "request_id", as: String.self)
                guard let document = try? seal.open(try row.decode(column: "document", as: String.self), context: "request-run:\(id)") else {
                    continue
                }
                try await database.raw(
                    "UPDATE request_runs SET document = \(bind: try seal.seal(document, context: "request-run:\(id)")) WHERE request_id = \(bind: id)"
                ).run()
            }
            try await database.raw("INSERT INTO installation (name, value) VALUES ('data_key_check', \(bind: check))").run()
        }
    }

    static let otherDataKey = StewardError(
        .invalidConfiguration,
        "the data key is not the key this database's secrets are sealed with; configure the original data_key file (a missing file is created anew, which cannot open them)",
        field: "data_key"
    )

    /// The public key (hex) this store signs checkpoints with.
    public var signingPublicKey: String { appender.signer.publicKey }

    /// The signed head of the log, if the log has entries.
    func signedHead() async throws -> AuditCheckpoint? {
        try await handle.read { database in try await Self.signatures(on: database).head }
    }

    /// Applies pending migrations; returns the versions applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await Migrations.apply(on: handle)
    }

    /// Throws unless the database answers a query.
    public func ping() async throws {
        _ = try await handle.read { database in try await database.raw("SELECT 1 AS one").first() }
    }

    /// Whether this node can serve: the database answers, and the audit writer commits. A writer
    /// whose last batch failed is tried with an empty write transaction, so it is ready again as
    /// soon as the database is, without waiting for traffic to prove it.
    /// - Returns: nil when ready, or why not, in words.
    public func unreadiness() async -> String? {
        do {
            try await handle.ping(within: .seconds(2))
        } catch {
            return "database unreachable"
        }
        switch await audit.health {
        case .committing: return nil
        case .stuck(let waited): return "audit log cannot commit: a batch has waited \(waited.components.seconds) s on the database"
        case .failing(let reason):
            do {
                _ = try await handle.write { database in try await database.raw("SELECT 1 AS one").first() }
                await audit.recovered()
                return nil
            } catch {
                return "audit log cannot commit: \(reason)"
            }
        }
    }

    /// Closes the database connections.
    public func close() async {
        await sourcePool.closeAll()
        await handle.close()
    }

    /// Runs `body` in a write transaction and appends `events` (from its result) to the audit log in
    /// the same transaction.
    func writeAudited<Result: Sendable>(
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> (Result, [AuditEvent])
    ) async throws -> Result {
        let appender = self.appender
        return try await handle.write { database in
            let (result, events) = try await body(database)
            _ = try await appender.append(events, on: database)
            return result
        }
    }
}
