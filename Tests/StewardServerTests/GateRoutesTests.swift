import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

@Suite("Gate routes")
struct GateRoutesTests {
    static func post(
        _ client: any TestClientProtocol,
        _ uri: String,
        _ json: String,
        as role: Role,
        _ fixture: ServerFixture
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: fixture.headers(role), body: ByteBuffer(string: json))
    }

    @Test("a person is recorded, found by identifiers, given preferences, and their disclosures are logged and audited")
    func subjectToDisclosure() async throws {
        try await ServerFixture.with { fixture, client in
            let created = try await Self.post(
                client,
                "/api/v1/subjects",
                #"{"identifiers":[{"kind":"email","value":" Ada@Example.org "},{"kind":"nhs_number","value":"943 476 5919"}],"dateOfBirth":"1950-03-01"}"#,
                as: .caseworker,
                fixture
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try created.decode(Subject.self).id.rawValue
            let duplicate = try await Self.post(
                client,
                "/api/v1/subjects",
                #"{"identifiers":[{"kind":"email","value":"ada@example.org"}]}"#,
                as: .caseworker,
                fixture
            )
            #expect(duplicate.status == .conflict)
            #expect(!duplicate.text.contains("ada@example.org"))
            let badNHS = try await Self.post(
                client,
                "/api/v1/subjects",
                #"{"identifiers":[{"kind":"nhs_number","value":"1234567890"}]}"#,
                as: .caseworker,
                fixture
            )
            #expect(badNHS.status == .unprocessableContent)

            let found = try await Self.post(
                client,
                "/api/v1/subjects/search",
                #"{"identifiers":[{"kind":"email","value":"ADA@example.org"}]}"#,
                as: .dpo,
                fixture
            )
            #expect(try found.decode(Subject.self).id.rawValue == id)

            let consent = try await Self.post(
                client,
                "/api/v1/subjects/\(id)/preferences",
                #"{"kind":"explicit_consent","recipient":"wessex_nhs_trust"}"#,
                as: .caseworker,
                fixture
            )
            #expect(consent.status == .created, "\(consent.text)")

            let decision = try await Self.post(
                client,
                "/api/v1/decisions",
                #"{"system":"adult_social_care","subject":{"identifiers":[{"kind":"nhs_number","value":"9434765919"}]},"categories":["user.health_and_medical"],"purpose":"statutory_adult_social_care","recipient":"wessex_nhs_trust"}"#,
                as: .service,
                fixture
            )
            let record = try decision.decode(DecisionRecord.self)
            #expect(record.allowed, "\(decision.text)")
            let decisionID = record.id

            let refused = try await Self.post(
                client,
                "/api/v1/decisions",
                #"{"system":"adult_social_care","subject":{"id":"\#(id)"},"categories":["user.health_and_medical"],"purpose":"safeguarding_adults","recipient":"wessex_police"}"#,
                as: .service,
                fixture
            )
            #expect(try refused.decode(DecisionRecord.self).allowed == false)

            let disclosures = try await client.execute(uri: "/api/v1/subjects/\(id)/disclosures", method: .get, headers: fixture.headers(.auditor))
            let log = try disclosures.decode(Listing<Disclosure>.self).items
            #expect(log.count == 1)
            #expect(log.first?.decision == decisionID)
            #expect(log.first?.recipient.rawValue == "wessex_nhs_trust")

            let entries = try await fixture.store.auditEntries(after: 0, limit: 1000)
            #expect(entries.contains { $0.action == "gate.allow" && $0.object == "decision/\(decisionID)" })
            #expect(entries.filter { $0.action.hasPrefix("gate.") }.count == 2)
            #expect(!entries.contains { $0.details.contains("ada@example.org") || $0.details.contains("9434765919") })
        }
    }

    @Test("unknown subjects, purposes and recipients are a clear 4xx naming the field")
    func unknownsAreClientErrors() async throws {
        try await ServerFixture.with { fixture, client in
            let cases: [(String, String)] = [
                (#"{"system":"libraries","categories":["user.name"],"purpose":"no_such_purpose"}"#, "purpose"),
                (#"{"system":"libraries","categories":["user.name"],"purpose":"library_membership","recipient":"nobody"}"#, "recipient"),
                (#"{"system":"nowhere","categories":["user.name"],"purpose":"library_membership"}"#, "system"),
                (#"{"system":"libraries","subject":{"id":"missing"},"categories":["user.name"],"purpose":"library_membership"}"#, "subject"),
                (#"{"system":"libraries","categories":["user.name"]}"#, "purpose"),
                (#"{"system":"libraries","categories":["user.name"],"purpose":"library_membership","channel":"pigeon"}"#, "channel"),
            ]
            for (body, field) in cases {
                let response = try await Self.post(client, "/api/v1/decisions", body, as: .service, fixture)
                #expect((400..<500).contains(Int(response.status.code)), "\(body)")
                let error = try response.decode(ErrorBody.self).error
                #expect(error.field == field, "\(body): \(error)")
            }
        }
    }

    @Test("a batch answers in request order; an item that breaks a rule gets its own error, a malformed one fails the batch naming it")
    func batch() async throws {
        try await ServerFixture.with { fixture, client in
            let body = """
                {"requests":[
                  {"system":"libraries","categories":["user.name"],"purpose":"library_membership"},
                  {"system":"libraries","categories":["user.name"],"purpose":"no_such_purpose"},
                  {"system":"libraries","categories":["user.name"],"purpose":"council_tax_collection"},
                  {"system":"libraries","categories":["user.name"],"purpose":"library_membership","recipient":"nobody"}
                ]}
                """
            let response = try await Self.post(client, "/api/v1/decisions/batch", body, as: .service, fixture)
            #expect(response.status == .ok)
            let results = try response.decode(Listing<BatchResult>.self).items
            #expect(results.count == 4)
            #expect(results[0].decision?.allowed == true)
            #expect(results[1].error?.field == "requests[1].purpose")
            #expect(results[2].decision?.allowed == false)
            #expect(results[3].error?.field == "requests[3].recipient")
            let audited = try await fixture.store.auditEntries(after: 0, limit: 1000).filter { $0.action.hasPrefix("gate.") }
            #expect(audited.count == 2)

            // Not a decision request at all: the whole batch is refused, and nothing is decided.
            let malformed = """
                {"requests":[
                  {"system":"libraries","categories":["user.name"],"purpose":"library_membership"},
                  {"system":"libraries","categories":["user.name"]}
                ]}
                """
            let refused = try await Self.post(client, "/api/v1/decisions/batch", malformed, as: .service, fixture)
            #expect(refused.status == .badRequest)
            #expect(try refused.decode(ErrorBody.self).error.field == "requests[1].purpose")
            #expect(try await fixture.store.auditEntries(after: 0, limit: 1000).filter { $0.action.hasPrefix("gate.") }.count == 2)

            let tooMany = "{\"requests\":[" + Array(repeating: "{}", count: 1001).joined(separator: ",") + "]}"
            #expect(try await Self.post(client, "/api/v1/decisions/batch", tooMany, as: .service, fixture).status == .badRequest)
        }
    }

    @Test("preferences are withdrawn, and a restriction only after notice")
    func withdrawal() async throws {
        try await ServerFixture.with { fixture, client in
            let subject = try await fixture.store.createSubject(
                identifiers: [.init(kind: "email", value: "b@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            let restriction = try await Self.post(
                client,
                "/api/v1/subjects/\(subject.id)/preferences",
                #"{"kind":"restriction","ground":"accuracy disputed"}"#,
                as: .dpo,
                fixture
            )
            let restrictionID = try #require(try restriction.decode(Preference.Draft.self).id)
            let decide = #"{"system":"libraries","subject":{"id":"\#(subject.id)"},"categories":["user.name"],"purpose":"library_membership"}"#
            let restricted = try await Self.post(client, "/api/v1/decisions", decide, as: .service, fixture)
            #expect(try restricted.decode(DecisionRecord.self).allowed == false)
            let early = try await Self.post(client, "/api/v1/subjects/\(subject.id)/preferences/\(restrictionID)/withdraw", "{}", as: .dpo, fixture)
            #expect(early.status == .unprocessableContent)
            #expect(early.text.contains("noticeGiven"))
            let lifted = try await Self.post(
                client,
                "/api/v1/subjects/\(subject.id)/preferences/\(restrictionID)/withdraw",
                #"{"noticeGiven":"2026-01-02","on":"2026-01-10"}"#,
                as: .dpo,
                fixture
            )
            #expect(lifted.status == .ok, "\(lifted.text)")
            let unrestricted = try await Self.post(client, "/api/v1/decisions", decide, as: .service, fixture)
            #expect(try unrestricted.decode(DecisionRecord.self).allowed == true)
            let missingReason = try await Self.post(
                client,
                "/api/v1/subjects/\(subject.id)/preferences",
                #"{"kind":"objection","outcome":"overridden"}"#,
                as: .dpo,
                fixture
            )
            #expect(missingReason.status == .unprocessableContent)
        }
    }

    @Test("two records of one person merge, keeping both histories")
    func merge() async throws {
        try await ServerFixture.with { fixture, client in
            let first = try await fixture.store.createSubject(
                identifiers: [.init(kind: "email", value: "c@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "t"
            )
            let second = try await fixture.store.createSubject(
                identifiers: [.init(kind: "uprn", value: "100012345678")],
                dateOfBirth: CalendarDate(year: 1980, month: 1, day: 2),
                isAdultAtRisk: true,
                actor: "t"
            )
            _ = try await fixture.store.addPreference(Preference(id: "opt-out-1", kind: .marketingOptOut, given: .today), to: second.id, actor: "t")
            let merged = try await Self.post(client, "/api/v1/subjects/\(first.id)/merge", #"{"from":"\#(second.id)"}"#, as: .dpo, fixture)
            #expect(merged.status == .ok, "\(merged.text)")
            let found = try #require(try await fixture.store.findSubject(identifiers: [.init(kind: "uprn", value: "100012345678")]))
            #expect(found.id == first.id)
            #expect(found.isAdultAtRisk)
            #expect(try await fixture.store.subject(second.id)?.id == first.id)
            #expect(try await fixture.store.preferences(of: first.id).count == 1)
            let name = try await fixture.store.findSubject(identifiers: [
                .init(kind: "email", value: "c@example.org"), .init(kind: "uprn", value: "100012345678"),
            ])
            #expect(name?.id == first.id)
        }
    }
}
