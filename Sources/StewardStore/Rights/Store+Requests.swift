import Foundation
import SQLKit
public import StewardCore

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

    static func challenge(for request: RightsRequest.ID, on database: any SQLDatabase) async throws -> StoredChallenge? {
        guard
            let row = try await database.raw(
                "SELECT salt, code_hash, issued_at, attempts, used_at, codes_issued FROM identity_challenges WHERE request_id = \(bind: request.rawValue)"
            ).first()
        else { return nil }
        return StoredChallenge(challenge: try row.model(IdentityChallenge.self), codesIssued: try row.decode(column: "codes_issued", as: Int.self))
    }

}

/// A unit of work on rights requests inside one SQL transaction.
struct SQLRequestTransaction: RequestTransaction {
    let database: any SQLDatabase
    let dialect: Dialect
    /// Seals one-time codes while their letters wait in the outbox.
    let seal: SecretSeal

    func insert(_ request: RightsRequest, reading: ClockReading, createdAt: String, actor: String) async throws {
        try await Store.insert(request, reading: reading, createdAt: createdAt, actor: actor, on: database)
    }

    func requestForUpdate(_ id: RightsRequest.ID) async throws -> RightsRequest {
        try await Store.loadRequest(id, forUpdate: dialect == .postgres, on: database)
    }

    func save(_ request: RightsRequest, reading: ClockReading) async throws {
        try await Store.save(request, reading: reading, on: database)
    }

    func challenge(for request: RightsRequest.ID) async throws -> StoredChallenge? {
        try await Store.challenge(for: request, on: database)
    }

    func saveChallenge(_ challenge: IdentityChallenge, codesIssued: Int, request: RightsRequest.ID) async throws {
        try await Store.saveChallenge(challenge, codesIssued: codesIssued, request: request, on: database)
    }

    func statusAccess(for request: RightsRequest.ID) async throws -> StatusAccess? {
        guard
            let row = try await database.raw(
                """
                SELECT salt, code_hash, issued_at, attempts, used_at, codes_issued, window_start, link_hash, link_expires_at
                FROM status_access WHERE request_id = \(bind: request.rawValue)
                """
            ).first()
        else { return nil }
        return StatusAccess(
            challenge: try row.model(IdentityChallenge.self),
            codesIssued: try row.decode(column: "codes_issued", as: Int.self),
            windowStart: try row.decode(column: "window_start", as: Int64.self),
            linkHash: try row.decode(column: "link_hash", as: String?.self),
            linkExpiresAt: try row.decode(column: "link_expires_at", as: Int64?.self)
        )
    }

    func saveStatusAccess(_ access: StatusAccess, request: RightsRequest.ID) async throws {
        try await database.raw("DELETE FROM status_access WHERE request_id = \(bind: request.rawValue)").run()
        let challenge = access.challenge
        try await database.raw(
            """
            INSERT INTO status_access (request_id, salt, code_hash, issued_at, attempts, used_at, codes_issued, window_start, link_hash, link_expires_at)
            VALUES (\(bind: request.rawValue), \(bind: challenge.salt), \(bind: challenge.codeHash), \(bind: challenge.issuedAt),
                    \(bind: challenge.attempts), \(bind: challenge.usedAt), \(bind: access.codesIssued), \(bind: access.windowStart),
                    \(bind: access.linkHash), \(bind: access.linkExpiresAt))
            """
        ).run()
    }

    func enqueue(_ letter: OutgoingLetter, actor: String) async throws -> AuditEvent {
        let code = try letter.code.map { code in
            (sealed: try seal.seal(code.code, context: letter.request?.rawValue ?? ""), expiresAt: code.expiresAt)
        }
        return try await Store.enqueue(
            letter.letter,
            to: letter.address,
            name: letter.name,
            request: letter.request,
            code: code,
            actor: actor,
            on: database
        )
    }

    func owner(of identifier: Subject.Identifier) async throws -> Subject.ID? {
        try await Store.owner(of: identifier, on: database).map { .init($0) }
    }

    func owner(ofAll identifiers: [Subject.Identifier]) async throws -> Subject.ID? {
        try await Store.owner(ofAll: identifiers, on: database)
    }

    func subject(_ id: Subject.ID) async throws -> Subject? {
        try await Store.subject(id, on: database)
    }

    func disclosures(of subject: Subject) async throws -> [Disclosure] {
        try await Store.disclosures(of: subject, on: database)
    }
}

