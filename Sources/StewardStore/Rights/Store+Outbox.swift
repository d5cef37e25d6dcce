import Foundation
import SQLKit
public import StewardCore

/// An email waiting to be sent, or sent, or given up on. Letters are written into the outbox in the
/// same transaction as the change that causes them, so a change is never acknowledged without its
/// letter; a worker sends them and retries with backoff.
public struct OutboxMessage: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending
        case sent
        /// Rejected permanently, or out of tries: staff must look at it.
        case failed
    }

    public var id: String
    public var request: RightsRequest.ID?
    public var letter: String
    public var toAddress: String
    public var toName: String?
    public var subject: String
    public var text: String
    public var html: String
    public var status: Status
    public var attempts: Int
    /// Seconds since 1970.
    public var nextAttemptAt: Int64
    public var lastError: String?
    public var createdAt: String
    public var sentAt: String?
    /// A one-time code, sealed, waiting to be put into the message as it is sent; never shown.
    var sealed: String?
    /// When the code in the message stops working (seconds since 1970); a message not sent by then
    /// is not sent at all.
    var expiresAt: Int64?
    /// The token of the claim that holds the message while it is being sent.
    var claim: String?

    /// Where a one-time code goes in a waiting message. The code itself is kept sealed beside it
    /// and put in only as the message is sent, so no code is stored in clear.
    public static let codeMarker = OneTimeCode.marker

    enum CodingKeys: String, CodingKey {
        case id, request, letter, toAddress, toName, subject, text, html, status, attempts, nextAttemptAt, lastError, createdAt, sentAt
    }
}

extension Store {
    /// Seconds since 1970, as the outbox and codes count time.
    public static func epochSeconds() -> Int64 { IdentityChallenge.now() }

    /// Writes a letter into the outbox; the caller's transaction makes it durable with its cause.
    /// - Parameter code: a one-time code sealed with `seal` (bound to the request) and the time it
    ///   expires, for a letter rendered with `OutboxMessage.codeMarker` in its place.
    static func enqueue(
        _ letter: RenderedLetter,
        to address: String,
        name: String?,
        request: RightsRequest.ID?,
        code: (sealed: String, expiresAt: Int64)? = nil,
        actor: String,
        on database: any SQLDatabase
    ) async throws -> AuditEvent {
        let id = UUID().uuidString.lowercased()
        try await database.raw(
            """
            INSERT INTO outbox (id, request_id, letter, to_address, to_name, subject, text_body, html_body, status, attempts, next_attempt_at, created_at,
                                sealed, expires_at)
            VALUES (\(bind: id), \(bind: request?.rawValue), \(bind: letter.kind.rawValue), \(bind: address), \(bind: name), \(bind: letter.subject),
                    \(bind: letter.text), \(bind: letter.html), 'pending', 0, \(bind: epochSeconds()), \(bind: AuditChain.timestamp()),
                    \(bind: code?.sealed), \(bind: code?.expiresAt))
            """
        ).run()
        return AuditEvent(
            actor: actor,
            action: .mailQueue,
            object: "outbox/\(id)",
            details: ["letter": .string(letter.kind.rawValue), "request": request.map { .string($0.rawValue) } ?? .null]
        )
    }

    /// Takes up to `limit` messages that are due, and holds them for `lease` seconds under a claim
    /// token so another process does not send them too; a message whose sender stopped is tried
    /// again after the lease. Only the holder of the claim can record what happened to it.
    public func claimOutbox(now: Int64 = Store.epochSeconds(), limit: Int = 1, lease: Int64 = 300) async throws -> [OutboxMessage] {
        let dialect = self.dialect
        let token = Secret.randomHex(bytes: 16)
        return try await handle.write { database in
            let lock = SQLQueryString(dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : "")
            let rows = try await database.raw(
                SQLQueryString("SELECT \(unsafeRaw: Self.outboxColumns) FROM outbox WHERE status = 'pending' AND next_attempt_at <= \(bind: now)")
                    + " ORDER BY next_attempt_at, created_at LIMIT \(bind: limit)" + lock
            ).all()
            var messages = try rows.map(Self.outboxMessage(from:))
            for index in messages.indices {
                try await database.raw(
                    "UPDATE outbox SET next_attempt_at = \(bind: now + lease), claim = \(bind: token) WHERE id = \(bind: messages[index].id)"
                ).run()
                messages[index].claim = token
            }
            return messages
        }
    }

