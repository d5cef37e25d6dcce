import Foundation
import SQLKit
import StewardCore

/// Rights requests are stored whole, as JSON, with the columns lists are filtered and sorted on
/// (state, due date, subject) kept beside them and updated in the same statement.
extension Store {
    static func insert(_ request: RightsRequest, reading: ClockReading, createdAt: String, actor: String, on database: any SQLDatabase) async throws {
        try await database.raw(
            """
            INSERT INTO rights_requests (id, kind, state, received, due, subject_id, document, created_at, created_by, updated_at)
            VALUES (\(bind: request.id.rawValue), \(bind: request.kind.rawValue), \(bind: try request.state().rawValue),
                    \(bind: request.received.description), \(bind: reading.due?.description), \(bind: request.subject?.rawValue),
                    \(bind: try encode(request)), \(bind: createdAt), \(bind: actor), \(bind: createdAt))
            """
        ).run()
    }

    static func save(_ request: RightsRequest, reading: ClockReading, on database: any SQLDatabase) async throws {
        try await database.raw(
            """
            UPDATE rights_requests SET state = \(bind: try request.state().rawValue), due = \(bind: reading.due?.description),
                subject_id = \(bind: request.subject?.rawValue), document = \(bind: try encode(request)), updated_at = \(bind: AuditChain.timestamp())
            WHERE id = \(bind: request.id.rawValue)
            """
        ).run()
    }

    /// A request by reference; on PostgreSQL, `forUpdate` locks its row until the transaction ends.
    static func loadRequest(_ id: RightsRequest.ID, forUpdate: Bool, on database: any SQLDatabase) async throws -> RightsRequest {
        let lock = SQLQueryString(forUpdate ? " FOR UPDATE" : "")
        guard let row = try await database.raw("SELECT document FROM rights_requests WHERE id = \(bind: id.rawValue)" + lock).first() else {
            throw StewardError(.notFound, "no request with reference '\(id)'", field: "id")
        }
        return try decodeRequest(from: row)
    }

    static func decodeRequest(from row: any SQLRow) throws -> RightsRequest {
        try JSONDecoder().decode(RightsRequest.self, from: Data(try row.decode(column: "document", as: String.self).utf8))
    }

    static func saveChallenge(_ challenge: IdentityChallenge, codesIssued: Int, request: RightsRequest.ID, on database: any SQLDatabase) async throws
    {
        try await database.raw("DELETE FROM identity_challenges WHERE request_id = \(bind: request.rawValue)").run()
        try await database.raw(
            """
            INSERT INTO identity_challenges (request_id, salt, code_hash, issued_at, attempts, used_at, codes_issued)
            VALUES (\(bind: request.rawValue), \(bind: challenge.salt), \(bind: challenge.codeHash), \(bind: challenge.issuedAt),
                    \(bind: challenge.attempts), \(bind: challenge.usedAt), \(bind: codesIssued))
            """
        ).run()
    }

    static func challenge(
        for request: RightsRequest.ID, on database: any SQLDatabase
    ) async throws -> (challenge: IdentityChallenge, codesIssued: Int)? {
        guard
            let row = try await database.raw(
                "SELECT salt, code_hash, issued_at, attempts, used_at, codes_issued FROM identity_challenges WHERE request_id = \(bind: request.rawValue)"
            ).first()
        else { return nil }
        let challenge = IdentityChallenge(
            salt: try row.decode(column: "salt", as: String.self), codeHash: try row.decode(column: "code_hash", as: String.self),
            issuedAt: try row.decode(column: "issued_at", as: Int64.self), attempts: try row.decode(column: "attempts", as: Int.self),
            usedAt: try row.decode(column: "used_at", as: Int64?.self)
        )
        return (challenge, try row.decode(column: "codes_issued", as: Int.self))
    }

    /// Marks runs that were going when the server stopped as failed, so they can be run again.
    public func failInterruptedRuns() async throws {
        try await handle.write { database in
            try await database.raw(
                """
                UPDATE request_runs SET status = 'failed', finished_at = \(bind: AuditChain.timestamp()),
                    error = 'interrupted: the server stopped while it was running; run it again' WHERE status = 'running'
                """
            ).run()
        }
    }

}
