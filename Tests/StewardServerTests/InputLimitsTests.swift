import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

@Suite("Bounded input over HTTP")
struct InputLimitsTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var role: Role
        var uri: String
        var body: String
        var status: HTTPResponse.Status
        var field: String
        var description: String { name }
    }

    static func decision(justification reference: String) -> String {
        #"{"system":"adult_social_care","categories":["user.health_and_medical"],"purpose":"statutory_social_care","recipient":"nhs_trust","justification":{"type":"legal_requirement","reference":"\#(reference)"}}"#
    }

    static func identifiers(_ count: Int) -> String {
        "[" + (0..<count).map { #"{"kind":"email","value":"person\#($0)@example.org"}"# }.joined(separator: ",") + "]"
    }

    static let cases: [Case] = [
        .init(
            name: "a 15,000,000-character justification reference is larger than any body",
            role: .service,
            uri: "/api/v1/decisions",
            body: decision(justification: String(repeating: "x", count: 15_000_000)),
            status: .contentTooLarge,
            field: "body"
        ),
        .init(
            name: "a justification reference one character over its limit",
            role: .service,
            uri: "/api/v1/decisions",
            body: decision(justification: String(repeating: "x", count: 2_001)),
            status: .badRequest,
            field: "justification.reference"
        ),
        .init(
            name: "100,000 identifiers",
            role: .caseworker,
            uri: "/api/v1/subjects",
            body: #"{"identifiers":\#(identifiers(100_000))}"#,
            status: .contentTooLarge,
            field: "body"
        ),
        .init(
            name: "21 identifiers",
            role: .caseworker,
            uri: "/api/v1/subjects",
            body: #"{"identifiers":\#(identifiers(21))}"#,
            status: .badRequest,
            field: "identifiers"
        ),
        .init(
            name: "a 1,000,000-character email",
            role: .caseworker,
            uri: "/api/v1/subjects",
            body: #"{"identifiers":[{"kind":"email","value":"\#(String(repeating: "a", count: 1_000_000))@example.org"}]}"#,
            status: .badRequest,
            field: "identifiers[0].value"
        ),
        .init(
            name: "a 100,000-character kind",
            role: .caseworker,
            uri: "/api/v1/subjects",
            body: #"{"identifiers":[{"kind":"\#(String(repeating: "k", count: 100_000))","value":"x"}]}"#,
            status: .badRequest,
            field: "identifiers[0].kind"
        ),
        .init(
            name: "a 1,000,000-character system",
            role: .service,
            uri: "/api/v1/decisions",
            body: #"{"system":"\#(String(repeating: "s", count: 1_000_000))","categories":["user.contact.email"],"purpose":"statutory_social_care"}"#,
            status: .badRequest,
            field: "system"
        ),
        .init(
            name: "a resident's request with a 20,001-character description",
            role: .caseworker,
            uri: "/api/v1/requests",
            body:
                #"{"kind":"access","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"\#(String(repeating: "d", count: 20_001))"}"#,
            status: .badRequest,
            field: "description"
        ),
        .init(
            name: "a field given twice",
            role: .service,
            uri: "/api/v1/decisions",
            body: #"{"system":"council_website","system":"adult_social_care","categories":["user.contact.email"],"purpose":"statutory_social_care"}"#,
            status: .badRequest,
            field: "system"
        ),
        .init(
            name: "a field given twice inside a list",
            role: .caseworker,
            uri: "/api/v1/subjects",
            body: #"{"identifiers":[{"kind":"email","value":"a@example.org"},{"kind":"email","kind":"phone_number","value":"01632 960000"}]}"#,
            status: .badRequest,
            field: "identifiers[1].kind"
        ),
        .init(
            name: "lists nested 600 deep",
            role: .service,
            uri: "/api/v1/decisions",
            body: String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            status: .badRequest,
            field: "body"
        ),
    ]

    @Test("every string and list is bounded: the answer names the field, quotes none of the input, and nothing is stored", arguments: cases)
    func limitIsEnforced(_ limit: Case) async throws {
        try await ServerFixture.with { fixture, client in
            let before = try await fixture.store.auditEntries(after: 0, limit: 100_000).count
            let response = try await client.execute(
                uri: limit.uri,
                method: .post,
                headers: fixture.headers(limit.role),
                body: ByteBuffer(string: limit.body)
            )
            #expect(response.status == limit.status, "\(response.text.prefix(300))")
            let error = try JSONDecoder().decode([String: [String: String]].self, from: Data(response.text.utf8))["error"]
            #expect(error?["field"] == limit.field, "\(response.text.prefix(300))")
            #expect(response.text.count < 400, "the answer quotes the input: \(response.text.prefix(300))…")
            #expect(try await fixture.store.auditEntries(after: 0, limit: 100_000).count == before)
        }
    }
}
