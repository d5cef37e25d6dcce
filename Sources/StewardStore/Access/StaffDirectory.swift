import Foundation
import HummingbirdBcrypt
import NIOPosix
import SQLKit
public import StewardCore
import Synchronization

/// Staff accounts and their console sessions, in Steward's own database so that every node behind
/// one PostgreSQL sees the same sessions. Passwords are kept as bcrypt hashes, setup codes and
/// session cookies as SHA-256, failed sign-ins under keyed hashes of the email and the address.
public struct StaffDirectory: Sendable {
    let store: Store
    /// bcrypt's cost: 2^cost rounds (12 takes about a quarter of a second here).
    let cost: UInt8
    public let sessions: SessionPolicy
    public let throttle: LoginThrottle
    /// A hash checked when the email belongs to no account, so that an unknown email takes as
    /// long to refuse as a wrong password; made at the first sign-in.
    let decoy = Decoy()

    final class Decoy: Sendable {
        let hash = Mutex<String?>(nil)
    }

    /// How long a setup code printed by `steward user create` can be used.
    static let setupDays: Int64 = 7

    public init(store: Store, cost: UInt8 = 12, sessions: SessionPolicy = .init(), throttle: LoginThrottle = .init()) {
        self.store = store
        self.cost = cost
        self.sessions = sessions
        self.throttle = throttle
    }

    func decoyHash() async throws -> String {
        if let made = decoy.hash.withLock({ $0 }) { return made }
        let made = try await Self.hash(Secret.randomHex(bytes: 16), cost: cost)
        decoy.hash.withLock { $0 = made }
        return made
    }

    /// Seconds since 1970, the clock sessions are kept by.
    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A code to type once instead of a password, in four groups of four letters and digits that
    /// cannot be mistaken for one another.
    static func setupCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// Makes an account. With a password (checked against `PasswordPolicy`) it can sign in at once;
    /// without one, the returned setup code signs in once, within seven days, to choose one.
    public func create(email: String, role: Role, password: String?, actor: String) async throws -> (account: StaffAccount, setupCode: String?) {
        let email = try StaffAccount.checkedEmail(email)
        guard role != .service else {
            throw StewardError(
                .invalidInput,
                "the service role is for council applications' API tokens, not staff: use dpo, caseworker or auditor",
                field: "role"
            )
        }
        if let password { try PasswordPolicy.check(password, email: email) }
        var hashed: String?
        if let password { hashed = try await Self.hash(password, cost: cost) }
        let passwordHash = hashed
        let code = password == nil ? Self.setupCode() : nil
        let account = StaffAccount(
            id: "ST-\(Secret.randomHex(bytes: 6))",
            email: email,
            role: role,
            createdAt: AuditChain.timestamp(),
            createdBy: actor,
            hasPassword: password != nil
        )
        let setupHash = code.map { Secret.sha256($0) }
        let setupExpires = code.map { _ in Self.now() + Self.setupDays * 86_400 }
        return try await store.writeAudited { database in
            if try await database.raw("SELECT id FROM staff_accounts WHERE email = \(bind: email)").first() != nil {
                throw StewardError(.conflict, "an account for \(email) already exists", field: "email")
            }
            try await database.raw(
                """
                INSERT INTO staff_accounts (id, email, role, password_hash, setup_hash, setup_expires, created_at, created_by)
                VALUES (\(bind: account.id), \(bind: email), \(bind: role.rawValue), \(bind: passwordHash), \(bind: setupHash),
                \(bind: setupExpires), \(bind: account.createdAt), \(bind: actor))
                """
            ).run()
            let event = AuditEvent(
                actor: actor,
                action: .staffCreate,
                object: "staff/\(account.id)",
                details: ["email": .string(email), "role": .string(role.rawValue)]
            )
            return ((account, code), [event])
        }
    }

    /// Every account, by email.
    public func accounts() async throws -> [StaffAccount] {
        try await store.handle.read { database in
            try await database.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM staff_accounts ORDER BY email").all().map(Self.account(from:))
        }
    }

