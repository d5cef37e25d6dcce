import Foundation
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

/// The request service on the in-memory repositories: the workflow, identity codes, deadlines, and
/// searches and changes in council sources held in memory, with no database.
@Suite("Request service, in memory")
struct RequestServiceTests {
    /// The service over a fresh in-memory store holding `map`, on a calendar that stands at `today`.
    static func service(
        _ store: InMemoryStore,
        map: DataMap? = nil,
        today: CalendarDate = CalendarDate(year: 2026, month: 3, day: 2)!,
        legalHolds: Set<String> = []
    ) async throws -> RequestService {
        let map = try map ?? DataMapReader.read(folder: try BundledData.demoDataMap).validate(taxonomy: .builtin, fallbackController: nil)
        _ = try await store.saveDataMap(map, actor: "test")
        let dataKey = Secret.DataKey.random()
        return RequestService(
            requests: store,
            people: store,
            sources: store,
            dataMaps: DataMapCache(repository: store),
            taxonomy: .builtin,
            adequacy: .ukDefault,
            clock: StatutoryClock(holidays: try BankHolidaysFile.load(path: nil)),
            letters: try LetterTemplates(),
            codeKey: Secret.Key(dataKey: dataKey, purpose: "test codes"),
            erasureKeys: ErasureKeys(
                hmac: Secret.Key(dataKey: dataKey, purpose: "test hmac"),
                seal: SecretSeal(dataKey: dataKey, purpose: "test seal")
            ),
            legalHolds: legalHolds,
            today: { today }
        )
    }

    static func intake(_ kind: RightsRequest.Kind = .access, email: String = "amy.pond@example.org") -> RightsRequest.Intake {
        RightsRequest.Intake(kind: kind, requester: Requester(name: "Amy Pond", email: email), description: "Everything you hold about me")
    }

    @Test("a resident's request waits for the code, is told only the code, and is acknowledged with its deadline once the code is typed")
    func residentRequest() async throws {
        let store = InMemoryStore()
        let service = try await Self.service(store)
        let subject = try await store.createSubject(
            identifiers: [.init(kind: .email, value: "amy.pond@example.org")],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            verifiedEmails: [],
            actor: "test"
        )
        let view = try await service.submit(Self.intake(), actor: "public", fromPublic: true)
        #expect(view.state == .awaitingIdentity)
        #expect(view.clock.due == nil)
        let waiting = await store.state.outbox
        #expect(waiting.map(\.letter.kind) == [.identityRequest])
        #expect(!waiting[0].letter.text.contains("Everything you hold about me"))
        let code = try #require(waiting[0].code?.code)

        let wrong = try await service.verifyCode(code == "000000" ? "111111" : "000000", for: view.request.id)
        #expect(wrong == .refused(.wrong(remaining: IdentityChallenge.maxAttempts - 1)))
        #expect(await store.state.audit.contains { $0.action == .identityCodeFailed })

        guard case .verified(let verified) = try await service.verifyCode(code, for: view.request.id) else {
            Issue.record("the right code was refused")
            return
        }
        #expect(verified.state == .inProgress)
        #expect(verified.request.subject == subject.id)
        // Day 1 is the day the code was entered: 2 March 2026, so due 2 April 2026.
        #expect(verified.clock.due == CalendarDate(year: 2026, month: 4, day: 2))
        let letters = await store.state.outbox
        #expect(letters.map(\.letter.kind) == [.identityRequest, .acknowledgement])
        #expect(await store.state.audit.contains { $0.action == .requestSubjectLinked })
        // A used code works once.
        #expect(try await service.verifyCode(code, for: view.request.id) == .refused(.used))
    }