    /// Runs an update of a claimed message; true when the claim still held.
    static func updateClaimed(_ message: OutboxMessage, _ assignments: SQLQueryString, on database: any SQLDatabase) async throws -> Bool {
        let rows = try await database.raw(
            "UPDATE outbox SET " + assignments
                + " WHERE id = \(bind: message.id) AND claim = \(bind: message.claim ?? "") AND status = 'pending' RETURNING id"
        ).all()
        return !rows.isEmpty
    }

    /// Records a delivery. False when the claim had lapsed and another sender holds the message.
    @discardableResult
    public func markSent(_ message: OutboxMessage) async throws -> Bool {
        try await writeAudited { database in
            let held = try await Self.updateClaimed(
                message,
                "status = 'sent', attempts = attempts + 1, sent_at = \(bind: AuditChain.timestamp()), last_error = NULL, sealed = NULL, claim = NULL",
                on: database
            )
            guard held else { return (false, []) }
            let event = AuditEvent(
                actor: "outbox",
                action: .mailSent,
                object: "outbox/\(message.id)",
                details: [
                    "letter": .string(message.letter), "request": message.request.map { .string($0.rawValue) } ?? .null,
                    "attempts": .int(message.attempts + 1),
                ]
            )
            return (true, [event])
        }
    }

    /// Puts a message back for later without counting a try: the relay, not the message, failed
    /// (it is down, refuses TLS or the credentials).
    public func postpone(_ message: OutboxMessage, error: String, until: Int64) async throws {
        try await handle.write { database in
            _ = try await Self.updateClaimed(
                message,
                "next_attempt_at = \(bind: until), last_error = \(bind: String(error.prefix(500))), claim = NULL",
                on: database
            )
        }
    }

    /// Records a failed try: tried again later, or marked failed, as `LetterDelivery` says.
    /// The error must not contain personal data; SMTP replies and connection errors do not.
    @discardableResult
    public func markFailed(
        _ message: OutboxMessage,
        error: String,
        permanent: Bool,
        maxAttempts: Int,
        now: Int64 = Store.epochSeconds()
    )
        async throws -> OutboxMessage.Status
    {
        let attempts = message.attempts + 1
        let (givingUp, next) = LetterDelivery.afterFailure(attempts: attempts, permanent: permanent, maxAttempts: maxAttempts, now: now)
        let status: OutboxMessage.Status = givingUp ? .failed : .pending
        return try await writeAudited { database in
            let held = try await Self.updateClaimed(
                message,
                """
                status = \(bind: status.rawValue), attempts = \(bind: attempts), next_attempt_at = \(bind: next),
                last_error = \(bind: String(error.prefix(500))), sealed = \(bind: givingUp ? nil : message.sealed), claim = NULL
                """,
                on: database
            )
            guard held, givingUp else { return (status, []) }
            let event = AuditEvent(
                actor: "outbox",
                action: .mailFailed,
                object: "outbox/\(message.id)",
                details: [
                    "letter": .string(message.letter), "request": message.request.map { .string($0.rawValue) } ?? .null,
                    "attempts": .int(attempts), "error": .string(String(error.prefix(500))),
                ]
            )
            return (status, [event])
        }
    }

