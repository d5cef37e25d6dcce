import Foundation
import Logging
import SQLKit
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

@Suite("Running an access request over registered sources")
struct AccessRunTests {
    /// A store with the council's data map, its three sources registered, and an access request from
    /// Amy Pond whose identity staff have checked.
    static func withRequest(
        kind: RightsRequest.Kind = .access,
        datasets: [Dataset] = CouncilFixture.datasets,
        _ body: @escaping @Sendable (RequestService, Store, RightsRequest.ID, CouncilSources) async throws -> Void
    ) async throws {
        try await CouncilSources.with { sources in
            try await TestDatabase.withStore { store, _ in
                _ = try await store.saveDataMap(CouncilFixture.dataMap(datasets), actor: "test")
                let service = try CouncilSources.requestService(store)
                try await sources.register(in: store)
                let today = CalendarDate.today
                let intake = RightsRequest.Intake(
                    kind: kind,
                    requester: Requester(name: "Amy Pond", email: "amy@example.org"),
                    description: "Everything you hold about me"
                )
                let view = try await service.submit(intake, actor: "caseworker", fromPublic: false, today: today)
                _ = try await service.apply(
                    .init(change: .identityVerified, identity: IdentityCheck(method: .documentSeen, evidence: "passport", checkedBy: "J. Smith")),
                    to: view.request.id,
                    actor: "caseworker",
                    today: today
                )
                try await body(service, store, view.request.id, sources)
            }
        }
    }