    /// Disables an account and ends its sessions.
    public func disable(email: String, actor: String) async throws -> StaffAccount {
        let email = try StaffAccount.checkedEmail(email)
        return try await store.writeAudited { database in
            guard
                let row = try await database.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM staff_accounts WHERE email = \(bind: email)").first()
            else { throw StewardError(.notFound, "no account for \(email)", field: "email") }
            var account = try Self.account(from: row)
            if account.disabledAt != nil { return (account, []) }
            account.disabledAt = AuditChain.timestamp()
            try await database.raw("UPDATE staff_accounts SET disabled_at = \(bind: account.disabledAt) WHERE id = \(bind: account.id)").run()
            try await database.raw("DELETE FROM staff_sessions WHERE account_id = \(bind: account.id)").run()
            return (account, [AuditEvent(actor: actor, action: .staffDisable, object: "staff/\(account.id)", details: ["email": .string(email)])])
        }
    }

    /// Signs in with an email and a password (or, before one is chosen, the setup code), from
    /// `address`. Too many recent failures for the account or the address refuse without checking.
    /// The attempt is counted before its password is checked, in one serialised transaction, so
    /// attempts sent all at once cannot each find the count below the limit.
    public func signIn(email typed: String, password: String, address: String, now: Int64 = Self.now()) async throws -> SignInOutcome {
        let email = typed.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let scopes = (account: store.codeKey.hmac("sign-in account:\(email)"), address: store.codeKey.hmac("sign-in address:\(address)"))
        let since = now - Int64(throttle.window.components.seconds)
        let throttle = self.throttle
        let attempt = Secret.randomHex(bytes: 12)
        let dialect = store.handle.dialect
        let admitted = try await store.handle.write { database in
            if dialect == .postgres { try await database.raw("SELECT pg_advisory_xact_lock(\(bind: Self.signInLockKey))").run() }
            func failures(_ scope: String) async throws -> Int {
                try await database.raw("SELECT COUNT(*) AS n FROM login_failures WHERE scope = \(bind: scope) AND at > \(bind: since)").first()?
                    .decode(column: "n", as: Int.self) ?? 0
            }
            let forAccount = try await failures(scopes.account)
            let forAddress = try await failures(scopes.address)
            guard forAccount < throttle.perAccount, forAddress < throttle.perAddress else { return false }
            try await database.raw("DELETE FROM login_failures WHERE at <= \(bind: since)").run()
            for scope in [scopes.account, scopes.address] {
                try await database.raw("INSERT INTO login_failures (scope, at, attempt) VALUES (\(bind: scope), \(bind: now), \(bind: attempt))")
                    .run()
            }
            return true
        }
        guard admitted else { return .throttled }
        let row = try await store.handle.read { database in
            try await database.raw(
                "SELECT \(unsafeRaw: Self.accountColumns), password_hash, setup_hash, setup_expires FROM staff_accounts WHERE email = \(bind: email)"
            ).first()
        }
        let account = try row.map(Self.account(from:))
        let passwordHash = try row?.decode(column: "password_hash", as: String?.self)
        var viaSetupCode = false
        var right: Bool
        if let passwordHash {
            right = try await Self.verify(password, hash: passwordHash)
        } else {
            // Unknown email, or no password yet: the decoy keeps the time the same.
            _ = try await Self.verify(password, hash: try await decoyHash())
            let setupHash = try row?.decode(column: "setup_hash", as: String?.self)
            let expires = try row?.decode(column: "setup_expires", as: Int64?.self) ?? 0
            let typedCode = password.trimmingCharacters(in: .whitespaces).uppercased()
            right = setupHash.map { Secret.equal($0, Secret.sha256(typedCode)) } ?? false && expires > now
            viaSetupCode = right
        }
        if account?.disabledAt != nil { right = false }
        guard right, let account else {
            if let account {
                _ = try await store.audit.append(AuditEvent(actor: account.actor, action: .staffSignInFailed, object: "staff/\(account.id)"))
            }
            return .refused
        }
        let secret = "sts_\(Secret.randomHex(bytes: 32))"
        let withSetupCode = viaSetupCode
        let session = StaffSession(
            account: account,
            csrf: Secret.randomHex(bytes: 24),
            createdAt: now,
            expiresAt: now + Int64(sessions.absolute.components.seconds),
            mustChoosePassword: viaSetupCode
        )
        try await store.writeAudited { database in
            try await database.raw("DELETE FROM staff_sessions WHERE expires_at <= \(bind: now)").run()
            // A right password clears the account's failures, and this attempt's count at the address.
            try await database.raw("DELETE FROM login_failures WHERE scope = \(bind: scopes.account) OR attempt = \(bind: attempt)").run()
            // A setup code signs in once.
            if withSetupCode {
                try await database.raw("UPDATE staff_accounts SET setup_hash = NULL, setup_expires = NULL WHERE id = \(bind: account.id)").run()
            }
            try await database.raw(
                """
                INSERT INTO staff_sessions (id_hash, account_id, csrf, created_at, seen_at, expires_at, must_choose)
                VALUES (\(bind: Secret.sha256(secret)), \(bind: account.id), \(bind: session.csrf), \(bind: now), \(bind: now),
                \(bind: session.expiresAt), \(bind: withSetupCode ? 1 : 0))
                """
            ).run()
            let details: JSONValue = withSetupCode ? ["with": .string("setup code")] : [:]
            return ((), [AuditEvent(actor: account.actor, action: .staffSignIn, object: "staff/\(account.id)", details: details)])
        }
        return .signedIn(secret: secret, session: session)
    }

