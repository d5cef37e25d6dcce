import Crypto
import Foundation
import SQLKit
import StewardCore

/// One numbered, forward-only change to the schema, written once per dialect.
struct Migration: Sendable {
    var version: Int
    var name: String
    var sqlite: [String]
    var postgres: [String]

    func statements(for dialect: Dialect) -> [String] {
        dialect == .sqlite ? sqlite : postgres
    }

    /// A migration whose PostgreSQL statements serve SQLite too, except that SQLite's 64-bit key is
    /// spelt `INTEGER PRIMARY KEY` (which makes it the table's rowid).
    static func portable(version: Int, name: String, _ statements: [String]) -> Migration {
        Migration(
            version: version,
            name: name,
            sqlite: statements.map { $0.replacingOccurrences(of: "BIGINT PRIMARY KEY", with: "INTEGER PRIMARY KEY") },
            postgres: statements
        )
    }

    /// SHA-256 of the statements, so an edited migration that already ran is caught.
    func checksum(for dialect: Dialect) -> String {
        AuditChain.hex(SHA256.hash(data: Data(statements(for: dialect).joined(separator: ";\n").utf8)))
    }
}

/// Every migration, in order. Never edit or reorder one that has shipped: add a new one.
enum Migrations {
    static let all: [Migration] = [
        .portable(
            version: 1,
            name: "data map versions, audit log, tokens",
            [
                """
                CREATE TABLE datamap_versions (
                    version INTEGER PRIMARY KEY, loaded_at TEXT NOT NULL, loaded_by TEXT NOT NULL,
                    digest TEXT NOT NULL, summary TEXT NOT NULL, document TEXT NOT NULL)
                """,
                """
                CREATE TABLE audit_entries (
                    seq BIGINT PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                    object TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)
                """,
                """
                CREATE TABLE audit_checkpoints (
                    seq BIGINT PRIMARY KEY, hash TEXT NOT NULL, signed_at TEXT NOT NULL,
                    public_key TEXT NOT NULL, signature TEXT NOT NULL)
                """,
                """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL,
                    signed_at TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT NOT NULL)
                """,
                """
                CREATE TABLE api_tokens (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, secret_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL, created_by TEXT NOT NULL, revoked_at TEXT)
                """,
                "CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL",
            ]
        ),
        .portable(
            version: 2,
            name: "subjects, identifiers, preferences, disclosures",
            [
                """
                CREATE TABLE subjects (
                    id TEXT PRIMARY KEY, date_of_birth TEXT, adult_at_risk INTEGER NOT NULL DEFAULT 0, merged_into TEXT,
                    created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE subject_identifiers (
                    kind TEXT NOT NULL, value TEXT NOT NULL, system TEXT NOT NULL DEFAULT '', subject_id TEXT NOT NULL,
                    verified INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (kind, value, system))
                """,
                "CREATE INDEX subject_identifiers_subject ON subject_identifiers (subject_id)",
                """
                CREATE TABLE preferences (
                    id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, document TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                "CREATE INDEX preferences_subject ON preferences (subject_id)",
                """
                CREATE TABLE disclosures (
                    id TEXT PRIMARY KEY, subject_id TEXT NOT NULL, decision_id TEXT NOT NULL, time TEXT NOT NULL, system TEXT NOT NULL,
                    recipient TEXT NOT NULL, purpose TEXT NOT NULL, categories TEXT NOT NULL, basis TEXT NOT NULL, actor TEXT NOT NULL)
                """,
                "CREATE INDEX disclosures_subject ON disclosures (subject_id, time)",
            ]
        ),
        .portable(
            version: 3,
            name: "rights requests, identity codes, outbox",
            [
                """
                CREATE TABLE rights_requests (
                    id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, received TEXT NOT NULL, due TEXT, subject_id TEXT,
                    document TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL)
                """,
                "CREATE INDEX rights_requests_due ON rights_requests (state, due)",
                "CREATE INDEX rights_requests_subject ON rights_requests (subject_id)",
                """
                CREATE TABLE identity_challenges (
                    request_id TEXT PRIMARY KEY, salt TEXT NOT NULL, code_hash TEXT NOT NULL, issued_at BIGINT NOT NULL,
                    attempts INTEGER NOT NULL, used_at BIGINT, codes_issued INTEGER NOT NULL)
                """,
                """
                CREATE TABLE outbox (
                    id TEXT PRIMARY KEY, request_id TEXT, letter TEXT NOT NULL, to_address TEXT NOT NULL, to_name TEXT,
                    subject TEXT NOT NULL, text_body TEXT NOT NULL, html_body TEXT NOT NULL, status TEXT NOT NULL,
                    attempts INTEGER NOT NULL, next_attempt_at BIGINT NOT NULL, last_error TEXT, created_at TEXT NOT NULL, sent_at TEXT,
                    sealed TEXT, expires_at BIGINT, claim TEXT)
                """,
                "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
                "CREATE INDEX outbox_request ON outbox (request_id)",
            ]
        ),
        .portable(
            version: 4,
            name: "council sources, request runs",
            [
                """
                CREATE TABLE sources (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, dataset TEXT NOT NULL UNIQUE, location_sealed TEXT NOT NULL,
                    location_shown TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)
                """,
                """
                CREATE TABLE request_runs (
                    request_id TEXT PRIMARY KEY, status TEXT NOT NULL, done INTEGER NOT NULL, total INTEGER NOT NULL, started_at TEXT NOT NULL,
                    finished_at TEXT, error TEXT, document TEXT)
                """,
            ]
        ),
        .portable(
            version: 5,
            name: "installation settings: the data key's check value",
            ["CREATE TABLE installation (name TEXT PRIMARY KEY, value TEXT NOT NULL)"]
        ),
        .portable(
            version: 6,
            name: "chained checkpoints; the installation's record of its log's first entry",
            [
                "ALTER TABLE audit_checkpoints ADD COLUMN previous BIGINT",
                "ALTER TABLE audit_head ADD COLUMN previous BIGINT",
                // A log begun before the record was kept gets it at the next start (`adoptAuditOrigin`);
                // an empty one awaits its first entry, which records it.
                "INSERT INTO installation (name, value) SELECT 'audit_origin', 'pending' WHERE EXISTS (SELECT 1 FROM audit_entries)",
                "INSERT INTO installation (name, value) SELECT 'audit_origin', 'awaiting' WHERE NOT EXISTS (SELECT 1 FROM audit_entries)",
            ]
        ),
        .portable(
            version: 7,
            name: "retention: holds, sweeps and their batches, disposal certificates, reviews",
            [
                """
                CREATE TABLE retention_holds (
                    id TEXT PRIMARY KEY, kind TEXT NOT NULL, lifted_at TEXT, created_at TEXT NOT NULL, document TEXT NOT NULL)
                """,
                """
                CREATE TABLE retention_runs (
                    id TEXT PRIMARY KEY, state TEXT NOT NULL, started_at TEXT NOT NULL, document TEXT NOT NULL, lease_holder TEXT,
                    lease_until BIGINT)
                """,
                "CREATE INDEX retention_runs_state ON retention_runs (state, started_at)",
                """
                CREATE TABLE retention_batches (
                    run_id TEXT NOT NULL, rule TEXT NOT NULL, sequence INTEGER NOT NULL, done INTEGER NOT NULL, keys TEXT NOT NULL,
                    dependents TEXT NOT NULL, PRIMARY KEY (run_id, rule, sequence))
                """,
                """
                CREATE TABLE retention_certificates (
                    id TEXT PRIMARY KEY, run_id TEXT NOT NULL, rule TEXT NOT NULL, issued_at TEXT NOT NULL, document TEXT NOT NULL)
                """,
                "CREATE INDEX retention_certificates_rule ON retention_certificates (rule, issued_at)",
                """
                CREATE TABLE retention_reviews (
                    id TEXT PRIMARY KEY, rule TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL, document TEXT NOT NULL,
                    keys TEXT NOT NULL)
                """,
                """
                CREATE TABLE retention_kept (
                    rule TEXT NOT NULL, row_key TEXT NOT NULL, until TEXT NOT NULL, review_id TEXT NOT NULL, PRIMARY KEY (rule, row_key))
                """,
            ]
        ),
        .portable(
            version: 8,
            name: "staff accounts, console sessions, failed sign-ins",
            [
                """
                CREATE TABLE staff_accounts (
                    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT, setup_hash TEXT,
                    setup_expires BIGINT, created_at TEXT NOT NULL, created_by TEXT NOT NULL, disabled_at TEXT)
                """,
                """
                CREATE TABLE staff_sessions (
                    id_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES staff_accounts (id), csrf TEXT NOT NULL,
                    created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, must_choose INTEGER NOT NULL)
                """,
                "CREATE INDEX staff_sessions_account ON staff_sessions (account_id)",
                "CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at)",
                // Scopes are keyed hashes of the account's email or the caller's address, never either in clear;
                // an attempt is recorded before its password is checked, and its rows removed if it was right.
                "CREATE TABLE login_failures (scope TEXT NOT NULL, at BIGINT NOT NULL, attempt TEXT NOT NULL)",
                "CREATE INDEX login_failures_scope ON login_failures (scope, at)",
            ]
        ),
        .portable(
            version: 9,
            name: "a resident's way back to their request: status codes and bundle links",
            [
                // The code and the link's token are kept only as keyed hashes, as identity codes are.
                """
                CREATE TABLE status_access (
                    request_id TEXT PRIMARY KEY, salt TEXT NOT NULL, code_hash TEXT NOT NULL, issued_at BIGINT NOT NULL,
                    attempts INTEGER NOT NULL, used_at BIGINT, codes_issued INTEGER NOT NULL, window_start BIGINT NOT NULL, link_hash TEXT,
                    link_expires_at BIGINT)
                """
            ]
        ),
        .portable(
            version: 10,
            name: "the console's readings of the audit log: decisions and verifications by action, newest first",
            ["CREATE INDEX audit_entries_action ON audit_entries (action, seq)"]
        ),
        .portable(
            version: 11,
            name: "equality statistics: each cycle's budget, and the releases that spend it",
            [
                "CREATE TABLE stats_budgets (dataset TEXT NOT NULL, cycle TEXT NOT NULL, total TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (dataset, cycle))",
                // A release is stored whole and never drawn again; its ε is the ledger's entry.
                """
                CREATE TABLE stats_releases (
                    id TEXT PRIMARY KEY, dataset TEXT NOT NULL, cycle TEXT NOT NULL, name TEXT NOT NULL, epsilon TEXT NOT NULL,
                    published_at TEXT NOT NULL, document TEXT NOT NULL, UNIQUE (dataset, cycle, name))
                """,
            ]
        ),
    ]

    /// The advisory lock key every serial writer takes on PostgreSQL ("steward" in ASCII).
    static let postgresLockKey: Int64 = 0x73_74_65_77_61_72_64

    /// Applies the migrations not yet applied, in one transaction; returns the versions applied.
    /// Safe to run from several processes at once: the first does the work, the others find it done.
    static func apply(on handle: any DatabaseHandle, migrations: [Migration] = all) async throws -> [Int] {
        let dialect = handle.dialect
        return try await handle.longWrite { database in
            if dialect == .postgres {
                try await database.raw("SELECT pg_advisory_xact_lock(\(bind: postgresLockKey))").run()
            }
            try await database.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
            ).run()
            var applied: [Int: String] = [:]
            for row in try await database.raw("SELECT version, checksum FROM schema_migrations").all() {
                applied[try row.decode(column: "version", as: Int.self)] = try row.decode(column: "checksum", as: String.self)
            }
            if let newest = applied.keys.max(), newest > (migrations.map(\.version).max() ?? 0) {
                throw StewardError(
                    .conflict,
                    "the database is at schema version \(newest), newer than this Steward knows (\(migrations.map(\.version).max() ?? 0)); upgrade Steward"
                )
            }
            var ran: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) {
                let checksum = migration.checksum(for: dialect)
                if let existing = applied[migration.version] {
                    guard existing == checksum else {
                        throw StewardError(
                            .conflict,
                            "migration \(migration.version) (\(migration.name)) differs from the one applied to this database"
                        )
                    }
                    continue
                }
                for statement in migration.statements(for: dialect) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: checksum), \(bind: AuditChain.timestamp()))"
                ).run()
                ran.append(migration.version)
            }
            return ran
        }
    }
}
