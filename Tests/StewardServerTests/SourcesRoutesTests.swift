import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StewardCore
import StewardFiles
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

@Suite("Council sources and access runs over HTTP")
struct SourcesRoutesTests {
    static func send(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ json: String? = nil,
        as role: Role,
        _ fixture: ServerFixture
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: fixture.headers(role), body: json.map { ByteBuffer(string: $0) })
    }

    /// Submits the request in `body` as a caseworker and records that staff checked the requester's
    /// identity, so it can be run; its reference.
    static func erasureRequest(_ body: String, _ client: some TestClientProtocol, _ fixture: ServerFixture) async throws -> String {
        let created = try await Self.send(client, .post, "/api/v1/requests", body, as: .caseworker, fixture)
        #expect(created.status == .created, "\(created.text)")
        let reference = try created.decode(RequestService.View.self).request.id.rawValue
        let verified = try await Self.send(
            client,
            .post,
            "/api/v1/requests/\(reference)/events",
            #"{"change":"identity_verified","identity":{"method":"document_seen","evidence":"passport","checkedBy":"J. Smith"}}"#,
            as: .caseworker,
            fixture
        )
        #expect(verified.status == .ok, "\(verified.text)")
        return reference
    }

    /// Registers the test council's three sources through the API, checking each.
    static func register(_ sources: CouncilSources, _ client: some TestClientProtocol, _ fixture: ServerFixture) async throws {
        guard case .postgres(let housingURL) = sources.housing.location else {
            Issue.record("the housing source is PostgreSQL")
            return
        }
        for (id, kind, dataset, location) in [
            ("housing", "postgres", "housing_db", housingURL), ("benefits", "sqlite", "benefits_db", sources.benefitsPath),
            ("library", "csv", "library_csv", sources.libraryFolder.path),
        ] {
            let body = #"{"id":"\#(id)","name":"\#(id)","kind":"\#(kind)","dataset":"\#(dataset)","location":"\#(location)"}"#
            let created = try await Self.send(client, .post, "/api/v1/sources", body, as: .dpo, fixture)
            #expect(created.status == .created, "\(created.text)")
            let check = try await Self.send(client, .post, "/api/v1/sources/\(id)/test", as: .dpo, fixture).decode(SourceCheck.self)
            #expect(check.reachable && check.problems.isEmpty, "\(check)")
        }
    }

    @Test("an erasure runs over HTTP with its policy, naming the rows a dry run would change; a misspelt or misplaced field is refused")
    func erasureOverHTTP() async throws {
        try await CouncilSources.with { sources in
            try await ServerFixture.with(loadDemo: false) { fixture, client in
                _ = try await fixture.store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
                try await Self.register(sources, client, fixture)
                let reference = try await Self.erasureRequest(
                    #"{"kind":"erasure","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"Erase me"}"#,
                    client,
                    fixture
                )
                let loans = sources.libraryFolder.appendingPathComponent("loans.csv")
                let before = try String(contentsOf: loans, encoding: .utf8)
                for (body, field, status) in [
                    (#"{"dryRun":true,"policy":{"deleteCollections":["library_csv.loans"]}}"#, "policy", HTTPResponse.Status.badRequest),
                    (#"{"corrections":[]}"#, "corrections", .unprocessableContent),
                ] {
                    let refused = try await Self.send(client, .post, "/api/v1/requests/\(reference)/execute", body, as: .caseworker, fixture)
                    let answer = try refused.decode(ErrorBody.self)
                    #expect(refused.status == status && answer.error.field == field, "\(refused.text)")
                }
                let dry = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests/\(reference)/execute",
                    #"{"dryRun":true,"erasure":{"deleteCollections":["library_csv.loans"]}}"#,
                    as: .caseworker,
                    fixture
                ).decode(ChangeAnswer.self)
                #expect(dry.complete && dry.rowsChanged == 3, "\(dry)")
                let loanStep = try #require(dry.report.steps.first { $0.collection == "loans" })
                #expect(loanStep.action.rawValue == "delete" && loanStep.keys == [["loan_id": "L1"], ["loan_id": "L3"]])
                #expect(try String(contentsOf: loans, encoding: .utf8) == before)

                let done = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests/\(reference)/execute",
                    #"{"erasure":{"deleteCollections":["library_csv.loans"]}}"#,
                    as: .caseworker,
                    fixture
                ).decode(ChangeAnswer.self)
                #expect(done.complete)
                #expect(
                    try CSVText.parse(try String(contentsOf: loans, encoding: .utf8), file: "loans.csv") == [
                        ["loan_id", "member_no"], ["L2", "M2"],
                    ]
                )
            }
        }
    }

    @Test(
        "over HTTP, a source's test lists what it cannot change, and a change the database refuses is a failed step in the dry run, then a 503 naming the source, the field and the SQLSTATE, changing nothing"
    )
    func refusedChangeOverHTTP() async throws {
        let database = try await TestDatabase.makeCouncilPostgres()
        let handle = try await openDatabase(database.location, logger: Logger(label: "test"))
        do {
            try await ShopDatabase.build(handle, postgres: true)
            guard case .postgres(let url) = database.location else { return }
            try await ServerFixture.with(loadDemo: false) { fixture, client in
                _ = try await fixture.store.loadDataMap(
                    DataMapReader.read(files: ShopDatabase.files),
                    taxonomy: .builtin,
                    fallbackController: nil,
                    actor: "test"
                )
                let body = #"{"id":"shop","name":"Shop","kind":"postgres","dataset":"shop_db","location":"\#(url)"}"#
                #expect(try await Self.send(client, .post, "/api/v1/sources", body, as: .dpo, fixture).status == .created)
                let check = try await Self.send(client, .post, "/api/v1/sources/shop/test", as: .dpo, fixture).decode(SourceCheck.self)
                #expect(check.ok && check.notes.map(\.collection) == ["login"], "\(check)")
                let reference = try await Self.erasureRequest(
                    #"{"kind":"erasure","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"Erase me","identifiers":[{"kind":"email","value":"amy@example.org"}]}"#,
                    client,
                    fixture
                )
                let before = try await ShopDatabase.snapshot(handle)
                let policy = #""erasure":{"strategies":{"shop_db.address.zip":"fixed:X"}}"#
                let dry = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests/\(reference)/execute",
                    "{\"dryRun\":true,\(policy)}",
                    as: .caseworker,
                    fixture
                )
                #expect(dry.status == .ok, "\(dry.text)")
                let answer = try dry.decode(ChangeAnswer.self)
                #expect(!answer.complete && answer.rowsChanged == 0)
                let failed = try #require(answer.report.steps.first { $0.action == .failed })
                #expect(failed.field == "shop_db.address" && failed.reason?.contains("SQLSTATE 23514") == true, "\(failed)")
                let run = try await Self.send(client, .post, "/api/v1/requests/\(reference)/execute", "{\(policy)}", as: .caseworker, fixture)
                #expect(run.status == .serviceUnavailable, "\(run.text)")
                let error = try run.decode(ErrorBody.self).error
                #expect(error.field == "shop_db.address")
                #expect(error.message.contains("source 'shop'") && error.message.contains("SQLSTATE 23514"), "\(error.message)")
                #expect(!run.text.contains("Generic description") && !run.text.contains("internal error"))
                #expect(try await ShopDatabase.snapshot(handle) == before)
            }
        } catch {
            await handle.close()
            await database.destroy()
            throw error
        }
        await handle.close()
        await database.destroy()
    }

    @Test("sources are registered and checked, an access request runs across them with progress, and its bundle downloads")
    func registerRunAndDownload() async throws {
        try await CouncilSources.with { sources in
            try await ServerFixture.with(loadDemo: false) { fixture, client in
                _ = try await fixture.store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
                try await Self.register(sources, client, fixture)
                let listed = try await Self.send(client, .get, "/api/v1/sources", as: .auditor, fixture)
                #expect(listed.status == .ok)
                #expect(!listed.text.contains("location_sealed") && !listed.text.contains("sealed"))
                let duplicate = try await Self.send(
                    client,
                    .post,
                    "/api/v1/sources",
                    #"{"id":"other","name":"x","kind":"csv","dataset":"library_csv","location":"/tmp"}"#,
                    as: .dpo,
                    fixture
                )
                #expect(duplicate.status == .conflict)

                let created = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests",
                    #"{"kind":"access","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"Everything"}"#,
                    as: .caseworker,
                    fixture
                )
                let reference = try created.decode(RequestService.View.self).request.id.rawValue
                let early = try await Self.send(client, .post, "/api/v1/requests/\(reference)/execute", "{}", as: .caseworker, fixture)
                #expect(early.status == .conflict, "identity is not confirmed yet")
                _ = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests/\(reference)/events",
                    #"{"change":"identity_verified","identity":{"method":"document_seen","evidence":"passport","checkedBy":"J. Smith"}}"#,
                    as: .caseworker,
                    fixture
                )

                let dry = try await Self.send(client, .post, "/api/v1/requests/\(reference)/execute", #"{"dryRun":true}"#, as: .caseworker, fixture)
                    .decode(DryRun.self)
                #expect(dry.rows == 9)
                #expect(dry.collections["benefits_db.payments"] == 2)
                let unconfirmed = dry.unconfirmed
                #expect(unconfirmed.count == 1 && unconfirmed.first?.collection == "claimants" && unconfirmed.first?.rows == 1)
                #expect(try await Self.send(client, .get, "/api/v1/requests/\(reference)/bundle", as: .caseworker, fixture).status == .conflict)

                let started = try await Self.send(client, .post, "/api/v1/requests/\(reference)/execute", "{}", as: .caseworker, fixture)
                #expect(started.status == .accepted)
                var status: RunStatus?
                for _ in 0..<200 {
                    status = try await Self.send(client, .get, "/api/v1/requests/\(reference)/execution", as: .auditor, fixture)
                        .decode(RunStatus.self)
                    if status?.status.rawValue != "running" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(status?.status.rawValue == "done", "\(String(describing: status))")
                #expect(status?.done == 6 && status?.total == 6)
                #expect(status?.unconfirmed?.first?.fields == ["uprn"])

                let bundle = try await Self.send(client, .get, "/api/v1/requests/\(reference)/bundle", as: .caseworker, fixture)
                #expect(bundle.status == .ok)
                #expect(bundle.headers[.contentType] == "application/zip")
                let files = try ZipArchive.files(Data(bundle.body.readableBytesView))
                let tenants = try JSONDecoder().decode([[String: JSONValue]].self, from: try #require(files["data/housing_db/tenants.json"]))
                #expect(tenants.map { $0["name"] } == ["Amy Pond"])
                #expect(tenants.map { $0["id"] } == [1])
                #expect(files["manifest.json"] != nil && files["report.html"] != nil)
                let download = try #require(try await fixture.store.auditEntries(limit: 10_000).first { $0.action == "request.bundle_download" })
                #expect(download.details.contains(Secret.sha256(Data(bundle.body.readableBytesView))))
            }
        }
    }
}
