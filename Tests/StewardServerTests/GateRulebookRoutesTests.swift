import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

/// docs/GATE.md's worked examples over HTTP, on the store the suite runs on (SQLite, or PostgreSQL
/// under scripts/test): the person recorded through the API, the request sent as written.
@Suite("The gate's rules over HTTP")
struct GateRulebookRoutesTests {
    static func post(
        _ client: any TestClientProtocol,
        _ uri: String,
        _ body: Data,
        as role: Role,
        _ fixture: ServerFixture
    ) async throws
        -> TestResponse
    {
        try await client.execute(uri: uri, method: .post, headers: fixture.headers(role), body: ByteBuffer(bytes: body))
    }

    /// Records the example's person and their preferences as staff would.
    static func record(_ given: GateRulebook.Given, _ client: any TestClientProtocol, _ fixture: ServerFixture) async throws {
        let created = try await post(client, "/api/v1/subjects", given.subjectBody, as: .caseworker, fixture)
        #expect(created.status == .created, "\(created.text)")
        let id = try created.decode(Subject.self).id.rawValue
        for var draft in given.preferences ?? [] {
            let withdrawn = draft.withdrawn
            draft.withdrawn = nil
            let added = try await post(client, "/api/v1/subjects/\(id)/preferences", try JSONEncoder().encode(draft), as: .caseworker, fixture)
            #expect(added.status == .created, "\(added.text)")
            if let withdrawn {
                let preference = try added.decode(Preference.Draft.self).id!
                let body = Data(#"{"on":"\#(withdrawn)"}"#.utf8)
                let ended = try await post(client, "/api/v1/subjects/\(id)/preferences/\(preference)/withdraw", body, as: .caseworker, fixture)
                #expect(ended.status == .ok, "\(ended.text)")
            }
        }
    }

    static func answer(_ response: TestResponse) throws -> GateRulebook.Answer {
        if response.status == .ok {
            let record = try response.decode(DecisionRecord.self)
            return .init(allowed: record.allowed, basis: record.basis, obligations: record.obligations, reasons: record.reasons)
        }
        let error = try response.decode(ErrorBody.self).error
        return .init(error: .init(code: error.code, field: error.field, message: error.message))
    }

    @Test("each worked example in docs/GATE.md gets the answer written there, as a what-if that discloses nothing")
    func workedExamples() async throws {
        let examples = try GateRulebook.document().examples
        try await ServerFixture.with { fixture, client in
            for example in examples {
                if let given = example.given { try await Self.record(given, client, fixture) }
                for (route, role) in [("decisions", Role.dpo), ("decisions/what-if", .auditor)] {
                    let response = try await Self.post(client, "/api/v1/\(route)", example.request, as: role, fixture)
                    let answer = try Self.answer(response)
                    #expect(answer == example.answer, "\(example) via \(route): the API answers\n\(answer)")
                    if answer.allowed != nil { #expect(try response.decode(DecisionRecord.self).asOf != nil) }
                }
            }
            let entries = try await fixture.store.auditEntries(limit: 10_000)
            let decided = entries.filter { $0.action.hasPrefix("gate.") }
            #expect(decided.count == 2 * examples.filter { $0.answer.error == nil }.count)
            #expect(decided.allSatisfy { $0.action == "gate.what_if" })
            for example in examples where example.answer.allowed == true {
                guard let email = example.given?.identifiers.first else { continue }
                let body = try JSONEncoder().encode(["identifiers": [email]])
                let found = try await Self.post(client, "/api/v1/subjects/search", body, as: .dpo, fixture)
                let id = try found.decode(Subject.self).id.rawValue
                let log = try await client.execute(uri: "/api/v1/subjects/\(id)/disclosures", method: .get, headers: fixture.headers(.dpo))
                #expect(log.text == #"{"disclosures":[]}"#, "\(example): a what-if disclosed nothing")
            }
        }
    }

    @Test("only the DPO and auditors ask what-ifs; a what-if needs its day; an unknown field is refused, naming it")
    func whatIfAccess() async throws {
        try await ServerFixture.with { fixture, client in
            let question = #""system":"libraries","categories":["user.name"],"purpose":"library_membership""#
            let asCaseworker = try await Self.post(
                client,
                "/api/v1/decisions",
                Data(#"{\#(question),"asOf":"2026-01-05"}"#.utf8),
                as: .caseworker,
                fixture
            )
            #expect(asCaseworker.status == .forbidden)
            #expect(try asCaseworker.decode(ErrorBody.self).error.field == "asOf")
            let noDay = try await Self.post(client, "/api/v1/decisions/what-if", Data("{\(question)}".utf8), as: .auditor, fixture)
            #expect(noDay.status == .unprocessableContent)
            #expect(try noDay.decode(ErrorBody.self).error.field == "asOf")
            let notADay = try await Self.post(
                client,
                "/api/v1/decisions/what-if",
                Data(#"{\#(question),"asOf":"5 Jan"}"#.utf8),
                as: .auditor,
                fixture
            )
            #expect(try notADay.decode(ErrorBody.self).error.field == "asOf")
            // `at` is not a field of a decision: it was once decided silently as of today.
            let misspelt = try await Self.post(
                client,
                "/api/v1/decisions",
                Data(#"{\#(question),"at":"2026-01-05"}"#.utf8),
                as: .service,
                fixture
            )
            #expect(misspelt.status == .badRequest)
            let error = try misspelt.decode(ErrorBody.self).error
            #expect(error.field == "at")
            #expect(error.message.contains("unknown field 'at'") && error.message.contains("asOf"), "\(error.message)")
            let nested = try await Self.post(
                client,
                "/api/v1/decisions",
                Data(#"{\#(question),"justification":{"type":"legal_claims","reference":"K1","refrence":"K1"}}"#.utf8),
                as: .service,
                fixture
            )
            #expect(try nested.decode(ErrorBody.self).error.field == "justification.refrence")
            let audit = try await fixture.store.auditEntries(limit: 10_000)
            #expect(!audit.contains { $0.action.hasPrefix("gate.") }, "refused input decides nothing")
        }
    }

    @Test("a real decision under a statutory gateway is written to the disclosure log with its gateway")
    func statutoryGatewayDisclosure() async throws {
        try await ServerFixture.with { fixture, client in
            let created = try await Self.post(
                client,
                "/api/v1/subjects",
                Data(#"{"identifiers":[{"kind":"email","value":"nfi@example.org"}]}"#.utf8),
                as: .caseworker,
                fixture
            )
            let id = try created.decode(Subject.self).id.rawValue
            let decision = try await Self.post(
                client,
                "/api/v1/decisions",
                Data(
                    #"{"system":"council_tax","subject":{"id":"\#(id)"},"categories":["user.name","user.financial.council_tax"],"purpose":"nfi_fraud_prevention","recipient":"cabinet_office_nfi"}"#
                        .utf8
                ),
                as: .service,
                fixture
            )
            #expect(try decision.decode(DecisionRecord.self).allowed, "\(decision.text)")
            let log = try await client.execute(uri: "/api/v1/subjects/\(id)/disclosures", method: .get, headers: fixture.headers(.auditor))
            let disclosures = try log.decode([String: [Disclosure]].self)["disclosures"] ?? []
            #expect(disclosures.count == 1)
            #expect(disclosures.first?.basis.contains { $0.hasPrefix("Statutory gateway: Local Audit and Accountability Act 2014 Sch 9") } == true)
        }
    }
}