    @Test("the bundle holds every one of the person's rows from all three sources and none of anyone else's, with a manifest of hashes")
    func bundle() async throws {
        try await Self.withRequest { service, store, id, _ in
            for source in ["housing", "benefits", "library"] {
                let check = try await store.checkSource(.init(source), actor: "dpo")
                #expect(check.ok, "\(source): \(check.problems)")
            }
            // The stored location of a PostgreSQL source is sealed, never in clear.
            let stored = try await store.handle.read { database in try await database.raw("SELECT location_sealed, location_shown FROM sources").all()
            }
            for row in stored { #expect(!(try row.decode(column: "location_sealed", as: String.self)).contains("postgres://")) }

            let dry = try await service.runAccess(id, actor: "caseworker", dryRun: true)
            #expect(dry.rowCount == 9)
            #expect(try await service.runStatus(id) == nil)

            let result = try await service.runAccess(id, actor: "caseworker")
            let status = try #require(try await service.runStatus(id))
            #expect(status.status == .done && status.done == status.total && status.total == 6)
            #expect(result.unconfirmed.map { "\($0.dataset).\($0.collection)=\($0.rows)" } == ["benefits_db.claimants=1"])

            let map = try #require(try await store.currentDataMap()?.dataMap)
            let view = try await service.request(id, today: .today)
            let supplementary = try await service.supplementaryInformation(for: id, today: .today)
            let archive = try AccessBundle.archive(result, request: view.request, dataMap: map, taxonomy: .builtin, supplementary: supplementary)
            let files = try ZipArchive.files(archive)
            // Each value in its type: numbers as numbers, text as text, a value withheld as the words saying so.
            func rows(_ path: String) throws -> [[String: JSONValue]] {
                try JSONDecoder().decode([[String: JSONValue]].self, from: try #require(files[path], "\(path) is missing"))
            }
            #expect(
                try rows("data/housing_db/tenants.json") == [
                    [
                        "id": 1, "email": "amy@example.org", "name": "Amy Pond", "ni_number": "QQ 12 34 56 C",
                        "next_of_kin": .string(AccessResult.withheld),
                    ]
                ]
            )
            #expect(try rows("data/housing_db/tenancies.json").map { $0["id"] } == [10, 12])
            #expect(try rows("data/benefits_db/claimants.json") == [["id": 7, "ni_number": "QQ123456C", "uprn": "100023336956"]])
            #expect(try rows("data/benefits_db/payments.json").map { $0["id"] } == [70, 71])
            #expect(try rows("data/library_csv/members.json") == [["member_no": "M1", "email": "amy@example.org", "phone": "01632 960000"]])
            #expect(try rows("data/library_csv/loans.json").map { $0["loan_id"] } == ["L1", "L3"])
            // The request's reference is random and may hold any two letters, so it is left out of the search.
            let everything = files.values.map { String(decoding: $0, as: UTF8.self) }.joined()
                .replacingOccurrences(of: id.rawValue, with: "")
            // Nothing of the others, nor of the claimant who shares the person's address.
            for other in ["Rory", "rory@example.org", "clara@example.org", "AB123456D", "300.00", "M2", "Mrs Pond", "CD123456A", "45.00"] {
                #expect(!everything.contains(other), "the bundle holds \(other)")
            }
            #expect(
                String(decoding: try #require(files["data/library_csv/members.csv"]), as: UTF8.self)
                    == "member_no,email,phone\r\nM1,amy@example.org,01632 960000\r\n"
            )

            let manifest = try JSONDecoder().decode(AccessBundle.Manifest.self, from: try #require(files["manifest.json"]))
            #expect(Set(manifest.files.map(\.path)) == Set(files.keys).subtracting(["manifest.json"]))
            for file in manifest.files { #expect(Secret.sha256(files[file.path]!) == file.sha256, "\(file.path)") }
            #expect(manifest.redactions.map(\.field) == ["next_of_kin"])
            #expect(manifest.rows == 9)
            let report = String(decoding: try #require(files["report.html"]), as: UTF8.self)
            #expect(report.contains("<h2>Housing management</h2>") && report.contains("<h2>Benefits</h2>") && report.contains("<h2>Library</h2>"))
            #expect(report.contains("Amy Pond") && report.contains("What we have withheld"))
            #expect(files["supplementary-information.json"] != nil)

            let actions = try await store.auditEntries(limit: 10_000).map(\.action)
            #expect(actions.contains("request.access_dry_run") && actions.contains("request.access_run"))
            #expect(actions.filter { $0 == "source.check" }.count == 3)
        }
    }

    @Test("a source missing a declared column is named by its check, and the search fails naming it rather than finish without it")
    func missingColumnFails() async throws {
        try await Self.withRequest { service, store, id, sources in
            try "member_no,mail,phone\nM1,amy@example.org,1\n".write(
                to: sources.libraryFolder.appendingPathComponent("members.csv"),
                atomically: true,
                encoding: .utf8
            )
            let check = try await store.checkSource("library", actor: "dpo")
            #expect(!check.ok)
            #expect(check.problems.contains { $0.collection == "members" && $0.field == "email" })
            let error = await #expect(throws: StewardError.self) {
                try await service.runAccess(id, actor: "caseworker")
            }
            #expect(error?.field == "library_csv.members.email")
            let status = try #require(try await service.runStatus(id))
            #expect(status.status == .failed)
            #expect(status.error?.contains("email") == true)
            #expect(try await service.accessResult(id) == nil)
            #expect(try await store.auditEntries(limit: 10_000).contains { $0.action == "request.access_failed" })
        }
    }

    @Test("a database source missing a declared column fails the search naming it")
    func missingDatabaseColumn() async throws {
        var datasets = CouncilFixture.datasets
        datasets[1].collections[1].fields.append(CouncilFixture.field("reference"))
        try await Self.withRequest(datasets: datasets) { service, _, id, _ in
            let error = await #expect(throws: StewardError.self) {
                try await service.runAccess(id, actor: "caseworker")
            }
            #expect(error?.field == "benefits_db.payments.reference")
            let status = try await service.runStatus(id)
            #expect(status?.status == .failed)
        }
    }

    @Test("a dataset with a field the engine cannot handle makes the request fail with that field named")
    func unhandledField() async throws {
        var datasets = CouncilFixture.datasets
        datasets[2].collections[0].fields.append(CouncilFixture.field("address", fields: [CouncilFixture.field("postcode")]))
        try await Self.withRequest(datasets: datasets) { service, _, id, _ in
            let error = await #expect(throws: StewardError.self) {
                try await service.runAccess(id, actor: "caseworker")
            }
            #expect(error?.field == "library_csv.members.address.postcode")
            let status = try await service.runStatus(id)
            #expect(status?.status == .failed)
        }
    }

    @Test("bad source registrations are refused naming the field")
    func badSources() async throws {
        try await Self.withRequest { _, store, _, sources in
            await #expect(throws: StewardError.self) {
                try await store.addSource(id: "x", name: "X", kind: .postgres, dataset: "nowhere", location: "postgres://a@b/c", actor: "dpo")
            }
            await #expect(throws: StewardError.self) {
                try await store.addSource(
                    id: "again",
                    name: "Again",
                    kind: .csv,
                    dataset: "library_csv",
                    location: sources.libraryFolder.path,
                    actor: "dpo"
                )
            }
            await #expect(throws: StewardError.self) {
                try await store.addSource(
                    id: "rel",
                    name: "Relative",
                    kind: .sqlite,
                    dataset: "benefits_db",
                    location: "benefits.sqlite",
                    actor: "dpo"
                )
            }
            await #expect(throws: StewardError.self) {
                try await store.addSource(id: "bad id!", name: "X", kind: .csv, dataset: "library_csv", location: "/tmp", actor: "dpo")
            }
            let registered = try await store.sources()
            #expect(registered.map(\.id.rawValue) == ["benefits", "housing", "library"])
            #expect(registered.allSatisfy { !$0.shownLocation.contains("password") })
        }
    }

    @Test("a request confirmed only by an emailed code is searched by that address alone, not by identifiers typed on the form")
    func emailCodeSearchesOnlyTheAddress() async throws {
        try await CouncilSources.with { sources in
            try await TestDatabase.withStore { store, _ in
                _ = try await store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
                let service = try CouncilSources.requestService(store)
                try await sources.register(in: store)
                let today = CalendarDate.today
                // Someone else's NI number typed on a resident's form.
                let intake = RightsRequest.Intake(
                    kind: .access,
                    requester: Requester(name: "Someone", email: "someone@example.org"),
                    description: "Everything",
                    identifiers: [.init(kind: "ni_number", value: "QQ123456C")]
                )
                let id = try await service.submit(intake, actor: "public", fromPublic: true, today: today).request.id
                let waiting = try #require(try await store.outbox(request: id).first)
                let code = try #require(
                    store.deliverable(waiting).text.split(separator: "\n").first { $0.hasPrefix("Your code is: ") }?.dropFirst(14)
                )
                guard case .verified = try await service.verifyCode(String(code), for: id, today: today) else {
                    Issue.record("the code should verify")
                    return
                }
                let result = try await service.runAccess(id, actor: "caseworker", dryRun: true)
                #expect(result.rowCount == 0)
            }
        }
    }

    @Test("a search that was going when the server stopped is marked failed, so it can be run again")
    func interruptedRuns() async throws {
        try await Self.withRequest { service, _, id, _ in
            try await service.requests.startRun(id, startedAt: AuditChain.timestamp())
            await #expect(throws: StewardError.self) { try await service.beginAccess(id) }
            try await service.requests.failInterruptedRuns()
            let status = try await service.runStatus(id)
            #expect(status?.status == .failed && status?.error?.contains("interrupted") == true)
            try await service.beginAccess(id)
        }
    }
}
