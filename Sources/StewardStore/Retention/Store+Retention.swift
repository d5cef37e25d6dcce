import Foundation
import SQLKit
public import StewardCore

/// Retention's records: holds, sweeps with their lease and batches, disposal certificates and
/// reviews. Each call is one transaction with its audit entries.
extension Store: RetentionRepository {
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// A list of keys as a JSON array, written directly: a batch's 5,000 keys go through
    /// JSONEncoder slower than through the database.
    static func encodeKeys(_ keys: [String]) -> String {
        var text = "["
        text.reserveCapacity(keys.count * 10 + 2)
        for (index, key) in keys.enumerated() {
            if index > 0 { text += "," }
            text += "\""
            // Most keys are numbers or plain text: nothing to escape.
            if key.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) {
                text += key
                text += "\""
                continue
            }
            for scalar in key.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case let control where control.value < 0x20: text += String(format: "\\u%04x", control.value)
                default: text.unicodeScalars.append(scalar)
                }
            }
            text += "\""
        }
        return text + "]"
    }

    static func decode<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    // MARK: Holds

    public func addHold(_ hold: LegalHold, event: AuditEvent) async throws {
        let document = try Self.encode(hold)
        try await writeAudited { database in
            try await database.raw(
                """
                INSERT INTO retention_holds (id, kind, created_at, document)
                VALUES (\(bind: hold.id.rawValue), \(bind: hold.kind.rawValue), \(bind: hold.createdAt), \(bind: document))
                """
            ).run()
            return ((), [event])
        }
    }

    public func holds(includingLifted: Bool) async throws -> [LegalHold] {
        try await handle.read { database in
            let query: SQLQueryString =
                includingLifted
                ? "SELECT document FROM retention_holds ORDER BY created_at, id"
                : "SELECT document FROM retention_holds WHERE lifted_at IS NULL ORDER BY created_at, id"
            return try await database.raw(query).all().map { try Self.decode(LegalHold.self, try $0.decode(column: "document", as: String.self)) }
        }
    }

    public func liftHold(_ id: LegalHold.ID, _ lift: LegalHold.Lift, event: AuditEvent) async throws -> LegalHold {
        try await writeAudited { database in
            guard let row = try await database.raw("SELECT document FROM retention_holds WHERE id = \(bind: id.rawValue)").first() else {
                throw StewardError(.notFound, "no hold '\(id)'", field: "id")
            }
            var hold = try Self.decode(LegalHold.self, try row.decode(column: "document", as: String.self))
            guard hold.lifted == nil else { throw StewardError(.conflict, "hold \(id) was lifted on \(hold.lifted?.at ?? "")", field: "id") }
            hold.lifted = lift
            let document = try Self.encode(hold)
            try await database.raw(
                "UPDATE retention_holds SET lifted_at = \(bind: lift.at), document = \(bind: document) WHERE id = \(bind: id.rawValue)"
            ).run()
            var event = event
            event.details = ["reason": .string(lift.reason)]
            return (hold, [event])
        }
    }

    // MARK: Sweeps

    public func startRun(_ run: RetentionRun, holder: String, leaseSeconds: Int, event: AuditEvent) async throws {
        let document = try Self.encode(run)
        try await writeAudited { database in
            let now = Self.now()
            if let row = try await database.raw(
                "SELECT id, lease_until FROM retention_runs WHERE state = \(bind: RetentionRun.State.running.rawValue)"
            ).first() {
                let other = try row.decode(column: "id", as: String.self)
                let until = try row.decode(column: "lease_until", as: Int64?.self) ?? 0
                throw StewardError(
                    .conflict,
                    until > now
                        ? "sweep \(other) is running; wait for it to end"
                        : "sweep \(other) stopped part-way; run the sweep again to resume it",
                    field: "run"
                )
            }
            try await database.raw(
                """
                INSERT INTO retention_runs (id, state, started_at, document, lease_holder, lease_until)
                VALUES (\(bind: run.id.rawValue), \(bind: run.state.rawValue), \(bind: run.startedAt), \(bind: document), \(bind: holder),
                        \(bind: now + Int64(leaseSeconds) * 1000))
                """
            ).run()
            return ((), [event])
        }
    }

    public func unfinishedRun() async throws -> (run: RetentionRun, leaseLapsed: Bool, leaseSecondsLeft: Int)? {
        try await handle.read { database in
            guard
                let row = try await database.raw(
                    "SELECT document, lease_until FROM retention_runs WHERE state = \(bind: RetentionRun.State.running.rawValue) ORDER BY started_at LIMIT 1"
                ).first()
            else { return nil }
            let run = try Self.decode(RetentionRun.self, try row.decode(column: "document", as: String.self))
            let left = (try row.decode(column: "lease_until", as: Int64?.self) ?? 0) - Self.now()
            return (run, left <= 0, Int(max(0, left) / 1000) + 1)
        }
    }

    public func takeOver(_ id: RetentionRun.ID, holder: String, leaseSeconds: Int) async throws -> Bool {
        try await handle.write { database in
            let now = Self.now()
            let rows = try await database.raw(
                """
                UPDATE retention_runs SET lease_holder = \(bind: holder), lease_until = \(bind: now + Int64(leaseSeconds) * 1000)
                WHERE id = \(bind: id.rawValue) AND state = \(bind: RetentionRun.State.running.rawValue)
                  AND (lease_until IS NULL OR lease_until < \(bind: now)) RETURNING id
                """
            ).all()
            return rows.count == 1
        }
    }

    /// Writes the run's document and renews its lease, only while `holder` holds it.
    static func saveRun(_ run: RetentionRun, holder: String, leaseSeconds: Int, on database: any SQLDatabase) async throws {
        let document = try encode(run)
        let rows = try await database.raw(
            """
            UPDATE retention_runs SET document = \(bind: document), state = \(bind: run.state.rawValue),
                lease_until = \(bind: now() + Int64(leaseSeconds) * 1000)
            WHERE id = \(bind: run.id.rawValue) AND lease_holder = \(bind: holder) RETURNING id
            """
        ).all()
        guard rows.count == 1 else {
            throw StewardError(.conflict, "sweep \(run.id) was taken over by another process; this one stops", field: "run")
        }
    }

    public func renewLease(_ id: RetentionRun.ID, holder: String, leaseSeconds: Int) async throws {
        try await handle.write { database in
            let rows = try await database.raw(
                """
                UPDATE retention_runs SET lease_until = \(bind: Self.now() + Int64(leaseSeconds) * 1000)
                WHERE id = \(bind: id.rawValue) AND lease_holder = \(bind: holder) RETURNING id
                """
            ).all()
            guard rows.count == 1 else { throw StewardError(.conflict, "sweep \(id) is no longer held by this process", field: "run") }
        }
    }

    public func saveRun(_ run: RetentionRun, holder: String, leaseSeconds: Int) async throws {
        try await handle.write { database in try await Self.saveRun(run, holder: holder, leaseSeconds: leaseSeconds, on: database) }
    }

    public func recordBatch(_ batch: RetentionBatch, run: RetentionRun, holder: String, leaseSeconds: Int) async throws {
        let keys = Self.encodeKeys(batch.keys)
        try await handle.write { database in
            try await Self.saveRun(run, holder: holder, leaseSeconds: leaseSeconds, on: database)
            try await database.raw(
                """
                INSERT INTO retention_batches (run_id, rule, sequence, done, keys, dependents)
                VALUES (\(bind: batch.run.rawValue), \(bind: batch.rule), \(bind: batch.sequence), 0, \(bind: keys), '{}')
                """
            ).run()
        }
    }

    public func finishBatch(_ batch: RetentionBatch, keysChanged: Bool, run: RetentionRun, holder: String, leaseSeconds: Int) async throws {
        // The keys were written when the batch was recorded; again only when fewer went.
        let keys = keysChanged ? Self.encodeKeys(batch.keys) : nil
        let dependents = try Self.encode(batch.dependents)
        try await handle.write { database in
            try await Self.saveRun(run, holder: holder, leaseSeconds: leaseSeconds, on: database)
            try await database.raw(
                """
                UPDATE retention_batches SET done = 1, keys = COALESCE(\(bind: keys), keys), dependents = \(bind: dependents)
                WHERE run_id = \(bind: batch.run.rawValue) AND rule = \(bind: batch.rule) AND sequence = \(bind: batch.sequence)
                """
            ).run()
        }
    }

    static func batch(from row: any SQLRow) throws -> RetentionBatch {
        RetentionBatch(
            run: .init(try row.decode(column: "run_id", as: String.self)),
            rule: try row.decode(column: "rule", as: String.self),
            sequence: try row.decode(column: "sequence", as: Int.self),
            keys: try decode([String].self, try row.decode(column: "keys", as: String.self)),
            done: try row.decode(column: "done", as: Int.self) == 1,
            dependents: try decode([String: Int].self, try row.decode(column: "dependents", as: String.self))
        )
    }

    public func pendingBatch(run: RetentionRun.ID, rule: String) async throws -> RetentionBatch? {
        try await handle.read { database in
            try await database.raw(
                """
                SELECT run_id, rule, sequence, done, keys, dependents FROM retention_batches
                WHERE run_id = \(bind: run.rawValue) AND rule = \(bind: rule) AND done = 0 ORDER BY sequence LIMIT 1
                """
            ).first().map(Self.batch(from:))
        }
    }

    public func doneBatches(run: RetentionRun.ID, rule: String, from sequence: Int, limit: Int) async throws -> [RetentionBatch] {
        try await handle.read { database in
            try await database.raw(
                """
                SELECT run_id, rule, sequence, done, keys, dependents FROM retention_batches
                WHERE run_id = \(bind: run.rawValue) AND rule = \(bind: rule) AND done = 1 AND sequence >= \(bind: sequence)
                ORDER BY sequence LIMIT \(bind: limit)
                """
            ).all().map(Self.batch(from:))
        }
    }

    public func finishRule(
        run: RetentionRun,
        certificate: DisposalCertificate?,
        review: (RetentionReview, [String])?,
        events: [AuditEvent],
        holder: String,
        leaseSeconds: Int
    ) async throws {
        let certificateDocument = try certificate.map { try Self.encode($0) }
        let reviewDocument = try review.map { (try Self.encode($0.0), try Self.encode($0.1)) }
        try await writeAudited { database in
            try await Self.saveRun(run, holder: holder, leaseSeconds: leaseSeconds, on: database)
            if let certificate, let certificateDocument {
                try await database.raw(
                    """
                    INSERT INTO retention_certificates (id, run_id, rule, issued_at, document)
                    VALUES (\(bind: certificate.id.rawValue), \(bind: run.id.rawValue), \(bind: certificate.rule), \(bind: certificate.finishedAt),
                            \(bind: certificateDocument))
                    """
                ).run()
            }
            if let (item, _) = review, let (document, keys) = reviewDocument {
                try await database.raw(
                    """
                    INSERT INTO retention_reviews (id, rule, state, created_at, document, keys)
                    VALUES (\(bind: item.id.rawValue), \(bind: item.rule), \(bind: item.state.rawValue), \(bind: item.createdAt), \(bind: document),
                            \(bind: keys))
                    """
                ).run()
            }
            return ((), events)
        }
    }

    public func finishRun(_ run: RetentionRun, events: [AuditEvent]) async throws {
        let document = try Self.encode(run)
        try await writeAudited { database in
            try await database.raw(
                """
                UPDATE retention_runs SET state = \(bind: run.state.rawValue), document = \(bind: document), lease_holder = NULL, lease_until = NULL
                WHERE id = \(bind: run.id.rawValue)
                """
            ).run()
            return ((), events)
        }
    }

    public func runs(limit: Int) async throws -> [RetentionRun] {
        try await handle.read { database in
            try await database.raw("SELECT document FROM retention_runs ORDER BY started_at DESC, id LIMIT \(bind: limit)").all().map {
                try Self.decode(RetentionRun.self, try $0.decode(column: "document", as: String.self))
            }
        }
    }

    public func run(_ id: RetentionRun.ID) async throws -> RetentionRun? {
        try await handle.read { database in
            try await database.raw("SELECT document FROM retention_runs WHERE id = \(bind: id.rawValue)").first().map {
                try Self.decode(RetentionRun.self, try $0.decode(column: "document", as: String.self))
            }
        }
    }

    // MARK: Certificates

    public func certificates(run: RetentionRun.ID?, rule: String?) async throws -> [DisposalCertificate] {
        try await handle.read { database in
            var query = SQLQueryString("SELECT document FROM retention_certificates WHERE 1 = 1")
            if let run { query = query + " AND run_id = \(bind: run.rawValue)" }
            if let rule { query = query + " AND rule = \(bind: rule)" }
            return try await database.raw(query + " ORDER BY issued_at DESC, id").all().map {
                try Self.decode(DisposalCertificate.self, try $0.decode(column: "document", as: String.self))
            }
        }
    }

    public func certificate(_ id: DisposalCertificate.ID) async throws -> DisposalCertificate? {
        try await handle.read { database in
            try await database.raw("SELECT document FROM retention_certificates WHERE id = \(bind: id.rawValue)").first().map {
                try Self.decode(DisposalCertificate.self, try $0.decode(column: "document", as: String.self))
            }
        }
    }

    // MARK: Reviews

    public func reviews(state: RetentionReview.State?) async throws -> [RetentionReview] {
        try await handle.read { database in
            var query = SQLQueryString("SELECT document FROM retention_reviews")
            if let state { query = query + " WHERE state = \(bind: state.rawValue)" }
            return try await database.raw(query + " ORDER BY created_at, id").all().map {
                try Self.decode(RetentionReview.self, try $0.decode(column: "document", as: String.self))
            }
        }
    }

    public func review(_ id: RetentionReview.ID) async throws -> RetentionReview? {
        try await handle.read { database in
            try await database.raw("SELECT document FROM retention_reviews WHERE id = \(bind: id.rawValue)").first().map {
                try Self.decode(RetentionReview.self, try $0.decode(column: "document", as: String.self))
            }
        }
    }

    public func reviewKeys(_ id: RetentionReview.ID) async throws -> [String] {
        try await handle.read { database in
            guard let row = try await database.raw("SELECT keys FROM retention_reviews WHERE id = \(bind: id.rawValue)").first() else {
                throw StewardError(.notFound, "no review '\(id)'", field: "id")
            }
            return try Self.decode([String].self, try row.decode(column: "keys", as: String.self))
        }
    }

    public func keptKeys(rule: String, today: CalendarDate) async throws -> [String: RetentionKeeper] {
        try await handle.read { database in
            var kept: [String: RetentionKeeper] = [:]
            for row in try await database.raw(
                "SELECT id, keys FROM retention_reviews WHERE rule = \(bind: rule) AND state = \(bind: RetentionReview.State.open.rawValue)"
            ).all() {
                let id = try row.decode(column: "id", as: String.self)
                for key in try Self.decode([String].self, try row.decode(column: "keys", as: String.self)) { kept[key] = .init(.review, id) }
            }
            for row in try await database.raw(
                "SELECT row_key, review_id FROM retention_kept WHERE rule = \(bind: rule) AND until > \(bind: today.description)"
            ).all() {
                kept[try row.decode(column: "row_key", as: String.self)] = .init(.kept, try row.decode(column: "review_id", as: String.self))
            }
            return kept
        }
    }

    public func decideReview(_ review: RetentionReview, event: AuditEvent) async throws {
        let document = try Self.encode(review)
        try await writeAudited { database in
            let updated = try await database.raw(
                """
                UPDATE retention_reviews SET state = \(bind: review.state.rawValue), document = \(bind: document)
                WHERE id = \(bind: review.id.rawValue) AND state = \(bind: RetentionReview.State.open.rawValue) RETURNING keys
                """
            ).all()
            guard let row = updated.first else {
                throw StewardError(.conflict, "review \(review.id) was decided already", field: "id")
            }
            if review.state == .kept, let until = review.outcome?.keepUntil {
                let keys = try Self.decode([String].self, try row.decode(column: "keys", as: String.self))
                try await database.raw("DELETE FROM retention_kept WHERE rule = \(bind: review.rule) AND until <= \(bind: until.description)").run()
                for chunk in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min(keys.count, $0 + 500)]) }) {
                    let values = SQLList(
                        chunk.map { key in
                            SQLGroupExpression([SQLBind(review.rule), SQLBind(key), SQLBind(until.description), SQLBind(review.id.rawValue)])
                        }
                    )
                    try await database.raw(
                        "INSERT INTO retention_kept (rule, row_key, until, review_id) VALUES \(values) ON CONFLICT (rule, row_key) DO UPDATE SET until = excluded.until, review_id = excluded.review_id"
                    ).run()
                }
            }
            return ((), [event])
        }
    }

    // MARK: Pause and schedule

    public func pause() async throws -> RetentionPause? {
        try await handle.read { database in
            try await database.raw("SELECT value FROM installation WHERE name = 'retention_paused'").first().map {
                try Self.decode(RetentionPause.self, try $0.decode(column: "value", as: String.self))
            }
        }
    }

    public func setPause(_ pause: RetentionPause?, event: AuditEvent) async throws {
        let document = try pause.map { try Self.encode($0) }
        try await writeAudited { database in
            try await database.raw("DELETE FROM installation WHERE name = 'retention_paused'").run()
            if let document {
                try await database.raw("INSERT INTO installation (name, value) VALUES ('retention_paused', \(bind: document))").run()
            }
            var event = event
            if let pause { event.details = ["reason": .string(pause.reason)] }
            return ((), [event])
        }
    }

    public func claimScheduledSweep(on day: CalendarDate, holder: String) async throws -> Bool {
        try await handle.write { database in
            let value = "\(day) \(holder)"
            let inserted = try await database.raw(
                "INSERT INTO installation (name, value) VALUES ('retention_sweep_day', \(bind: value)) ON CONFLICT (name) DO NOTHING RETURNING name"
            ).all()
            if !inserted.isEmpty { return true }
            // Claimed for an earlier day: take today's, unless another process has already.
            let updated = try await database.raw(
                """
                UPDATE installation SET value = \(bind: value)
                WHERE name = 'retention_sweep_day' AND value < \(bind: day.description) RETURNING name
                """
            ).all()
            return !updated.isEmpty
        }
    }
}

