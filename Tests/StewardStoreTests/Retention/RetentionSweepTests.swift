import Crypto
import Foundation
import SQLKit
import StewardApp
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

@Suite("Retention sweeps on the council's sources")
struct RetentionSweepTests {
    /// The council's records in a source of `kind`, registered in a fresh store, with the retention
    /// service counting days from `day`.
    static func with(
        _ kind: RetentionCouncil.Kind,
        legalHolds: Set<String> = [],
        batchSize: Int = 2,
        _ body: @escaping @Sendable (RetentionService, StewardServices, RetentionCouncil, TestDay) async throws -> Void
    ) async throws {
        try await RetentionCouncil.with(kind) { council in
            try await TestDatabase.withStore { store, _ in
                _ = try await store.saveDataMap(RetentionCouncil.dataMap(), actor: "test")
                try await council.register(in: store)
                var configuration = StewardConfiguration()
                configuration.legalHolds = legalHolds
                configuration.retention.batchSize = batchSize
                configuration.retention.yieldShare = 0
                let day = TestDay(RetentionCouncil.today)
                let services = try StewardServices(store: store, configuration: configuration, today: { day.value })
                try await body(services.retention, services, council, day)
            }
        }
    }

    static func digest(_ keys: [String]) -> String {
        SHA256.hash(data: Data(keys.map { $0 + "\n" }.joined().utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Holds on Cat (by subject) and on Central's rows, and an open request from Fay.
    static func holdAndRequest(_ services: StewardServices) async throws -> (person: LegalHold, rows: LegalHold, request: RightsRequest.ID) {
        let cat = try await services.store.createSubject(
            identifiers: [.init(kind: "email", value: "cat@example.org")],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            actor: "test"
        )
        let person = try await services.retention.addHold(
            .init(kind: .subject, subject: cat.id.rawValue, owner: "Legal Services", reason: "Cat v Council, claim 123"),
            actor: "dpo"
        )
        let rows = try await services.retention.addHold(
            .init(
                kind: .rows,
                collection: "records_db.people",
                name: "Central branch audit",
                filter: ["branch": "Central"],
                owner: "Internal Audit",
                reason: "Audit of the Central branch"
            ),
            actor: "dpo"
        )
        let view = try await services.requests.submit(
            .init(
                kind: .access,
                requester: Requester(name: "Fay", email: "fay@example.org"),
                description: "What you hold",
                identifiers: [.init(kind: "email", value: "fay@example.org")]
            ),
            actor: "caseworker",
            fromPublic: false,
            today: RetentionCouncil.today
        )
        _ = try await services.requests.apply(
            .init(change: .identityVerified, identity: IdentityCheck(method: .documentSeen, evidence: "passport", checkedBy: "J. Smith")),
            to: view.request.id,
            actor: "caseworker",
            today: RetentionCouncil.today
        )
        return (person, rows, view.request.id)
    }

    @Test(
        "due rows go, rows inside their period stay, every kind of hold and an open request keep theirs, anonymised rows have exactly the planned fields masked, and empty triggers are reported",
        arguments: RetentionCouncil.Kind.allCases
    )
    func sweep(kind: RetentionCouncil.Kind) async throws {
        try await Self.with(kind) { service, services, council, _ in
            let (person, rows, request) = try await Self.holdAndRequest(services)
            let plan = try await service.plan(actor: "dpo")
            let people = try #require(plan.rules.first { $0.rule == "records_db.people" })
            #expect(people.problem == nil)
            #expect(people.cutoff == CalendarDate(year: 2024, month: 12, day: 3))
            #expect(people.due == 5)
            #expect(people.dispose == 2)
            #expect(
                people.kept == ["hold/\(person.id)": 1, "hold/\(rows.id)": 1, "request/\(request)": 1],
                "\(people.kept)"
            )
            #expect(people.emptyTrigger == 1)
            #expect(people.dependents == ["visits": 1])
            #expect(people.sample == ["1", "7"])
            let visits = try #require(plan.rules.first { $0.rule == "records_db.visits" })
            #expect((visits.due, visits.dispose, visits.kept) == (3, 2, ["hold/\(person.id)": 1]))
            let cases = try #require(plan.rules.first { $0.rule == "records_db.cases" })
            #expect((cases.due, cases.dispose) == (2, 2))
            // Planning changes nothing.
            #expect(try await council.rows("people").count == 7)

            let run = try await service.sweep(actor: "dpo")
            #expect(run.state == .done, "\(run.rules.map { ($0.rule, $0.error ?? "") })")
            #expect(Set(try await council.rows("people").keys) == ["2", "3", "4", "5", "6"])
            let visitRows = try await council.rows("visits")
            #expect(Set(visitRows.keys) == ["11", "12", "13"])
            #expect(
                visitRows["11"] == ["visit_id": "11", "person_id": "2", "visitor_email": "REDACTED", "branch": "North", "visited_on": "2024-01-01"]
            )
            #expect(visitRows["12"]?["note"] == "paid a fine")
            #expect(visitRows["13"]?["note"] == "complained")
            #expect(Set(try await council.rows("cases").keys) == ["20", "21", "22"])

            let certificates = try await service.certificates(run: run.id)
            let peopleCertificate = try #require(certificates.first { $0.rule == "records_db.people" })
            #expect(peopleCertificate.rows == 2)
            #expect(peopleCertificate.dependents == ["visits": 1])
            #expect(peopleCertificate.keysDigest == Self.digest(["1", "7"]))
            #expect(peopleCertificate.cutoff == CalendarDate(year: 2024, month: 12, day: 3))
            let visitCertificate = try #require(certificates.first { $0.rule == "records_db.visits" })
            #expect((visitCertificate.rows, visitCertificate.action, visitCertificate.fields) == (2, .anonymise, ["note", "visitor_email"]))
            #expect(visitCertificate.keysDigest == Self.digest(["10", "11"]))
            let review = try #require(try await service.reviews(state: .open).first)
            #expect((review.rule, review.rows, review.owner) == ("records_db.cases", 2, "Customer Services"))
            #expect(review.due == RetentionCouncil.today.adding(days: 30))

            // Every certificate is in the audit log, which stays intact.
            let entries = try await services.store.auditEntries(after: 0, limit: 1000)
            #expect(entries.filter { $0.action == AuditAction.retentionCertificate.rawValue }.count == 2)
            #expect(try await services.store.verifyAudit(trustedKeys: [services.store.signingPublicKey]).isIntact)

            // A second sweep finds nothing more to do, and says so in its certificates.
            let again = try await service.sweep(actor: "dpo")
            #expect(again.state == .done)
            #expect(again.disposed == 0)
            #expect(try await service.certificates(run: again.id).allSatisfy { $0.rows == 0 })
            #expect(try await service.reviews(state: .open).count == 1)  // the same rows are not sent twice

            // Once the request closes and the holds are lifted, their rows go at the next sweep.
            _ = try await services.requests.apply(.init(change: .withdrawn), to: request, actor: "caseworker", today: RetentionCouncil.today)
            _ = try await service.liftHold(person.id, reason: "claim settled", actor: "dpo")
            _ = try await service.liftHold(rows.id, reason: "audit finished", actor: "dpo")
            let third = try await service.sweep(actor: "dpo")
            #expect(third.state == .done)
            #expect(Set(try await council.rows("people").keys) == ["2", "5"])
            #expect(Set(try await council.rows("visits").keys) == ["11", "12"])
        }
    }

    @Test("a review ends in keep-until or dispose, both audited; kept rows are skipped until the date", arguments: RetentionCouncil.Kind.allCases)
    func reviews(kind: RetentionCouncil.Kind) async throws {
        try await Self.with(kind) { service, services, council, day in
            _ = try await service.sweep(actor: "dpo")
            let review = try #require(try await service.reviews(state: .open).first)
            await #expect(throws: StewardError.self) {
                try await service.decide(review.id, decision: .keep, keepUntil: nil, reason: "still needed", actor: "dpo")
            }
            let kept = try await service.decide(
                review.id,
                decision: .keep,
                keepUntil: CalendarDate(year: 2027, month: 1, day: 1),
                reason: "complaint reopened",
                actor: "dpo"
            )
            #expect(kept.state == .kept)
            let plan = try #require(try await service.plan(actor: "dpo").rules.first { $0.rule == "records_db.cases" })
            #expect((plan.dispose, plan.kept) == (0, ["kept/\(review.id)": 2]))
            await #expect(throws: StewardError.self) {
                try await service.decide(review.id, decision: .dispose, keepUntil: nil, reason: "again", actor: "dpo")
            }
            // After the date the rows are due again, and a new review asks.
            day.value = CalendarDate(year: 2027, month: 1, day: 2)!
            _ = try await service.sweep(actor: "dpo")
            let second = try #require(try await service.reviews(state: .open).first)
            #expect(second.id != review.id)
            #expect(second.rows == 2)
            let disposed = try await service.decide(second.id, decision: .dispose, keepUntil: nil, reason: "no longer needed", actor: "dpo")
            #expect(disposed.state == .disposed)
            #expect(Set(try await council.rows("cases").keys) == ["22"])
            let certificate = try #require(try await service.certificates(rule: "records_db.cases").first)
            #expect((certificate.rows, certificate.action, certificate.keysDigest) == (2, .delete, Self.digest(["20", "21"])))
            let actions = try await services.store.auditEntries(after: 0, limit: 1000).map(\.action)
            #expect(actions.contains(AuditAction.retentionReviewKeep.rawValue) && actions.contains(AuditAction.retentionReviewDispose.rawValue))
        }
    }

    @Test(
        "a hold on a collection and a configured legal hold keep every due row, and lifting one lets them go",
        arguments: RetentionCouncil.Kind.allCases
    )
    func collectionHolds(kind: RetentionCouncil.Kind) async throws {
        try await Self.with(kind, legalHolds: ["records_db.people"]) { service, _, council, _ in
            let hold = try await service.addHold(
                .init(
                    kind: .collection,
                    collection: "records_db.visits",
                    owner: "Legal",
                    reason: "inquiry",
                    reviewOn: CalendarDate(year: 2027, month: 6, day: 1)
                ),
                actor: "dpo"
            )
            let plan = try await service.plan(actor: "dpo")
            #expect(plan.rules.first { $0.rule == "records_db.people" }?.kept == ["configuration/records_db.people": 5])
            #expect(plan.rules.first { $0.rule == "records_db.visits" }?.kept == ["hold/\(hold.id)": 3])
            let run = try await service.sweep(actor: "dpo")
            #expect(run.rules.first { $0.rule == "records_db.people" }?.state == .skipped)
            #expect(try await council.rows("people").count == 7)
            #expect(try await council.rows("visits")["11"]?["note"] == "renewed a permit")
            _ = try await service.liftHold(hold.id, reason: "inquiry closed", actor: "dpo")
            await #expect(throws: StewardError.self) { try await service.liftHold(hold.id, reason: "twice", actor: "dpo") }
            _ = try await service.sweep(actor: "dpo")
            #expect(try await council.rows("visits")["11"]?["note"] == nil)
            #expect(try await service.holds(includingLifted: true).first?.lifted?.reason == "inquiry closed")
        }
    }

    @Test("paused sweeps are refused until resumed, both audited; Steward's own closed requests go after their period")
    func pauseAndOwnRecords() async throws {
        try await Self.with(.sqlite) { service, services, _, _ in
            _ = try await service.pause(reason: "ICO audit in progress", actor: "dpo")
            await #expect(throws: StewardError.self) { try await service.sweep(actor: "dpo") }
            try await service.resume(actor: "dpo")
            // A request closed seven years ago, and one closed today.
            for name in ["Old", "New"] {
                let view = try await services.requests.submit(
                    .init(kind: .access, requester: Requester(name: name, email: "\(name.lowercased())@example.org"), description: "x"),
                    actor: "caseworker",
                    fromPublic: false,
                    today: RetentionCouncil.today
                )
                _ = try await services.requests.apply(
                    .init(change: .withdrawn),
                    to: view.request.id,
                    actor: "caseworker",
                    today: RetentionCouncil.today
                )
                if name == "Old" {
                    try await services.store.handle.write { database in
                        try await database.raw(
                            "UPDATE rights_requests SET updated_at = '2019-06-01T10:00:00.000Z' WHERE id = \(bind: view.request.id.rawValue)"
                        ).run()
                    }
                }
            }
            let run = try await service.sweep(actor: "dpo")
            #expect(run.ownRecords.first { $0.kind == "requests" }?.removed == 1)
            #expect(try await services.requests.list(states: nil).count == 1)
            let actions = try await services.store.auditEntries(after: 0, limit: 1000).map(\.action)
            #expect(
                [AuditAction.retentionPause, .retentionResume, .retentionOwnRecords].allSatisfy { actions.contains($0.rawValue) }
            )
        }
    }

    @Test("a hold is refused, naming the field, without an owner, a reason, a known collection or a real field to filter on")
    func holdValidation() async throws {
        try await Self.with(.sqlite) { service, _, _, _ in
            let cases: [(LegalHold.Draft, String)] = [
                (.init(kind: .collection, collection: "records_db.people", owner: "Legal", reason: " "), "reason"),
                (.init(kind: .collection, collection: "records_db.people", owner: "", reason: "claim"), "owner"),
                (.init(kind: .collection, collection: "records_db.nothing", owner: "Legal", reason: "claim"), "collection"),
                (
                    .init(kind: .rows, collection: "records_db.people", name: "x", filter: ["colour": "red"], owner: "Legal", reason: "claim"),
                    "filter.colour"
                ),
                (.init(kind: .subject, subject: "S-nobody", owner: "Legal", reason: "claim"), "subject"),
            ]
            for (draft, field) in cases {
                let error = await #expect(throws: StewardError.self) { try await service.addHold(draft, actor: "dpo") }
                #expect(error?.field == field)
            }
            let holds = try await service.holds()
            #expect(holds.isEmpty)
        }
    }

    @Test("a batch's keys are kept exactly, whatever characters they hold, and a recorded batch is found again until marked done")
    func batchKeys() async throws {
        try await TestDatabase.withStore { store, _ in
            let run = RetentionRun(
                id: "RS-TEST",
                startedAt: "2026-12-03T00:00:00.000Z",
                startedBy: "test",
                today: RetentionCouncil.today,
                origin: "request",
                rules: []
            )
            try await store.startRun(
                run,
                holder: "me",
                leaseSeconds: 60,
                event: AuditEvent(actor: "test", action: .retentionSweepStart, object: "sweep/RS-TEST")
            )
            let keys = ["1", "a\"b", "back\\slash", "line\nbreak", "tab\tkey", "café ☕", "\u{1}"]
            try await store.recordBatch(
                .init(run: run.id, rule: "x.y", sequence: 1, keys: keys, done: false),
                run: run,
                holder: "me",
                leaseSeconds: 60
            )
            #expect(try await store.pendingBatch(run: run.id, rule: "x.y")?.keys == keys)
            try await store.finishBatch(
                .init(run: run.id, rule: "x.y", sequence: 1, keys: keys, done: true, dependents: ["z": 2]),
                keysChanged: false,
                run: run,
                holder: "me",
                leaseSeconds: 60
            )
            #expect(try await store.pendingBatch(run: run.id, rule: "x.y") == nil)
            let done = try await store.doneBatches(run: run.id, rule: "x.y", from: 1, limit: 10)
            #expect(done.first?.keys == keys && done.first?.dependents == ["z": 2])
            // Another process cannot write to a run it does not hold.
            await #expect(throws: StewardError.self) { try await store.saveRun(run, holder: "someone else", leaseSeconds: 60) }
        }
    }
}
