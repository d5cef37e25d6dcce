import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardFiles
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

@Suite("Retention over HTTP")
struct RetentionRoutesTests {
    static func send(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ json: String? = nil,
        as role: Role,
        _ fixture: ServerFixture,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = fixture.headers(role)
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    @Test("the DPO plans, holds, sweeps in the background and pauses; an auditor reads certificates as JSON or a page; bad input names its field")
    func workflow() async throws {
        try await RetentionCouncil.with(.sqlite) { council in
            var configuration = StewardConfiguration()
            configuration.retention.batchSize = 2
            configuration.retention.yieldShare = 0
            try await ServerFixture.with(loadDemo: false, configuration: configuration, today: { RetentionCouncil.today }) { fixture, client in
                _ = try await fixture.store.saveDataMap(RetentionCouncil.dataMap(), actor: "test")
                try await council.register(in: fixture.store)

                let plan = try await Self.send(client, .post, "/api/v1/retention/plan", as: .dpo, fixture)
                #expect(plan.status == .ok, "\(plan.text)")
                let people = try #require(try plan.decode(RetentionPlan.self).rules.first { $0.rule == "records_db.people" })
                #expect((people.due, people.dispose, people.emptyTrigger) == (5, 5, 1))
                let one = try await Self.send(client, .post, "/api/v1/retention/plan", #"{"rule":"records_db.nothing"}"#, as: .dpo, fixture)
                #expect(one.status == .notFound)
                #expect(try one.decode(ErrorBody.self).error.field == "rule")

                let noReason = try await Self.send(
                    client,
                    .post,
                    "/api/v1/retention/holds",
                    #"{"kind":"rows","collection":"records_db.people","name":"Central","filter":{"branch":"Central"},"owner":"Audit","reason":""}"#,
                    as: .dpo,
                    fixture
                )
                #expect(noReason.status == .unprocessableContent)
                #expect(try noReason.decode(ErrorBody.self).error.field == "reason")
                let held = try await Self.send(
                    client,
                    .post,
                    "/api/v1/retention/holds",
                    #"{"kind":"rows","collection":"records_db.people","name":"Central","filter":{"branch":"Central"},"owner":"Audit","reason":"branch audit"}"#,
                    as: .dpo,
                    fixture
                )
                #expect(held.status == .created, "\(held.text)")

                let started = try await Self.send(client, .post, "/api/v1/retention/runs", as: .dpo, fixture)
                #expect(started.status == .accepted, "\(started.text)")
                let id = try started.decode(RetentionRun.self).id
                var run = try started.decode(RetentionRun.self)
                for _ in 0..<200 where run.state == .running {
                    try await Task.sleep(for: .milliseconds(50))
                    run = try await Self.send(client, .get, "/api/v1/retention/runs/\(id)", as: .auditor, fixture).decode(RetentionRun.self)
                }
                #expect(run.state == .done, "\(run.rules.map { ($0.rule, $0.state, $0.error ?? "") })")
                #expect(Set(try await council.rows("people").keys) == ["2", "4", "5"])

                let list = try await Self.send(client, .get, "/api/v1/retention/certificates?run=\(id)", as: .auditor, fixture)
                struct Certificates: Decodable { var certificates: [DisposalCertificate] }
                let certificate = try #require(try list.decode(Certificates.self).certificates.first { $0.rule == "records_db.people" })
                #expect(certificate.rows == 4)
                let page = try await Self.send(client, .get, "/api/v1/retention/certificates/\(certificate.id)?format=html", as: .auditor, fixture)
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(page.text.contains(certificate.keysDigest) && page.text.contains("Wessex County Council"))
                let accepted = try await Self.send(
                    client,
                    .get,
                    "/api/v1/retention/certificates/\(certificate.id)",
                    as: .auditor,
                    fixture,
                    headers: [.accept: "text/html"]
                )
                #expect(accepted.text.hasPrefix("<!DOCTYPE html>"))
                let json = try await Self.send(client, .get, "/api/v1/retention/certificates/\(certificate.id)", as: .auditor, fixture)
                #expect(try json.decode(DisposalCertificate.self) == certificate)
                let wrong = try await Self.send(client, .get, "/api/v1/retention/certificates/\(certificate.id)?format=pdf", as: .auditor, fixture)
                #expect(wrong.status == .unprocessableContent)

                let status = try await Self.send(client, .get, "/api/v1/retention/status", as: .auditor, fixture).decode(RetentionStatus.self)
                let line = try #require(status.rules.first { $0.rule == "records_db.people" })
                #expect((line.overdue, line.kept, line.lastCertificate?.id) == (1, 1, certificate.id))
                #expect(status.rules.first { $0.rule == "records_db.cases" }?.openReviews == 1)

                let paused = try await Self.send(client, .post, "/api/v1/retention/pause", #"{"reason":"ICO audit"}"#, as: .dpo, fixture)
                #expect(paused.status == .ok)
                let refused = try await Self.send(client, .post, "/api/v1/retention/runs", as: .dpo, fixture)
                #expect(refused.status == .conflict)
                #expect(try await Self.send(client, .post, "/api/v1/retention/resume", as: .dpo, fixture).status == .noContent)
                #expect(try await Self.send(client, .post, "/api/v1/retention/resume", as: .dpo, fixture).status == .conflict)
            }
        }
    }
}
