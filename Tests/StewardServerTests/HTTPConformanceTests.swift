import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

@Suite("HTTP as the OpenAPI document and RFC 9110 describe it")
struct HTTPConformanceTests {
    @Test("a known path asked with a method it does not take is 405 with the methods it does take; an unknown path stays 404")
    func wrongMethod() async throws {
        try await ServerFixture.with { fixture, client in
            let wrong = try await client.execute(uri: "/api/v1/systems", method: .delete, headers: fixture.headers(.dpo))
            #expect(wrong.status == .methodNotAllowed, "\(wrong.text)")
            #expect(wrong.headers[.allow] == "GET, HEAD")
            #expect(wrong.text.contains("it takes GET, HEAD"))
            let parameter = try await client.execute(uri: "/api/v1/sources/housing/test", method: .get, headers: fixture.headers(.dpo))
            #expect(parameter.status == .methodNotAllowed)
            #expect(parameter.headers[.allow] == "POST")
            // A literal part wins over a parameter, as in routing: `subjects/search` is not `subjects/{id}`.
            let search = try await client.execute(uri: "/api/v1/subjects/search", method: .get, headers: fixture.headers(.dpo))
            #expect(search.status == .methodNotAllowed)
            #expect(search.headers[.allow] == "POST")
            let unknown = try await client.execute(uri: "/api/v1/no-such-thing", method: .get, headers: fixture.headers(.dpo))
            #expect(unknown.status == .notFound)
        }
    }

    @Test("HEAD is answered wherever GET is, with the same status and no body")
    func head() async throws {
        try await ServerFixture.with { fixture, client in
            let health = try await client.execute(uri: "/healthz", method: .head)
            #expect(health.status == .ok)
            #expect(health.body.readableBytes == 0)
            let systems = try await client.execute(uri: "/api/v1/systems", method: .head, headers: fixture.headers(.dpo))
            #expect(systems.status == .ok)
            let anonymous = try await client.execute(uri: "/api/v1/systems", method: .head)
            #expect(anonymous.status == .unauthorized)
            // HEAD does nothing a GET records: no export in the audit log, no bundle handed over.
            let before = try await fixture.store.auditEntries(after: 0, limit: 10_000).count
            let export = try await client.execute(uri: "/api/v1/audit/export", method: .head, headers: fixture.headers(.auditor))
            #expect(export.status == .ok)
            #expect(try await fixture.store.auditEntries(after: 0, limit: 10_000).count == before)
            let bundle = try await client.execute(
                uri: "/api/v1/requests/SR-NONE-NONE-NONE/bundle",
                method: .head,
                headers: fixture.headers(.caseworker)
            )
            #expect(bundle.status == .notFound)
        }
    }

    @Test("a body labelled as anything but JSON is 415 and changes nothing")
    func mediaType() async throws {
        try await ServerFixture.with { fixture, client in
            let body = #"{"identifiers":[{"kind":"email","value":"ada@example.org"}]}"#
            var headers = fixture.headers(.caseworker)
            headers[.contentType] = "text/plain"
            let plain = try await client.execute(uri: "/api/v1/subjects", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(plain.status == .unsupportedMediaType, "\(plain.text)")
            #expect(plain.text.contains("application/json"))
            headers[.contentType] = "application/json; charset=utf-8"
            let json = try await client.execute(uri: "/api/v1/subjects", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(json.status == .created, "\(json.text)")
            // A resident route takes no form-encoded body: a web page could have its visitors post one.
            let resident = #"{"kind":"access","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"My records"}"#
            let form = try await client.execute(
                uri: "/api/v1/public/requests",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: resident)
            )
            #expect(form.status == .unsupportedMediaType, "\(form.text)")
            #expect(try await fixture.store.outbox().isEmpty)
        }
    }

    @Test("path parameters are percent-decoded")
    func percentDecoding() async throws {
        try await ServerFixture.with { fixture, client in
            let plain = try await client.execute(uri: "/api/v1/systems/council_website", method: .get, headers: fixture.headers(.dpo))
            #expect(plain.status == .ok)
            let encoded = try await client.execute(uri: "/api/v1/systems/council%5Fwebsite", method: .get, headers: fixture.headers(.dpo))
            #expect(encoded.status == .ok, "\(encoded.text)")
            #expect(encoded.text == plain.text)
        }
    }
}