extension Store {
    /// Removes Steward's own records past their periods, in one transaction with its audit entry:
    /// closed requests (with their letters, codes and search results), identity challenges, sent
    /// messages of no request, search results of closed requests, revoked tokens. The audit log is
    /// never swept.
    public func sweepOwnRecords(_ periods: OwnRecordPeriods, today: CalendarDate, actor: String) async throws -> [OwnRecordsSwept] {
        @Sendable func instant(_ day: CalendarDate) -> String { "\(day)T00:00:00.000Z" }
        @Sendable func seconds(_ day: CalendarDate) -> Int64 { Int64(day.dayNumber - CalendarDate(year: 1970, month: 1, day: 1)!.dayNumber) * 86_400 }
        return try await writeAudited { database in
            var swept: [OwnRecordsSwept] = []
            func count(_ query: SQLQueryString) async throws -> Int { try await database.raw(query).all().count }
            let closed: [any Encodable & Sendable] = RightsRequest.State.closed.map(\.rawValue).sorted()
            // Closed requests: their letters, codes and runs go with them.
            let requestsCutoff = periods.requests.cutoff(on: today)
            let old = SQLQueryString(
                "SELECT id FROM rights_requests WHERE state IN (\(binds: closed)) AND updated_at < \(bind: instant(requestsCutoff.adding(days: 1)))"
            )
            _ = try await count("DELETE FROM outbox WHERE request_id IN (" + old + ") RETURNING id")
            _ = try await count("DELETE FROM identity_challenges WHERE request_id IN (" + old + ") RETURNING request_id")
            _ = try await count("DELETE FROM request_runs WHERE request_id IN (" + old + ") RETURNING request_id")
            let requests = try await count(
                "DELETE FROM rights_requests WHERE state IN (\(binds: closed)) AND updated_at < \(bind: instant(requestsCutoff.adding(days: 1))) RETURNING id"
            )
            swept.append(.init(kind: "requests", period: periods.requests.description, cutoff: requestsCutoff, removed: requests))
            let challengeCutoff = periods.identityChallenges.cutoff(on: today)
            let challenges = try await count(
                "DELETE FROM identity_challenges WHERE issued_at < \(bind: seconds(challengeCutoff.adding(days: 1))) RETURNING request_id"
            )
            swept.append(
                .init(kind: "identity_challenges", period: periods.identityChallenges.description, cutoff: challengeCutoff, removed: challenges)
            )
            let outboxCutoff = periods.outbox.cutoff(on: today)
            let messages = try await count(
                """
                DELETE FROM outbox WHERE request_id IS NULL AND status IN ('sent', 'failed')
                  AND created_at < \(bind: instant(outboxCutoff.adding(days: 1))) RETURNING id
                """
            )
            swept.append(.init(kind: "outbox", period: periods.outbox.description, cutoff: outboxCutoff, removed: messages))
            let resultsCutoff = periods.searchResults.cutoff(on: today)
            let results = try await count(
                """
                UPDATE request_runs SET document = NULL WHERE document IS NOT NULL AND request_id IN (
                    SELECT id FROM rights_requests WHERE state IN (\(binds: closed)) AND updated_at < \(bind: instant(resultsCutoff.adding(days: 1)))
                ) RETURNING request_id
                """
            )
            swept.append(.init(kind: "search_results", period: periods.searchResults.description, cutoff: resultsCutoff, removed: results))
            let tokenCutoff = periods.revokedTokens.cutoff(on: today)
            let tokens = try await count(
                "DELETE FROM api_tokens WHERE revoked_at IS NOT NULL AND revoked_at < \(bind: instant(tokenCutoff.adding(days: 1))) RETURNING id"
            )
            swept.append(.init(kind: "revoked_tokens", period: periods.revokedTokens.description, cutoff: tokenCutoff, removed: tokens))
            let event = AuditEvent(
                actor: actor,
                action: .retentionOwnRecords,
                object: "retention",
                details: .object(Dictionary(uniqueKeysWithValues: swept.map { ($0.kind, JSONValue.int($0.removed)) }))
            )
            return (swept, [event])
        }
    }
}