    /// The advisory lock sign-in attempts are counted under on PostgreSQL ("stwsign" in ASCII).
    static let signInLockKey: Int64 = 0x73_74_77_73_69_67_6e

    /// A new setup code for an account whose owner lost the last one or forgot their password: the
    /// password is cleared and every session of the account ends.
    public func reset(email: String, actor: String) async throws -> (account: StaffAccount, setupCode: String) {
        let email = try StaffAccount.checkedEmail(email)
        let code = Self.setupCode()
        let expires = Self.now() + Self.setupDays * 86_400
        return try await store.writeAudited { database in
            guard
                let row = try await database.raw("SELECT \(unsafeRaw: Self.accountColumns) FROM staff_accounts WHERE email = \(bind: email)").first()
            else { throw StewardError(.notFound, "no account for \(email)", field: "email") }
            var account = try Self.account(from: row)
            guard account.disabledAt == nil else { throw StewardError(.conflict, "the account for \(email) is disabled", field: "email") }
            try await database.raw(
                "UPDATE staff_accounts SET password_hash = NULL, setup_hash = \(bind: Secret.sha256(code)), setup_expires = \(bind: expires) WHERE id = \(bind: account.id)"
            ).run()
            try await database.raw("DELETE FROM staff_sessions WHERE account_id = \(bind: account.id)").run()
            account.hasPassword = false
            return (
                (account, code), [AuditEvent(actor: actor, action: .staffReset, object: "staff/\(account.id)", details: ["email": .string(email)])]
            )
        }
    }

    /// Makes the hash an unknown email is checked against, so the first one is not slower.
    public func prepare() async throws {
        _ = try await decoyHash()
    }

