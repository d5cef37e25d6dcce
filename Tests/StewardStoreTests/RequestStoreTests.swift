import Foundation
import SQLKit
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

@Suite("Rights requests in the store")
struct RequestStoreTests {
    static func date(_ text: String) -> CalendarDate { CalendarDate(iso: text)! }

    /// A store with the demo data map and the request service over it.
    static func withService(_ body: @escaping @Sendable (RequestService, Store) async throws -> Void) async throws {
        try await TestDatabase.withStore { store, _ in
            let draft = try DataMapReader.read(folder: try BundledData.demoDataMap)
            _ = try await store.loadDataMap(draft, taxonomy: .builtin, fallbackController: nil, actor: "test")
            try await body(try CouncilSources.requestService(store), store)
        }
    }

    static func intake(_ email: String = "amy.pond@example.org", kind: RightsRequest.Kind = .access) -> RightsRequest.Intake {
        RightsRequest.Intake(kind: kind, requester: Requester(name: "Amy Pond", email: email), description: "Everything you hold about me")
    }

    static func actions(_ store: Store, object: String) async throws -> [String] {
        try await store.auditEntries(limit: 10_000).filter { $0.object == object }.map(\.action)
    }

    /// The code in the newest identity letter for a request, read back from the outbox.
    static func code(in store: Store, for id: RightsRequest.ID) async throws -> String {
        let letters = try await store.outbox(request: id).filter { $0.letter == "identity_request" }
        let waiting = try #require(letters.first)
        // Stored without the code: it is sealed beside the message and put in only to send it.
        #expect(waiting.text.contains(OutboxMessage.codeMarker) && waiting.html.contains(OutboxMessage.codeMarker))
        let text = try store.deliverable(waiting).text
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Your code is: ") })
        return String(line.dropFirst("Your code is: ".count))
    }