extension Store: RequestRepository {
    public func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any RequestTransaction) async throws -> (Result, [AuditEvent])
    ) async throws -> Result {
        let dialect = self.dialect
        let seal = self.seal
        return try await writeAudited { database in
            try await body(SQLRequestTransaction(database: database, dialect: dialect, seal: seal))
        }
    }

    public func request(_ id: RightsRequest.ID) async throws -> RightsRequest {
        try await handle.read { database in try await Self.loadRequest(id, forUpdate: false, on: database) }
    }

    public func requests(
        states: Set<RightsRequest.State>?,
        kind: RightsRequest.Kind?,
        dueBefore: CalendarDate?,
        subject: Subject.ID?
    ) async throws
        -> [RightsRequest]
    {
        try await handle.read { database in
            var query = SQLQueryString("SELECT document FROM rights_requests WHERE 1 = 1")
            if let states {
                let names: [any Encodable & Sendable] = states.map(\.rawValue).sorted()
                query = query + " AND state IN (\(binds: names))"
            }
            if let kind { query = query + " AND kind = " + "\(bind: kind.rawValue)" }
            if let dueBefore { query = query + " AND due IS NOT NULL AND due <= " + "\(bind: dueBefore.description)" }
            if let subject { query = query + " AND subject_id = " + "\(bind: subject.rawValue)" }
            return try await database.raw(query).all().map { try Store.decodeRequest(from: $0) }
        }
    }

    public func append(_ event: AuditEvent) async throws {
        try await audit.append(event)
    }

    public func startRun(_ id: RightsRequest.ID, startedAt: String) async throws {
        try await handle.write { database in
            if let row = try await database.raw("SELECT status FROM request_runs WHERE request_id = \(bind: id.rawValue)").first() {
                guard try row.decode(column: "status", as: String.self) != RunStatus.Status.running.rawValue else {
                    throw StewardError(.conflict, "a search for this request is already running", field: "id")
                }
                try await database.raw(
                    """
                    UPDATE request_runs SET status = \(bind: RunStatus.Status.running.rawValue), done = 0, total = 0, started_at = \(bind: startedAt),
                        finished_at = NULL, error = NULL, document = NULL WHERE request_id = \(bind: id.rawValue)
                    """
                ).run()
            } else {
                try await database.raw(
                    """
                    INSERT INTO request_runs (request_id, status, done, total, started_at)
                    VALUES (\(bind: id.rawValue), \(bind: RunStatus.Status.running.rawValue), 0, 0, \(bind: startedAt))
                    """
                ).run()
            }
        }
    }

    public func recordProgress(_ id: RightsRequest.ID, done: Int, total: Int) async throws {
        try await handle.write { database in
            try await database.raw(
                "UPDATE request_runs SET done = \(bind: done), total = \(bind: total) WHERE request_id = \(bind: id.rawValue)"
            ).run()
        }
    }

    public func finishRun(_ id: RightsRequest.ID, _ end: RunEnd, events: [AuditEvent]) async throws {
        // What a run found names the person's records: kept sealed, never in clear.
        let document = try end.document.map { try dataSeal.seal(try Self.encode($0), context: "request-run:\(id)") }
        let status = end.failure == nil ? RunStatus.Status.done : .failed
        try await writeAudited { database in
            var query = SQLQueryString(
                """
                UPDATE request_runs SET status = \(bind: status.rawValue), finished_at = \(bind: AuditChain.timestamp()), error = \(bind: end.failure),
                    document = \(bind: document)
                """
            )
            if let (done, total) = end.progress { query = query + ", done = \(bind: done), total = \(bind: total)" }
            try await database.raw(query + " WHERE request_id = \(bind: id.rawValue)").run()
            return ((), events)
        }
    }

    public func runStatus(_ id: RightsRequest.ID) async throws -> RunStatus? {
        try await handle.read { database in
            guard
                let row = try await database.raw(
                    "SELECT status, done, total, started_at, finished_at, error FROM request_runs WHERE request_id = \(bind: id.rawValue)"
                ).first()
            else { return nil }
            return try row.model(RunStatus.self)
        }
    }

    public func runDocument<Document: Decodable & Sendable>(_ id: RightsRequest.ID, as type: Document.Type) async throws -> Document? {
        let document = try await handle.read { database in
            try await database.raw(
                "SELECT document FROM request_runs WHERE request_id = \(bind: id.rawValue) AND status = \(bind: RunStatus.Status.done.rawValue)"
            ).first()?.decode(column: "document", as: String?.self)
        }
        return try document.map { sealed in
            try JSONDecoder().decode(type, from: Data(try dataSeal.open(sealed, context: "request-run:\(id)").utf8))
        }
    }

    public func failInterruptedRuns() async throws {
        try await handle.write { database in
            try await database.raw(
                """
                UPDATE request_runs SET status = \(bind: RunStatus.Status.failed.rawValue), finished_at = \(bind: AuditChain.timestamp()),
                    error = 'interrupted: the server stopped while it was running; run it again' WHERE status = \(bind: RunStatus.Status.running.rawValue)
                """
            ).run()
        }
    }
}
