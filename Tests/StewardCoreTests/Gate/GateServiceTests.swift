import Foundation
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

/// The gate service on the in-memory repositories: decisions recorded with their disclosures, and
/// people's wishes checked against the rules and the data map, with no database.
@Suite("Gate service, in memory")
struct GateServiceTests {
    static let today = CalendarDate(year: 2026, month: 3, day: 2)!

    static func gate(_ store: InMemoryStore) async throws -> GateService {
        let map = try DataMapReader.read(folder: try BundledData.demoDataMap).validate(taxonomy: .builtin, fallbackController: nil)
        _ = try await store.saveDataMap(map, actor: "test")
        return GateService(repository: store, dataMaps: DataMapCache(repository: store), taxonomy: .builtin, adequacy: .ukDefault) { Self.today }
    }

    static func draft(_ json: String) throws -> Preference.Draft {
        try JSONDecoder().decode(Preference.Draft.self, from: Data(json.utf8))
    }

    @Test("an allowed disclosure about a person is written to their disclosure log with its audit entry; a use inside the council is not")
    func disclosureLogged() async throws {
        let store = InMemoryStore()
        let gate = try await Self.gate(store)
        let person = try await gate.createSubject(
            identifiers: [.init(kind: .nhsNumber, value: "943 476 5919")],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            actor: "test"
        )
        _ = try await gate.addPreference(try Self.draft(#"{"kind":"explicit_consent","recipient":"wessex_nhs_trust"}"#), to: person.id, actor: "t")
        let shared = DecisionRequest(
            actor: "token:case",
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust"
        )
        let allowed = try await gate.decide(shared, subject: .identifiers([.init(kind: .nhsNumber, value: "9434765919")]))
        #expect(allowed.allowed, "\(allowed.reasons)")
        let log = try await gate.disclosures(of: person.id)
        #expect(log.map(\.decision) == [allowed.id])
        #expect(log.first?.recipient == "wessex_nhs_trust")
        let internalUse = DecisionRequest(
            actor: "token:case",
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "statutory_adult_social_care"
        )
        _ = try await gate.decide(internalUse, subject: .id(person.id))
        #expect(try await gate.disclosures(of: person.id).count == 1)
        let actions = await store.state.audit.map(\.action)
        #expect(actions.filter { $0 == .gateAllow || $0 == .gateRefuse }.count == 2)
    }

    @Test("a decision about something the data map does not hold is refused, naming the field, and nothing is recorded")
    func unknownThings() async throws {
        let store = InMemoryStore()
        let gate = try await Self.gate(store)
        let audited = await store.state.audit.count
        for (request, field) in [
            (DecisionRequest(actor: "t", system: "nope", categories: [], purpose: "statutory_adult_social_care"), "system"),
            (DecisionRequest(actor: "t", system: "adult_social_care", categories: [], purpose: "nope"), "purpose"),
            (
                DecisionRequest(actor: "t", system: "adult_social_care", categories: ["user.nope"], purpose: "statutory_adult_social_care"),
                "categories"
            ),
        ] {
            let error = await #expect(throws: StewardError.self) { try await gate.decide(request, subject: nil) }
            #expect(error?.field == field)
        }
        let missing = await #expect(throws: StewardError.self) {
            try await gate.decide(
                DecisionRequest(actor: "t", system: "adult_social_care", categories: [], purpose: "statutory_adult_social_care"),
                subject: .identifiers([.init(kind: .email, value: "nobody@example.org")])
            )
        }
        #expect(missing?.code == .notFound)
        #expect(await store.state.audit.count == audited)
    }

    /// A preference as the API gives it, and the field an error must name.
    static let badPreferences: [(String, String)] = [
        (#"{"kind":"explicit_consent","purpose":"no_such_purpose"}"#, "purpose"),
        (#"{"kind":"explicit_consent","recipient":"no_such_recipient"}"#, "recipient"),
        (#"{"kind":"restriction","ground":"  "}"#, "ground"),
        (#"{"kind":"objection","outcome":"overridden"}"#, "reason"),
        (#"{"kind":"contact_condition","channels":[]}"#, "channels"),
        (#"{"kind":"consent","given":"2026-03-01","expires":"2026-02-01"}"#, "expires"),
        (#"{"kind":"consent","given":"1 March"}"#, "given"),
        (#"{"kind":"whim"}"#, "kind"),
    ]

    @Test("a preference that breaks its kind's rules, or names what the data map lacks, is refused and not stored", arguments: badPreferences)
    func badPreference(_ json: String, _ field: String) async throws {
        let store = InMemoryStore()
        let gate = try await Self.gate(store)
        let person = try await gate.createSubject(
            identifiers: [.init(kind: .email, value: "amy@example.org")],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            actor: "test"
        )
        let error = await #expect(throws: StewardError.self) { try await gate.addPreference(try Self.draft(json), to: person.id, actor: "t") }
        #expect(error?.field == field)
        #expect(try await gate.preferences(of: person.id).isEmpty)
    }

    @Test("a restriction is lifted only once the person has been told (UK GDPR Art 18(3)), and a preference is withdrawn once")
    func liftingRestriction() async throws {
        let store = InMemoryStore()
        let gate = try await Self.gate(store)
        let person = try await gate.createSubject(
            identifiers: [.init(kind: .email, value: "amy@example.org")],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            actor: "test"
        )
        let restriction = try await gate.addPreference(
            try Self.draft(#"{"kind":"restriction","ground":"accuracy disputed"}"#),
            to: person.id,
            actor: "t"
        )
        #expect(restriction.given == Self.today)
        let untold = await #expect(throws: StewardError.self) {
            try await gate.withdrawPreference(restriction.id, of: person.id, on: nil, noticeGiven: nil, actor: "t")
        }
        #expect(untold?.field == "noticeGiven")
        let toldLate = await #expect(throws: StewardError.self) {
            try await gate.withdrawPreference(restriction.id, of: person.id, on: Self.today, noticeGiven: Self.today.adding(days: 1), actor: "t")
        }
        #expect(toldLate?.field == "noticeGiven")
        #expect(try await gate.preferences(of: person.id).first?.withdrawn == nil)
        let lifted = try await gate.withdrawPreference(restriction.id, of: person.id, on: nil, noticeGiven: Self.today, actor: "t")
        #expect(lifted.withdrawn == Self.today)
        let again = await #expect(throws: StewardError.self) {
            try await gate.withdrawPreference(restriction.id, of: person.id, on: nil, noticeGiven: Self.today, actor: "t")
        }
        #expect(again?.code == .conflict)
    }

    @Test("a subject needs an identifier, and one identifier belongs to one person")
    func subjects() async throws {
        let store = InMemoryStore()
        let gate = try await Self.gate(store)
        await #expect(throws: StewardError.self) { try await gate.createSubject(identifiers: [], dateOfBirth: nil, isAdultAtRisk: false, actor: "t") }
        _ = try await gate.createSubject(
            identifiers: [.init(kind: .email, value: "Amy@Example.org")],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            actor: "t"
        )
        let clash = await #expect(throws: StewardError.self) {
            try await gate.createSubject(
                identifiers: [.init(kind: .email, value: "amy@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "t"
            )
        }
        #expect(clash?.code == .conflict)
        #expect(clash?.message.contains("amy@example.org") == false)
        #expect(try await gate.findSubject(identifiers: [.init(kind: .email, value: " AMY@example.org ")]) != nil)
    }
}

/// One rule, two users: whether a person may object, by lawful basis (UK GDPR Art 21(1)).
@Suite("Objection right")
struct ObjectionRightTests {
    @Test(
        "the right to object by lawful basis",
        arguments: [
            (LawfulBasis.publicTask, ObjectionRight.applies), (.legitimateInterests, .applies), (.legalObligation, .excluded),
            (.consent, .notApplicable), (.contract, .notApplicable), (.vitalInterests, .notApplicable),
        ]
    )
    func objectionRight(_ basis: LawfulBasis, _ right: ObjectionRight) {
        #expect(basis.objectionRight == right)
    }
}