    /// The session a cookie's secret belongs to, if it has not been idle too long or lasted past
    /// its end and its account is enabled. A request a minute or more after the last one moves the
    /// idle clock on.
    public func session(secret: String, now: Int64 = Self.now()) async throws -> StaffSession? {
        guard secret.hasPrefix("sts_"), secret.count == 68 else { return nil }
        let idHash = Secret.sha256(secret)
        guard
            let row = try await store.handle.read({ database in
                try await database.raw(
                    """
                    SELECT \(unsafeRaw: Self.accountColumns(prefix: "a.")), s.csrf, s.created_at AS session_created, s.seen_at, s.expires_at,
                    s.must_choose FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id WHERE s.id_hash = \(bind: idHash)
                    """
                ).first()
            })
        else { return nil }
        let account = try Self.account(from: row)
        let seen = try row.decode(column: "seen_at", as: Int64.self)
        let expires = try row.decode(column: "expires_at", as: Int64.self)
        guard account.disabledAt == nil, expires > now, seen + Int64(sessions.idle.components.seconds) > now else { return nil }
        if now - seen >= 60 {
            try await store.handle.write { database in
                try await database.raw("UPDATE staff_sessions SET seen_at = \(bind: now) WHERE id_hash = \(bind: idHash)").run()
            }
        }
        return StaffSession(
            account: account,
            csrf: try row.decode(column: "csrf", as: String.self),
            createdAt: try row.decode(column: "session_created", as: Int64.self),
            expiresAt: expires,
            mustChoosePassword: try row.decode(column: "must_choose", as: Int.self) != 0
        )
    }

    /// Ends the session of a cookie's secret.
    public func signOut(secret: String, session: StaffSession) async throws {
        try await store.writeAudited { database in
            try await database.raw("DELETE FROM staff_sessions WHERE id_hash = \(bind: Secret.sha256(secret))").run()
            return ((), [AuditEvent(actor: session.account.actor, action: .staffSignOut, object: "staff/\(session.account.id)")])
        }
    }

    /// Sets a new password. The current one is asked for unless the session began with the setup
    /// code; every other session of the account ends, and the setup code can no longer be used.
    public func changePassword(secret: String, session: StaffSession, current: String?, new password: String) async throws {
        let account = session.account
        if !session.mustChoosePassword {
            let stored = try await store.handle.read { database in
                try await database.raw("SELECT password_hash FROM staff_accounts WHERE id = \(bind: account.id)").first()?
                    .decode(column: "password_hash", as: String?.self)
            }
            guard let stored, try await Self.verify(current ?? "", hash: stored) else {
                throw StewardError(.invalidInput, "the current password is not right", field: "current")
            }
        }
        try PasswordPolicy.check(password, email: account.email, field: "new")
        let hash = try await Self.hash(password, cost: cost)
        let idHash = Secret.sha256(secret)
        try await store.writeAudited { database in
            try await database.raw(
                "UPDATE staff_accounts SET password_hash = \(bind: hash), setup_hash = NULL, setup_expires = NULL WHERE id = \(bind: account.id)"
            ).run()
            try await database.raw("DELETE FROM staff_sessions WHERE account_id = \(bind: account.id) AND id_hash <> \(bind: idHash)").run()
            try await database.raw("UPDATE staff_sessions SET must_choose = 0 WHERE id_hash = \(bind: idHash)").run()
            return ((), [AuditEvent(actor: account.actor, action: .staffPassword, object: "staff/\(account.id)")])
        }
    }

    static let accountColumns = accountColumns(prefix: "")

    static func accountColumns(prefix: String) -> String {
        ["id", "email", "role", "created_at", "created_by", "disabled_at"].map { "\(prefix)\($0)" }.joined(separator: ", ")
            + ", CASE WHEN \(prefix)password_hash IS NULL THEN 0 ELSE 1 END AS has_password"
    }

    static func account(from row: any SQLRow) throws -> StaffAccount {
        guard let role = Role(rawValue: try row.decode(column: "role", as: String.self)) else {
            throw StewardError(.internal, "a staff account has a role Steward does not know")
        }
        return StaffAccount(
            id: try row.decode(column: "id", as: String.self),
            email: try row.decode(column: "email", as: String.self),
            role: role,
            createdAt: try row.decode(column: "created_at", as: String.self),
            createdBy: try row.decode(column: "created_by", as: String.self),
            hasPassword: try row.decode(column: "has_password", as: Int.self) != 0,
            disabledAt: try row.decode(column: "disabled_at", as: String?.self)
        )
    }
}