    @Test("a resident's request queues its letters; five wrong codes lock it and the right code then fails too; every try is audited")
    func codeLockout() async throws {
        try await Self.withService { service, store in
            let today = Self.date("2026-03-03")
            let view = try await service.submit(Self.intake(), actor: "public", fromPublic: true, today: today)
            #expect(view.state == .awaitingIdentity)
            #expect(view.request.id.rawValue.hasPrefix("SR-"))
            // Until the address is proved it gets only the code, with nothing the requester wrote.
            let letters = try await store.outbox(request: view.request.id)
            #expect(letters.map(\.letter) == ["identity_request"])
            #expect(!letters[0].text.contains("Amy Pond") && !letters[0].text.contains("Everything you hold"))
            #expect(view.clock.due == nil && view.clock.isAwaitingIdentity)
            #expect(letters.allSatisfy { $0.toAddress == "amy.pond@example.org" && $0.status == .pending })
            let code = try await Self.code(in: store, for: view.request.id)
            #expect(code.count == 6 && code.allSatisfy(\.isNumber))
            let raw = try await store.handle.read { database in try await database.raw("SELECT text_body, html_body, sealed FROM outbox").all() }
            for row in raw {
                for column in ["text_body", "html_body", "sealed"] {
                    #expect(!(try row.decode(column: column, as: String?.self) ?? "").contains(code), "the code is stored in clear in \(column)")
                }
            }
            // The code is kept only as a salted hash.
            let stored = try await store.handle.read { database in
                try await database.raw("SELECT salt, code_hash FROM identity_challenges").all()
            }
            #expect(stored.count == 1)
            #expect(try stored[0].decode(column: "code_hash", as: String.self) != code)
            #expect(try stored[0].decode(column: "code_hash", as: String.self).count == 64)

            let wrong = code == "000000" ? "111111" : "000000"
            for attempt in 1...5 {
                let result = try await service.verifyCode(wrong, for: view.request.id, today: today)
                let expected: IdentityChallenge.Outcome = attempt < 5 ? .wrong(remaining: 5 - attempt) : .locked
                #expect(result == .refused(expected), "attempt \(attempt)")
            }
            #expect(try await service.verifyCode(code, for: view.request.id, today: today) == .refused(.locked))
            #expect(try await service.request(view.request.id, today: today).state == .awaitingIdentity)
            let actions = try await Self.actions(store, object: "request/\(view.request.id)")
            #expect(actions.filter { $0 == "request.identity.code_failed" }.count == 4)
            #expect(actions.filter { $0 == "request.identity.code_locked" }.count == 1)
            #expect(actions.starts(with: ["request.create", "request.identity_requested", "request.identity.code_issued"]))

            // A resident cannot unlock it by asking again; staff can issue a fresh code.
            await #expect(throws: StewardError.self) {
                try await service.issueCode(for: view.request.id, actor: "requester", fromPublic: true, today: today)
            }
            try await service.issueCode(for: view.request.id, actor: "caseworker", fromPublic: false, today: today)
            let fresh = try await Self.code(in: store, for: view.request.id)
            guard case .verified(let verified) = try await service.verifyCode(fresh, for: view.request.id, today: Self.date("2026-03-04")) else {
                Issue.record("a fresh code from staff should verify")
                return
            }
            #expect(verified.state == .inProgress)
            #expect(verified.clock.start == Self.date("2026-03-04"))
            let acknowledgement = try #require(try await store.outbox(request: view.request.id).first { $0.letter == "acknowledgement" })
            #expect(acknowledgement.text.contains("Dear Amy Pond,"))
            #expect(acknowledgement.text.contains("We must respond by Tuesday 7 April 2026."))
            #expect(try await service.verifyCode(fresh, for: view.request.id, today: today) == .refused(.used))
            // An unknown reference answers exactly as a wrong code does.
            #expect(try await service.verifyCode(fresh, for: "SR-NONE-NONE-NONE", today: today) == .refused(nil))
        }
    }

    @Test("a verified request is linked to the person, searches their systems, and cannot complete while a task is open")
    func tasksAndCompletion() async throws {
        try await Self.withService { service, store in
            let subject = try await store.createSubject(
                identifiers: [.init(kind: "email", value: "Amy.Pond@example.org"), .init(kind: "local_id", value: "LIB-1", system: "libraries")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            let today = Self.date("2026-05-11")
            let view = try await service.submit(Self.intake(), actor: "token:caseworker", fromPublic: false, today: today)
            #expect(view.state == .received)
            #expect(view.request.subject == nil)
            let emailSystems = Set(view.request.tasks.map(\.system.rawValue))
            #expect(emailSystems.contains("libraries") && emailSystems.contains("council_tax"))

            let check = IdentityCheck(method: .documentSeen, evidence: "passport", checkedBy: "J. Smith")
            let verified = try await service.apply(
                .init(change: .identityVerified, identity: check),
                to: view.request.id,
                actor: "token:cw",
                today: today
            )
            #expect(verified.request.subject == subject.id)
            #expect(verified.state == .inProgress)
            #expect(verified.clock.due == Self.date("2026-06-11"))
            let library = try #require(verified.request.tasks.first { $0.system == "libraries" })
            #expect(library.reasons.contains("the person has an id in this system"))
            #expect(library.owner == "Communities - Libraries and Culture")

            let entriesBefore = try await store.auditEntries(limit: 10_000).count
            await #expect(throws: StewardError.self) {
                try await service.apply(.init(change: .completed), to: view.request.id, actor: "token:cw", today: today)
            }
            #expect(try await store.auditEntries(limit: 10_000).count == entriesBefore)
            #expect(try await service.request(view.request.id, today: today).state == .inProgress)

            for task in verified.request.tasks {
                _ = try await service.updateTask(
                    task.system,
                    of: view.request.id,
                    status: task.system == "cctv" ? .notHeld : .done,
                    owner: nil,
                    note: nil,
                    actor: "token:cw",
                    today: today
                )
            }
            // Each task change is audited with an object of details, as the API document says every entry's are.
            let taskEntries = try await store.auditEntries(limit: 10_000).filter { $0.action == "request.task" }
            #expect(taskEntries.count == verified.request.tasks.count)
            for entry in taskEntries {
                guard case .object(let details) = try JSONDecoder().decode(JSONValue.self, from: Data(entry.details.utf8)),
                    case .array(let tasks)? = details["tasks"]
                else {
                    Issue.record("request.task details are not {\"tasks\": […]}: \(entry.details)")
                    continue
                }
                #expect(tasks.count == 1)
            }
            let done = try await service.apply(.init(change: .completed), to: view.request.id, actor: "token:cw", today: today)
            #expect(done.state == .completed)
            let completion = try #require(try await store.outbox(request: view.request.id).first { $0.letter == "completion" })
            #expect(completion.text.contains("Providing the library service"))
            #expect(!completion.text.contains("Public space CCTV for crime prevention"))
            let actions = try await Self.actions(store, object: "request/\(view.request.id)")
            #expect(actions.contains("request.identity_verified"))
            #expect(actions.contains("request.subject_linked"))
            #expect(actions.filter { $0 == "request.task" }.count == verified.request.tasks.count)
            #expect(actions.last == "request.completed")
        }
    }

    @Test("the Art 15 information names every purpose, recipient and retention period the data map and disclosure log hold for the person")
    func supplementaryInformation() async throws {
        try await Self.withService { service, store in
            let subject = try await store.createSubject(
                identifiers: [.init(kind: "nhs_number", value: "9434765919"), .init(kind: "email", value: "rory@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            _ = try await store.addPreference(
                Preference(id: "consent-1", kind: .consent(explicit: true), recipient: "wessex_nhs_trust", given: Self.date("2026-01-01")),
                to: subject.id,
                actor: "test"
            )
            let gate = GateService(repository: store, dataMaps: service.dataMaps, taxonomy: .builtin, adequacy: .ukDefault)
            let decision = try await gate.decide(
                DecisionRequest(
                    actor: "test",
                    system: "adult_social_care",
                    categories: ["user.health_and_medical"],
                    purpose: "statutory_adult_social_care",
                    recipient: "wessex_nhs_trust"
                ),
                subject: .id(subject.id),
                today: Self.date("2026-05-01")
            )
            #expect(decision.allowed)

            let today = Self.date("2026-05-11")
            let intake = RightsRequest.Intake(
                kind: .access,
                requester: Requester(name: "Rory Williams", email: "rory@example.org"),
                description: "My care records",
                identifiers: [.init(kind: "nhs_number", value: "943 476 5919")]
            )
            let view = try await service.submit(intake, actor: "test", fromPublic: false, today: today)
            let check = IdentityCheck(method: .knownToStaff, evidence: "open adult social care case", checkedBy: "K. Jones")
            let verified = try await service.apply(
                .init(change: .identityVerified, identity: check),
                to: view.request.id,
                actor: "test",
                today: today
            )
            #expect(verified.request.subject == subject.id)
            _ = try await service.updateTask(
                "cctv",
                of: view.request.id,
                status: .notHeld,
                owner: nil,
                note: "no footage",
                actor: "test",
                today: today
            )

            let info = try await service.supplementaryInformation(for: view.request.id, today: today)
            let map = try #require(try await store.currentDataMap()?.dataMap)
            let searched = verified.request.tasks.map(\.system).filter { $0 != "cctv" }
            #expect(!searched.isEmpty)
            let systems = map.systems.filter { searched.contains($0.key) }
            let purposes = Set(systems.flatMap(\.purposes))
            #expect(Set(info.purposes.map(\.key)) == Set(purposes.map(\.rawValue)))
            #expect(!info.purposes.contains { $0.key == "cctv_crime_prevention" })
            for purpose in info.purposes {
                #expect(!purpose.lawfulBasis.isEmpty && !purpose.rights.isEmpty)
            }
            // Every recipient with an agreement for one of those purposes, every processor, and the
            // recipient of the logged disclosure.
            var recipients = Set(map.recipients.filter { $0.agreements.contains { $0.purposes.contains(where: purposes.contains) } }.map(\.name))
            recipients.formUnion(systems.compactMap(\.processor).compactMap { map.recipient($0)?.name })
            #expect(Set(info.recipients.map(\.name)) == recipients)
            let trust = try #require(info.recipients.first { $0.key == "wessex_nhs_trust" })
            #expect(trust.disclosed)
            #expect(info.disclosures.count == 1)
            #expect(info.disclosures.first?.recipient == trust.name)
            // Every retention rule of the datasets searched, with its period.
            let rules = map.retention.filter { rule in systems.contains { $0.datasets.contains(rule.dataset) } }
            #expect(info.retention.count == rules.count)
            for rule in rules {
                #expect(info.retention.contains { $0.period.hasPrefix(rule.period.description) }, "retention \(rule.dataset).\(rule.collection)")
            }
            #expect(info.transfers.contains { $0.safeguard.contains("NO SAFEGUARD") } == systems.contains { $0.key == "council_website" })
            #expect(info.sources.contains("GP practices and Wessex NHS Foundation Trust hospital discharge teams"))
            #expect(info.complaints.regulatorContact.contains("ico.org.uk"))
        }
    }

    @Test("lists put overdue requests first and filter by status and due date")
    func listing() async throws {
        try await Self.withService { service, _ in
            let today = Self.date("2026-06-15")
            var made: [String: RightsRequest.ID] = [:]
            for (name, received) in [("late", "2026-05-01"), ("soon", "2026-05-20"), ("later", "2026-06-10"), ("closed", "2026-04-01")] {
                var intake = Self.intake("\(name)@example.org")
                intake.received = Self.date(received)
                let view = try await service.submit(intake, actor: "test", fromPublic: false, today: today)
                made[name] = view.request.id
            }
            _ = try await service.apply(.init(change: .withdrawn, date: Self.date("2026-04-02")), to: made["closed"]!, actor: "test", today: today)
            let all = try await service.list(today: today)
            #expect(all.map(\.id) == [made["late"]!, made["soon"]!, made["later"]!, made["closed"]!])
            #expect(all[0].overdue && all[0].daysLeft == -14)
            #expect(!all[1].overdue && all[1].due == Self.date("2026-06-22"))
            let due = try await service.list(states: [.received, .awaitingIdentity, .inProgress], dueBefore: today.adding(days: 7), today: today)
            #expect(due.map(\.id) == [made["late"]!, made["soon"]!])
            #expect(try await service.list(states: [.withdrawn], today: today).map(\.id) == [made["closed"]!])
        }
    }

    @Test("bad intake is refused naming the field, and stores nothing")
    func badIntake() async throws {
        try await Self.withService { service, store in
            let today = Self.date("2026-06-15")
            var noReply = Self.intake()
            noReply.requester.email = nil
            var badEmail = Self.intake()
            badEmail.requester.email = "not an address"
            var future = Self.intake()
            future.received = Self.date("2026-06-16")
            var cctvMissing = Self.intake(kind: .cctvAccess)
            cctvMissing.cctv = nil
            var cctvBackwards = Self.intake(kind: .cctvAccess)
            cctvBackwards.cctv = CCTVDetails(
                date: Self.date("2026-06-14"),
                from: "14:00",
                until: "13:00",
                location: "Market Square",
                personDescription: "red coat"
            )
            var badIdentifier = Self.intake()
            badIdentifier.identifiers = [.init(kind: "nhs_number", value: "123")]
            var representative = Self.intake()
            representative.requester.representative = Representative(relationship: "daughter", authority: .powerOfAttorney, evidence: " ")
            let cases: [(RightsRequest.Intake, Bool, String)] = [
                (noReply, false, "requester.email"), (badEmail, false, "requester.email"), (future, false, "received"), (cctvMissing, false, "cctv"),
                (cctvBackwards, false, "cctv.until"), (badIdentifier, false, "identifiers[0].value"),
                (representative, false, "requester.representative.evidence"),
            ]
            let before = try await store.auditEntries(limit: 10_000).count
            for (intake, fromPublic, field) in cases {
                let error = await #expect(throws: StewardError.self) {
                    try await service.submit(intake, actor: "t", fromPublic: fromPublic, today: today)
                }
                #expect(error?.field == field, "expected \(field), got \(error?.field ?? "nil"): \(error?.message ?? "")")
            }
            #expect(try await store.auditEntries(limit: 10_000).count == before)
            #expect(try await service.list(today: today).isEmpty)
            #expect(try await store.outbox().isEmpty)
        }
    }

    @Test("the outbox retries with backoff, gives up on permanent refusals, and staff can requeue")
    func outbox() async throws {
        try await Self.withService { service, store in
            _ = try await service.submit(Self.intake(), actor: "test", fromPublic: true, today: Self.date("2026-06-15"))
            _ = try await service.submit(Self.intake("rory@example.org"), actor: "test", fromPublic: false, today: Self.date("2026-06-15"))
            let now = Store.epochSeconds()
            let claimed = try await store.claimOutbox(now: now, limit: 10)
            #expect(claimed.count == 2)
            #expect(try await store.claimOutbox(now: now, limit: 10).isEmpty)  // held by the lease
            let first = claimed[0]
            #expect(try await store.markFailed(first, error: "connection refused", permanent: false, maxAttempts: 3, now: now) == .pending)
            #expect(try await store.claimOutbox(now: now + 30, limit: 10).isEmpty)
            var again = try await store.claimOutbox(now: now + 60, limit: 10)
            #expect(again.map(\.id) == [first.id])
            #expect(try await store.markFailed(again[0], error: "timeout", permanent: false, maxAttempts: 3, now: now + 60) == .pending)
            again = try await store.claimOutbox(now: now + 60 + 120, limit: 10)
            #expect(again.count == 1)
            #expect(try await store.markFailed(again[0], error: "timeout", permanent: false, maxAttempts: 3, now: now + 180) == .failed)
            let second = claimed[1]
            #expect(try await store.markFailed(second, error: "550 mailbox unavailable", permanent: true, maxAttempts: 3, now: now) == .failed)
            let failed = try await store.outbox(status: .failed)
            #expect(failed.count == 2)
            #expect(failed.contains { $0.lastError == "550 mailbox unavailable" && $0.attempts == 1 })
            _ = try await store.retryMessage(second.id, actor: "token:dpo")
            let retried = try await store.claimOutbox(now: Store.epochSeconds() + 1, limit: 10)
            #expect(retried.map(\.id) == [second.id])
            try await store.markSent(retried[0])
            #expect(try await store.outbox(status: .sent).map(\.id) == [second.id])
            let actions = try await store.auditEntries(limit: 10_000).map(\.action)
            #expect(actions.filter { $0 == "mail.failed" }.count == 2)
            #expect(actions.contains("mail.retry") && actions.contains("mail.sent"))
            await #expect(throws: StewardError.self) { try await store.retryMessage(second.id, actor: "token:dpo") }
        }
    }

    @Test("an emailed code links only the person the requester's own address belongs to")
    func codeLinksOnlyTheRequester() async throws {
        try await Self.withService { service, store in
            let victim = try await store.createSubject(
                identifiers: [.init(kind: "email", value: "victim@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            let today = Self.date("2026-06-15")
            // Someone else's address given as an identifier.
            var intake = Self.intake("attacker@example.org")
            intake.identifiers = [.init(kind: "email", value: "victim@example.org")]
            let view = try await service.submit(intake, actor: "public", fromPublic: true, today: today)
            let code = try await Self.code(in: store, for: view.request.id)
            guard case .verified(let verified) = try await service.verifyCode(code, for: view.request.id, today: today) else {
                Issue.record("the code should verify")
                return
            }
            #expect(verified.request.subject == nil)
            // A "representative" proving only their own address links nobody either.
            var representative = Self.intake("helper@example.org")
            representative.requester.representative = Representative(relationship: "friend", authority: .writtenAuthority, evidence: "a letter")
            representative.identifiers = [.init(kind: "email", value: "victim@example.org")]
            let second = try await service.submit(representative, actor: "public", fromPublic: true, today: today)
            let secondCode = try await Self.code(in: store, for: second.request.id)
            guard case .verified(let alsoVerified) = try await service.verifyCode(secondCode, for: second.request.id, today: today) else {
                Issue.record("the code should verify")
                return
            }
            #expect(alsoVerified.request.subject == nil)
            // The person's own address does link them.
            let own = try await service.submit(Self.intake("victim@example.org"), actor: "public", fromPublic: true, today: today)
            let ownCode = try await Self.code(in: store, for: own.request.id)
            guard case .verified(let linked) = try await service.verifyCode(ownCode, for: own.request.id, today: today) else {
                Issue.record("the code should verify")
                return
            }
            #expect(linked.request.subject == victim.id)
        }
    }

    @Test("a request where staff asked for documents cannot be verified by a code a resident asks for")
    func publicCodeNeedsACodeRequest() async throws {
        try await Self.withService { service, _ in
            let today = Self.date("2026-06-15")
            let view = try await service.submit(Self.intake(), actor: "caseworker", fromPublic: false, today: today)
            _ = try await service.apply(.init(change: .identityRequested), to: view.request.id, actor: "caseworker", today: today)
            await #expect(throws: StewardError.self) {
                try await service.issueCode(for: view.request.id, actor: "requester", fromPublic: true, today: today)
            }
            try await service.issueCode(for: view.request.id, actor: "caseworker", fromPublic: false, today: today)
        }
    }

    @Test("an extension is refused after the first month, while paused, and a second time")
    func extensionRules() async throws {
        try await Self.withService { service, _ in
            var intake = Self.intake()
            intake.received = Self.date("2026-05-01")
            let today = Self.date("2026-06-15")
            let view = try await service.submit(intake, actor: "t", fromPublic: false, today: today)
            let id = view.request.id
            _ = try await service.apply(.init(change: .started, date: Self.date("2026-05-01")), to: id, actor: "t", today: today)
            let late = ChangeInputs.extended(on: "2026-06-02")
            await #expect(throws: StewardError.self) { try await service.apply(late, to: id, actor: "t", today: today) }
            _ = try await service.apply(
                .init(change: .clarificationRequested, date: Self.date("2026-05-10"), reasons: "Which years?"),
                to: id,
                actor: "t",
                today: today
            )
            await #expect(throws: StewardError.self) {
                try await service.apply(ChangeInputs.extended(on: "2026-05-12"), to: id, actor: "t", today: today)
            }
            _ = try await service.apply(.init(change: .clarificationReceived, date: Self.date("2026-05-12")), to: id, actor: "t", today: today)
            let extended = try await service.apply(ChangeInputs.extended(on: "2026-05-20"), to: id, actor: "t", today: today)
            #expect(extended.clock.isExtended)
            #expect(extended.clock.due == Self.date("2026-08-03"))  // 1 August + 2 days paused = Monday 3 August
            await #expect(throws: StewardError.self) {
                try await service.apply(ChangeInputs.extended(on: "2026-05-21"), to: id, actor: "t", today: today)
            }
        }
    }
}

enum ChangeInputs {
    static func extended(on date: String) -> RightsRequest.ChangeInput {
        .init(change: .extended, date: CalendarDate(iso: date)!, reasons: "The request covers twelve systems.")
    }
}
