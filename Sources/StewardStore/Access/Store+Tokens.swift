import Crypto
import Foundation
import SQLKit
public import StewardCore

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
                actor: actor,
                action: .tokenCreate,
                object: "token/\(id)",
                details: ["name": .string(trimmed), "role": .string(role.rawValue)]
            )
            return ((token, secret), [event])
        }
    }

    /// The token a bearer secret belongs to, if it is valid and not revoked. A token this node read
    /// in the last second is not read again (`TokenCache`): revoking it here takes effect at once,
    /// elsewhere within that second.
    public func authenticate(secret: String) async throws -> APIToken? {
        let parts = secret.split(separator: "_")
        guard parts.count == 3, parts[0] == "stw", parts[1].count == 16 else { return nil }
        let id = String(parts[1])
        let secretHash = Secret.sha256(secret)
        if let cached = tokens.token(id: id, secretHash: secretHash) { return cached }
        guard
            let row = try await handle.read({ database in
                try await database.raw(
                    "SELECT id, name, role, secret_hash, created_at, created_by, revoked_at FROM api_tokens WHERE id = \(bind: id)"
                )
                .first()
            })
        else { return nil }
        let stored = try row.decode(column: "secret_hash", as: String.self)
        guard Secret.equal(stored, secretHash) else { return nil }
        let token = try Self.token(from: row)
        guard token.revokedAt == nil else { return nil }
        tokens.keep(token, secretHash: secretHash)
        return token
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
        let revoked = try await writeAudited { database in
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
        tokens.forget(revoked.id)
        return revoked
    }

    static func token(from row: any SQLRow) throws -> APIToken {
        try row.model(APIToken.self)
    }

}