    /// Puts a failed message back in the queue, for staff once the cause is fixed.
    public func retryMessage(_ id: String, actor: String) async throws -> OutboxMessage {
        try await writeAudited { database in
            guard
                let row = try await database.raw(SQLQueryString("SELECT \(unsafeRaw: Self.outboxColumns) FROM outbox WHERE id = ") + "\(bind: id)")
                    .first()
            else { throw StewardError(.notFound, "no outbox message '\(id)'", field: "id") }
            var message = try Self.outboxMessage(from: row)
            guard message.status == .failed else {
                throw StewardError(.conflict, "only a failed message can be retried; this one is \(message.status.rawValue)", field: "id")
            }
            message.status = .pending
            message.nextAttemptAt = Self.epochSeconds()
            try await database.raw(
                "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(bind: message.nextAttemptAt), claim = NULL WHERE id = \(bind: id)"
            ).run()
            message.attempts = 0
            return (message, [AuditEvent(actor: actor, action: .mailRetry, object: "outbox/\(id)", details: ["letter": .string(message.letter)])])
        }
    }

    /// Messages, newest first, by status and/or request.
    public func outbox(status: OutboxMessage.Status? = nil, request: RightsRequest.ID? = nil, limit: Int = 200) async throws -> [OutboxMessage] {
        try await handle.read { database in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.outboxColumns) FROM outbox WHERE 1 = 1")
            if let status { query = query + " AND status = " + "\(bind: status.rawValue)" }
            if let request { query = query + " AND request_id = " + "\(bind: request.rawValue)" }
            query = query + " ORDER BY created_at DESC, id LIMIT \(bind: limit)"
            return try await database.raw(query).all().map(Self.outboxMessage(from:))
        }
    }

    /// The message as it goes out: any one-time code unsealed and put in its place. A code letter
    /// whose code is gone (given up, or sealed under another key) or has expired cannot be sent.
    public func deliverable(_ message: OutboxMessage, now: Int64 = Store.epochSeconds()) throws -> OutboxMessage {
        guard let sealed = message.sealed else {
            if message.letter == LetterKind.identityRequest.rawValue, message.text.contains(OutboxMessage.codeMarker) {
                throw StewardError(.conflict, "the one-time code for this message is gone; issue a new code instead", field: "id")
            }
            return message
        }
        if let expiresAt = message.expiresAt, now >= expiresAt {
            throw StewardError(.conflict, "the one-time code expired before the email could be sent; issue a new code", field: "id")
        }
        let code = try seal.open(sealed, context: message.request?.rawValue ?? "")
        var result = message
        result.text = message.text.replacingOccurrences(of: OutboxMessage.codeMarker, with: code)
        result.html = message.html.replacingOccurrences(of: OutboxMessage.codeMarker, with: code)
        return result
    }

    static let outboxColumns =
        "id, request_id, letter, to_address, to_name, subject, text_body, html_body, status, attempts, next_attempt_at, last_error, created_at, sent_at, sealed, expires_at, claim"

    static func outboxMessage(from row: any SQLRow) throws -> OutboxMessage {
        let stored = try row.model(Row.self)
        return OutboxMessage(
            id: stored.id,
            request: stored.requestId.map { .init($0) },
            letter: stored.letter,
            toAddress: stored.toAddress,
            toName: stored.toName,
            subject: stored.subject,
            text: stored.textBody,
            html: stored.htmlBody,
            status: OutboxMessage.Status(rawValue: stored.status) ?? .failed,
            attempts: stored.attempts,
            nextAttemptAt: stored.nextAttemptAt,
            lastError: stored.lastError,
            createdAt: stored.createdAt,
            sentAt: stored.sentAt,
            sealed: stored.sealed,
            expiresAt: stored.expiresAt,
            claim: stored.claim
        )
    }

    /// An outbox row as the table holds it.
    private struct Row: Decodable {
        var id: String
        var requestId: String?
        var letter: String
        var toAddress: String
        var toName: String?
        var subject: String
        var textBody: String
        var htmlBody: String
        var status: String
        var attempts: Int
        var nextAttemptAt: Int64
        var lastError: String?
        var createdAt: String
        var sentAt: String?
        var sealed: String?
        var expiresAt: Int64?
        var claim: String?
    }
}