    @Test("an extension notified after the first month is refused and changes nothing (UK GDPR Art 12(3))")
    func lateExtension() async throws {
        let store = InMemoryStore()
        let early = try await Self.service(store, today: CalendarDate(year: 2026, month: 3, day: 2)!)
        let view = try await early.submit(Self.intake(), actor: "staff", fromPublic: false)
        _ = try await early.apply(.init(change: .started), to: view.request.id, actor: "staff")
        let late = try await Self.service(store, today: CalendarDate(year: 2026, month: 4, day: 10)!)
        let before = await store.state.requests[view.request.id]
        let outbox = await store.state.outbox.count
        await #expect(throws: StewardError.self) {
            try await late.apply(.init(change: .extended, reasons: "Many systems"), to: view.request.id, actor: "staff")
        }
        #expect(await store.state.requests[view.request.id] == before)
        #expect(await store.state.outbox.count == outbox)
        let extended = try await early.apply(.init(change: .extended, reasons: "Many systems"), to: view.request.id, actor: "staff")
        #expect(extended.clock.isExtended)
        #expect(await store.state.outbox.last?.letter.kind == .extension)
    }

    @Test("what is due leaves out a paused request, whose clock has stopped, and lists the overdue first")
    func dueLeavesOutPaused() async throws {
        let store = InMemoryStore()
        let service = try await Self.service(store, today: CalendarDate(year: 2026, month: 4, day: 20)!)
        var ids: [RightsRequest.ID] = []
        for received in [
            CalendarDate(year: 2026, month: 3, day: 2)!, CalendarDate(year: 2026, month: 4, day: 1)!, CalendarDate(year: 2026, month: 4, day: 2)!,
        ] {
            var intake = Self.intake(email: "r\(ids.count)@example.org")
            intake.received = received
            let view = try await service.submit(intake, actor: "staff", fromPublic: false)
            _ = try await service.apply(.init(change: .started, date: received), to: view.request.id, actor: "staff")
            ids.append(view.request.id)
        }
        _ = try await service.apply(.init(change: .clarificationRequested, reasons: "Which years?"), to: ids[2], actor: "staff")
        let due = try await service.due(within: 14)
        #expect(due.map(\.id) == [ids[0], ids[1]])
        #expect(due.first?.overdue == true)
        await #expect(throws: StewardError.self) { try await service.due(within: -1) }
    }

    @Test("a closed request's tasks cannot change, and a task update must change something")
    func closedTasks() async throws {
        let store = InMemoryStore()
        let service = try await Self.service(store)
        var intake = Self.intake()
        intake.identifiers = [.init(kind: .niNumber, value: "QQ 12 34 56 C")]
        let view = try await service.submit(intake, actor: "staff", fromPublic: false)
        let system = try #require(view.request.tasks.first?.system)
        await #expect(throws: StewardError.self) {
            try await service.updateTask(system, of: view.request.id, status: nil, owner: nil, note: nil, actor: "staff")
        }
        let owned = try await service.updateTask(system, of: view.request.id, status: nil, owner: "  Revenues  ", note: nil, actor: "staff")
        #expect(owned.request.tasks.first?.owner == "Revenues")
        _ = try await service.apply(.init(change: .withdrawn), to: view.request.id, actor: "staff")
        await #expect(throws: StewardError.self) {
            try await service.updateTask(system, of: view.request.id, status: .done, owner: nil, note: nil, actor: "staff")
        }
    }

    /// An access or erasure request for Amy in progress, over the three council sources held in
    /// memory, with a co-occupant at her address.
    static func withCouncil(
        _ kind: RightsRequest.Kind,
        legalHolds: Set<String> = [],
        datasets: [Dataset] = CouncilFixture.datasets,
        linked: Bool = false,
        _ body: (RequestService, InMemoryStore, RightsRequest.ID) async throws -> Void
    ) async throws {
        let store = InMemoryStore()
        let service = try await Self.service(store, map: CouncilFixture.dataMap(datasets), legalHolds: legalHolds)
        await store.addSource(
            "housing",
            dataset: "housing_db",
            tables: [
                "tenants": [
                    ["id": "1", "email": "amy@example.org", "name": "Amy Pond", "ni_number": "QQ 12 34 56 C", "next_of_kin": "Rory"],
                    ["id": "2", "email": "rory@example.org", "name": "Rory Williams"],
                ],
                "tenancies": [["id": "10", "tenant_id": "1", "uprn": "100012345678"], ["id": "11", "tenant_id": "2", "uprn": "100099999999"]],
            ]
        )
        await store.addSource(
            "benefits",
            dataset: "benefits_db",
            tables: [
                "claimants": [["id": "5", "ni_number": "QQ123456C", "uprn": "100012345678"], ["id": "9", "uprn": "100012345678"]],
                "payments": [["id": "50", "claimant_id": "5", "amount": "100"], ["id": "90", "claimant_id": "9", "amount": "70"]],
            ]
        )
        await store.addSource(
            "library",
            dataset: "library_csv",
            tables: [
                "members": [
                    ["member_no": "M1", "email": "amy@example.org", "phone": "01632 960000"], ["member_no": "M2", "email": "x@example.org"],
                ],
                "loans": [["loan_id": "L1", "member_no": "M1"], ["loan_id": "L2", "member_no": "M2"]],
            ]
        )
        var intake = RightsRequest.Intake(kind: kind, requester: Requester(name: "Amy Pond", email: "amy@example.org"), description: "All of it")
        intake.identifiers = [.init(kind: .email, value: "amy@example.org")]
        if linked {
            intake.subject = try await store.createSubject(
                identifiers: [.init(kind: .email, value: "amy@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                verifiedEmails: [],
                actor: "t"
            ).id
        }
        let view = try await service.submit(intake, actor: "staff", fromPublic: false)
        _ = try await service.apply(.init(change: .started), to: view.request.id, actor: "staff")
        try await body(service, store, view.request.id)
    }

    @Test("an access search finds exactly the person's rows across the sources, leaves the co-occupant out, and keeps the result")
    func accessInMemory() async throws {
        try await Self.withCouncil(.access) { service, store, id in
            let result = try await service.runAccess(id, actor: "caseworker")
            let found = Dictionary(uniqueKeysWithValues: result.collections.map { ("\($0.dataset).\($0.collection)", $0.rows.count) })
            #expect(
                found == [
                    "housing_db.tenants": 1, "housing_db.tenancies": 1, "benefits_db.claimants": 1, "benefits_db.payments": 1,
                    "library_csv.members": 1, "library_csv.loans": 1,
                ]
            )
            #expect(result.unconfirmed.map { "\($0.dataset).\($0.collection)" } == ["benefits_db.claimants"])
            #expect(result.redactions.contains { $0.field == "next_of_kin" })
            #expect(try await service.runStatus(id)?.status == .done)
            #expect(try await service.accessResult(id) == result)
            #expect(await store.state.audit.contains { $0.action == .run(.access, .run) })
        }
    }

    @Test("erasure masks the consented library rows and refuses the public-task and legal-obligation ones, in memory")
    func erasureInMemory() async throws {
        try await Self.withCouncil(.erasure) { service, store, id in
            let dry = try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker", dryRun: true)
            #expect(store.rows(of: "library", "members").first?["email"] == "amy@example.org")
            let report = try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker")
            #expect(
                report.steps
                    == dry.steps.map { step in
                        var kept = step
                        kept.keys = step.keys
                        return kept
                    }
            )
            #expect(report.isComplete)
            let refused = Set(report.steps.filter { $0.action == .refused }.map { "\($0.dataset).\($0.collection)" })
            #expect(refused == ["housing_db.tenants", "housing_db.tenancies", "benefits_db.claimants", "benefits_db.payments"])
            let members = store.rows(of: "library", "members")
            #expect(members.first { $0["member_no"] == "M1" }?["email"] == nil)
            #expect(members.first { $0["member_no"] == "M2" }?["email"] == "x@example.org")
            #expect(store.rows(of: "housing", "tenants").first?["email"] == "amy@example.org")
        }
    }

    @Test("a legal hold in configuration stops erasure whatever the policy asks, in memory")
    func heldInMemory() async throws {
        try await Self.withCouncil(.erasure, legalHolds: ["library_csv.members", "library_csv.loans"]) { service, store, id in
            let report = try await service.runErasure(id, policy: ErasurePolicy(deleteCollections: ["library_csv.loans"]), actor: "caseworker")
            #expect(report.rowsChanged == 0)
            #expect(store.rows(of: "library", "loans").count == 2)
        }
    }

    /// The council's datasets with a restriction flag on the benefit claims (held for a legal
    /// obligation) and the library members (held with consent).
    static let flagged: [Dataset] = CouncilFixture.datasets.map { dataset in
        var dataset = dataset
        dataset.collections = dataset.collections.map { collection in
            guard collection.name == "claimants" || collection.name == "members" else { return collection }
            var flagged = collection
            flagged.fields.append(CouncilFixture.field("restricted", type: .boolean))
            flagged.restrictionFlag = "restricted"
            return flagged
        }
        return dataset
    }

    @Test("an objection is refused where the data is held for a legal obligation (Art 21(1)) and flags the rest, after telling the gate")
    func objectionInMemory() async throws {
        try await Self.withCouncil(.objection, datasets: Self.flagged, linked: true) { service, store, id in
            let report = try await service.runRestriction(id, actor: "caseworker")
            #expect(report.isComplete)
            let claims = try #require(report.steps.first { $0.collection == "claimants" })
            #expect(claims.action == .refused)
            #expect(claims.reason?.contains("Art 21(1)") == true)
            #expect(report.steps.first { $0.collection == "members" }?.action == .update)
            #expect(store.rows(of: "library", "members").first { $0["member_no"] == "M1" }?["restricted"] == "true")
            #expect(store.rows(of: "benefits", "claimants").allSatisfy { $0["restricted"] == nil })
            let subject = try #require(try await service.request(id).request.subject)
            #expect(try await store.preferences(of: subject).contains { $0.answers(.objection) })
            #expect(report.notices.isEmpty, "objection is not among the rights Art 19 notices cover")
        }
    }

    @Test("a restriction for a person not in Steward's register fails, naming the subject, and changes nothing")
    func unlinkedRestriction() async throws {
        try await Self.withCouncil(.restriction, datasets: Self.flagged) { service, store, id in
            let report = try await service.runRestriction(id, actor: "caseworker")
            #expect(!report.isComplete)
            #expect(report.steps.first?.field == "subject")
            #expect(store.rows(of: "library", "members").allSatisfy { $0["restricted"] == nil })
        }
    }
}
