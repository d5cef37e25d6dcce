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
    public var dialect: Dialect { handle.dialect }

    /// The key identity codes are checked against, for the request service.
    public var identityCodeKey: Secret.Key { codeKey }
    /// The keys erasure masks with, for the request service.
    public var erasureKeys: ErasureKeys { ErasureKeys(hmac: erasureKey, seal: erasureSeal) }

    /// Identifies the data key without giving it away, so a database refuses another key.
    let dataKeyCheck: String

    init(handle: any DatabaseHandle, signer: AuditSigner, dataKey: Secret.DataKey, checkpointInterval: Int, logger: Logger) {
        self.handle = handle
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
        _ location: DatabaseLocation, signer: AuditSigner, dataKey: Secret.DataKey, checkpointInterval: Int = 1000, migrate: Bool = true,
        checkSigner: Bool = true, logger: Logger
    ) async throws -> Store {
        let handle = try await openDatabase(location, logger: logger)
        let store = Store(handle: handle, signer: signer, dataKey: dataKey, checkpointInterval: checkpointInterval, logger: logger)
        do {
            if migrate { _ = try await store.migrate() }
            if migrate { try await store.adoptDataKey() }
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
        try await handle.write { database in
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
        field: "data_key")

    /// The public key (hex) this store signs checkpoints with.
    public var signingPublicKey: String { appender.signer.publicKey }

    /// The signed head of the log, if the log has entries.
    func signedHead() async throws -> AuditCheckpoint? {
        try await handle.read { database in try await Self.checkpoints(on: database).head }
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

    /// Closes the database connections.
    public func close() async {
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

// MARK: - Data map

extension Store: DataMapRepository {
    /// Stores `map` as a new version unless it is identical to the current one, and records the load
    /// in the audit log with what changed. Returns the version now current, the changes, and whether
    /// a new version was made.
    public func saveDataMap(_ map: DataMap, actor: String) async throws -> (stored: StoredDataMap, changes: DataMapChanges, created: Bool) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let document = String(decoding: try encoder.encode(map), as: UTF8.self)
        let digest = AuditChain.hex(SHA256.hash(data: Data(document.utf8)))
        let summary =
            "\(map.systems.count) systems, \(map.datasets.count) datasets, \(map.purposes.count) purposes, \(map.recipients.count) recipients"
        let dialect = self.dialect
        return try await writeAudited { database in
            if dialect == .postgres {
                try await database.raw("LOCK TABLE datamap_versions IN EXCLUSIVE MODE").run()
            }
            let current = try await Self.currentDataMap(on: database)
            let changes = DataMapChanges(from: current?.dataMap, to: map)
            if let current, current.digest == digest {
                // Nothing to store, but the load happened and is recorded.
                let event = AuditEvent(
                    actor: actor, action: .dataMapLoadUnchanged, object: "datamap/\(current.version)",
                    details: ["version": .int(current.version), "digest": .string(digest)]
                )
                return ((current, changes, false), [event])
            }
            let stored = StoredDataMap(
                version: (current?.version ?? 0) + 1, loadedAt: AuditChain.timestamp(), loadedBy: actor, digest: digest, dataMap: map
            )
            try await database.raw(
                """
                INSERT INTO datamap_versions (version, loaded_at, loaded_by, digest, summary, document)
                VALUES (\(bind: stored.version), \(bind: stored.loadedAt), \(bind: actor), \(bind: digest), \(bind: summary), \(bind: document))
                """
            ).run()
            let event = AuditEvent(
                actor: actor, action: .dataMapLoad, object: "datamap/\(stored.version)",
                details: .object([
                    "version": .int(stored.version), "previousVersion": current.map { .int($0.version) } ?? .null, "digest": .string(digest),
                    "summary": .string(summary), "changes": changes.json,
                ])
            )
            return ((stored, changes, true), [event])
        }
    }

    /// The current data map, or nil before the first load.
    public func currentDataMap() async throws -> StoredDataMap? {
        try await handle.read { database in try await Self.currentDataMap(on: database) }
    }

    /// The number of the current data-map version, 0 before the first load. Cheap: nodes use it to
    /// know when their cached copy is stale.
    public func currentDataMapVersion() async throws -> Int {
        try await handle.read { database in
            try await database.raw("SELECT COALESCE(MAX(version), 0) AS version FROM datamap_versions").first()?
                .decode(column: "version", as: Int.self) ?? 0
        }
    }

    static func currentDataMap(on database: any SQLDatabase) async throws -> StoredDataMap? {
        guard
            let row = try await database.raw(
                "SELECT version, loaded_at, loaded_by, digest, document FROM datamap_versions ORDER BY version DESC LIMIT 1"
            ).first()
        else { return nil }
        let document = try row.decode(column: "document", as: String.self)
        let map = try JSONDecoder().decode(DataMap.self, from: Data(document.utf8))
        return StoredDataMap(
            version: try row.decode(column: "version", as: Int.self), loadedAt: try row.decode(column: "loaded_at", as: String.self),
            loadedBy: try row.decode(column: "loaded_by", as: String.self), digest: try row.decode(column: "digest", as: String.self),
            dataMap: map
        )
    }
}

// MARK: - Tokens

extension Store {
    /// Creates a token; returns it with its secret, which is shown once and stored only as a hash.
    public func createToken(name: String, role: Role, actor: String) async throws -> (token: APIToken, secret: String) {
        let trimmed = try APIToken.checkedName(name)
        let id = Secret.randomHex(bytes: 8)
        let secret = "stw_\(id)_\(Secret.randomHex(bytes: 32))"
        let token = APIToken(id: id, name: trimmed, role: role, createdAt: AuditChain.timestamp(), createdBy: actor)
        let secretHash = Secret.sha256(secret)
        return try await writeAudited { database in
            let clash = try await database.raw("SELECT id FROM api_tokens WHERE name = \(bind: trimmed) AND revoked_at IS NULL").first()
            if clash != nil {
                throw StewardError(.conflict, "an active token named '\(trimmed)' already exists; revoke it or choose another name", field: "name")
            }
            try await database.raw(
                """
                INSERT INTO api_tokens (id, name, role, secret_hash, created_at, created_by)
                VALUES (\(bind: id), \(bind: trimmed), \(bind: role.rawValue), \(bind: secretHash), \(bind: token.createdAt), \(bind: actor))
                """
            ).run()
            let event = AuditEvent(
                actor: actor, action: .tokenCreate, object: "token/\(id)", details: ["name": .string(trimmed), "role": .string(role.rawValue)]
            )
            return ((token, secret), [event])
        }
    }

    /// The token a bearer secret belongs to, if it is valid and not revoked.
    public func authenticate(secret: String) async throws -> APIToken? {
        let parts = secret.split(separator: "_")
        guard parts.count == 3, parts[0] == "stw", parts[1].count == 16 else { return nil }
        let id = String(parts[1])
        guard
            let row = try await handle.read({ database in
                try await database.raw(
                    "SELECT id, name, role, secret_hash, created_at, created_by, revoked_at FROM api_tokens WHERE id = \(bind: id)"
                )
                .first()
            })
        else { return nil }
        let stored = try row.decode(column: "secret_hash", as: String.self)
        guard Secret.equal(stored, Secret.sha256(secret)) else { return nil }
        let token = try Self.token(from: row)
        return token.revokedAt == nil ? token : nil
    }

    /// Every token, newest first, without secrets.
    public func tokens() async throws -> [APIToken] {
        try await handle.read { database in
            try await database.raw("SELECT id, name, role, created_at, created_by, revoked_at FROM api_tokens ORDER BY created_at DESC, id").all()
                .map(Self.token(from:))
        }
    }

    /// Revokes a token by id or name.
    public func revokeToken(_ idOrName: String, actor: String) async throws -> APIToken {
        try await writeAudited { database in
            guard
                let row = try await database.raw(
                    "SELECT id, name, role, created_at, created_by, revoked_at FROM api_tokens WHERE (id = \(bind: idOrName) OR name = \(bind: idOrName)) AND revoked_at IS NULL"
                ).first()
            else { throw StewardError(.notFound, "no active token with id or name '\(idOrName)'", field: "token") }
            var token = try Self.token(from: row)
            token.revokedAt = AuditChain.timestamp()
            try await database.raw("UPDATE api_tokens SET revoked_at = \(bind: token.revokedAt) WHERE id = \(bind: token.id)").run()
            return (token, [AuditEvent(actor: actor, action: .tokenRevoke, object: "token/\(token.id)", details: ["name": .string(token.name)])])
        }
    }

    static func token(from row: any SQLRow) throws -> APIToken {
        let roleText = try row.decode(column: "role", as: String.self)
        guard let role = Role(rawValue: roleText) else { throw StewardError(.unavailable, "token has an unknown role '\(roleText)'") }
        return APIToken(
            id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self), role: role,
            createdAt: try row.decode(column: "created_at", as: String.self), createdBy: try row.decode(column: "created_by", as: String.self),
            revokedAt: try row.decode(column: "revoked_at", as: String?.self)
        )
    }

}

// MARK: - Audit log reading, verification and export

extension Store {
    /// Entries after `seq`, oldest first.
    public func auditEntries(after seq: Int64 = 0, limit: Int = 100) async throws -> [AuditEntry] {
        try await handle.read { database in try await Self.entries(after: seq, limit: limit, on: database) }
    }

    static func entries(after seq: Int64, limit: Int, on database: any SQLDatabase) async throws -> [AuditEntry] {
        try await database.raw(
            "SELECT seq, time, actor, action, object, details, prev_hash, hash FROM audit_entries WHERE seq > \(bind: seq) ORDER BY seq LIMIT \(bind: limit)"
        ).all().map { row in
            AuditEntry(
                seq: try row.decode(column: "seq", as: Int64.self), time: try row.decode(column: "time", as: String.self),
                actor: try row.decode(column: "actor", as: String.self), action: try row.decode(column: "action", as: String.self),
                object: try row.decode(column: "object", as: String.self), details: try row.decode(column: "details", as: String.self),
                prevHash: try row.decode(column: "prev_hash", as: String.self), hash: try row.decode(column: "hash", as: String.self)
            )
        }
    }

    static func checkpoints(on database: any SQLDatabase) async throws -> (checkpoints: [AuditCheckpoint], head: AuditCheckpoint?) {
        func decode(_ row: any SQLRow) throws -> AuditCheckpoint {
            AuditCheckpoint(
                seq: try row.decode(column: "seq", as: Int64.self), hash: try row.decode(column: "hash", as: String.self),
                signedAt: try row.decode(column: "signed_at", as: String.self), publicKey: try row.decode(column: "public_key", as: String.self),
                signature: try row.decode(column: "signature", as: String.self)
            )
        }
        let checkpoints = try await database.raw("SELECT seq, hash, signed_at, public_key, signature FROM audit_checkpoints ORDER BY seq").all()
            .map(decode)
        let head = try await database.raw("SELECT seq, hash, signed_at, public_key, signature FROM audit_head WHERE id = 1").first().map(decode)
        return (checkpoints, head)
    }

    /// Page size for reading the log end to end.
    static let auditPage = 10_000

    /// Verifies the whole log in one consistent snapshot.
    /// - Parameter trustedKeys: public keys (hex) checkpoints must be signed with; nil accepts the
    ///   keys they carry.
    public func verifyAudit(trustedKeys: Set<String>?) async throws -> AuditVerifier.Result {
        try await handle.snapshot { database in
            let (checkpoints, head) = try await Self.checkpoints(on: database)
            var verifier = AuditVerifier(checkpoints: checkpoints, head: head, trustedKeys: trustedKeys)
            var after: Int64 = 0
            while true {
                let page = try await Self.entries(after: after, limit: Self.auditPage, on: database)
                guard let last = page.last else { break }
                guard verifier.check(page) else { break }
                after = last.seq
            }
            return verifier.finish()
        }
    }

    /// Writes the whole log, in one consistent snapshot, as export lines (`AuditExport`).
    public func exportAudit(_ write: @escaping @Sendable (String) throws -> Void) async throws -> Int64 {
        try await handle.snapshot { database in
            let (checkpoints, head) = try await Self.checkpoints(on: database)
            let count =
                try await database.raw("SELECT COUNT(*) AS count FROM audit_entries").first()?.decode(column: "count", as: Int64.self) ?? 0
            try write(try AuditExport.encode(AuditExport.Header(exportedAt: AuditChain.timestamp(), entries: count)))
            if let head { try write(try AuditExport.encode(.head(head))) }
            for checkpoint in checkpoints { try write(try AuditExport.encode(.checkpoint(checkpoint))) }
            var after: Int64 = 0
            while true {
                let page = try await Self.entries(after: after, limit: Self.auditPage, on: database)
                guard let last = page.last else { break }
                for entry in page { try write(try AuditExport.encode(.entry(entry))) }
                after = last.seq
            }
            return count
        }
    }
}
