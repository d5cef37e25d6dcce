import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StewardApp
import StewardCore
import StewardFiles
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

/// A request worked from the console to its end, and the resident's way back to it through the
/// portal, on the backend this run names.
@Suite("Working a request in the console, and the resident's download")
struct ConsoleRequestWorkTests {
    typealias Browser = ConsoleTests.Browser

    static func rows(_ archive: ByteBuffer) throws -> [String] {
        let files = try ZipArchive.files(Data(archive.readableBytesView))
        let tenants = try JSONDecoder().decode([[String: JSONValue]].self, from: try #require(files["data/housing_db/tenants.json"]))
        return tenants.compactMap { row in
            if case .string(let name) = row["name"] { return name }
            return nil
        }
    }

    @Test(
        "a caseworker confirms identity, runs the search and follows it, downloads the bundle and completes the request; the resident then downloads it with a fresh code, and nothing else opens it"
    )
    func requestToBundle() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let configuration = {
            var configuration = RequestRoutesTests.configuration(sink: sink)
            configuration.web.bcryptCost = 4
            return configuration
        }()
        try await CouncilSources.with { sources in
            try await ServerFixture.with(loadDemo: false, configuration: configuration) { fixture, client in
                let services = fixture.environment.services
                _ = try await fixture.store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
                try await SourcesRoutesTests.register(sources, client, fixture)
                let worker = OutboxWorker(store: fixture.store, settings: configuration.mail, logger: .init(label: "test"))
                _ = try await services.staff.create(
                    email: "case@wessex.gov.example",
                    role: .caseworker,
                    password: ConsoleTests.password,
                    actor: "test"
                )
                _ = try await services.staff.create(email: "audit@wessex.gov.example", role: .auditor, password: ConsoleTests.password, actor: "test")
                let created = try await services.requests.submit(
                    RightsRequest.Intake(kind: .access, requester: .init(name: "Amy Pond", email: "amy@example.org"), description: "Everything"),
                    actor: "staff:case@wessex.gov.example",
                    fromPublic: false
                )
                let reference = created.request.id.rawValue
                let base = "/console/requests/\(reference)"

                // An auditor reads the page but is offered no change, and cannot make one.
                var auditor = Browser()
                _ = try await auditor.signIn(client, "audit@wessex.gov.example", ConsoleTests.password)
                let read = try await auditor.get(client, base)
                #expect(read.status == .ok)
                #expect(!read.text.contains("/change/"))
                let refused = try await auditor.post(client, "\(base)/change/started", [("csrf", try Browser.csrf(read))])
                #expect(refused.status == .forbidden)

                var browser = Browser()
                _ = try await browser.signIn(client, "case@wessex.gov.example", ConsoleTests.password)
                let page = try await browser.get(client, base)
                #expect(page.text.contains("\(base)/change/identity_verified"))
                #expect(!page.text.contains("\(base)/change/completed"), "a request not started cannot be completed")
                #expect(!page.text.contains("Run the search"), "nothing is searched before identity is confirmed")

                // Without the session's token, or with a field missing, nothing changes.
                let form = try await browser.get(client, "\(base)/change/identity_verified")
                #expect(form.status == .ok)
                #expect(try await browser.post(client, "\(base)/change/identity_verified", [("method", "document_seen")]).status == .forbidden)
                let csrf = try Browser.csrf(form)
                let missing = try await browser.post(client, "\(base)/change/identity_verified", [("csrf", csrf), ("method", "document_seen")])
                #expect(missing.status == .unprocessableContent)
                #expect(missing.text.contains("href=\"#evidence\""))
                #expect(try await services.requests.request(created.request.id).state == .received)
                #expect(try await browser.get(client, "\(base)/change/completed").status == .conflict)

                let confirmed = try await browser.post(
                    client,
                    "\(base)/change/identity_verified",
                    [("csrf", csrf), ("method", "document_seen"), ("evidence", "passport seen at the office")]
                )
                #expect(confirmed.status == .seeOther)
                let working = try await browser.get(client, try #require(confirmed.headers[.location]))
                #expect(working.text.contains("Done: confirm the requester"))
                #expect(working.text.contains("Run the search"))
                let timeline = try await services.requests.request(created.request.id).request.events
                #expect(timeline.last?.actor == "staff:case@wessex.gov.example")

                let dry = try await browser.post(client, "\(base)/run", [("csrf", csrf), ("dry", "1")])
                #expect(dry.status == .ok)
                #expect(dry.text.contains("would find 9 records"))
                #expect(dry.text.contains("benefits_db.payments</td><td>2"))

                let run = try await browser.post(client, "\(base)/run", [("csrf", csrf)])
                #expect(run.headers[.location] == "\(base)/run")
                var progress = ""
                for _ in 0..<200 {
                    progress = try await browser.get(client, "\(base)/run/progress").text
                    if !progress.contains("\"running\"") { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(progress.contains("\"done\""), "\(progress)")
                let done = try await browser.get(client, "\(base)/run")
                #expect(done.text.contains("Searched all 6 collections"))
                #expect(done.text.contains("\(base)/bundle"))
                let staffBundle = try await browser.get(client, "\(base)/bundle")
                #expect(staffBundle.headers[.contentType] == "application/zip")
                #expect(try Self.rows(staffBundle.body) == ["Amy Pond"])

                // Until the request is complete, the resident gets no link.
                var resident = Browser()
                /// The status code sent since the last call, if one was.
                func newCode() async throws -> String? {
                    let before = try sink.messages().count
                    guard try await worker.deliverDue() > 0 else { return nil }
                    let mail = try #require(try await sink.waitForMessages(count: before + 1).last)
                    #expect(mail.subject?.contains("Your code to see your request") == true)
                    return try RequestRoutesTests.code(in: mail)
                }
                func openStatus(email: String) async throws -> TestResponse? {
                    _ = try await worker.deliverDue()
                    let start = try await resident.get(client, "/request/status")
                    let asked = try await resident.post(
                        client,
                        "/request/status",
                        [("csrf", try Browser.csrf(start)), ("reference", reference.lowercased()), ("email", email)]
                    )
                    #expect(asked.status == .ok)
                    #expect(asked.text.contains("If <strong>\(reference)</strong> is a request made with that email address"))
                    guard let code = try await newCode() else { return nil }
                    return try await resident.post(client, "/request/\(reference)/status", [("csrf", try Browser.csrf(asked)), ("code", code)])
                }
                #expect(try await openStatus(email: "someone.else@example.org") == nil, "no code goes to an address the request does not have")
                let early = try #require(try await openStatus(email: "AMY@example.org"))
                #expect(early.status == .ok)
                #expect(early.text.contains("We are working on it"))
                #expect(!early.text.contains("/bundle/"))

                #expect(try await browser.get(client, "\(base)/change/completed").status == .conflict, "tasks are open")
                let tasks = try await services.requests.request(created.request.id).request.tasks
                #expect(!tasks.isEmpty)
                for task in tasks {
                    let marked = try await browser.post(client, "\(base)/tasks/\(task.system.rawValue)", [("csrf", csrf), ("status", "done")])
                    #expect(marked.status == .seeOther)
                }
                #expect(try await services.requests.request(created.request.id).request.tasks.allSatisfy { $0.status == .done })
                let complete = try await browser.get(client, "\(base)/change/completed")
                #expect(try await browser.post(client, "\(base)/change/completed", [("csrf", try Browser.csrf(complete))]).status == .seeOther)
                #expect(try await services.requests.request(created.request.id).state == .completed)

                // A guessed code opens nothing; the right one gives the link, and the link the bundle.
                _ = try await worker.deliverDue()
                let start = try await resident.get(client, "/request/status")
                let asked = try await resident.post(
                    client,
                    "/request/status",
                    [("csrf", try Browser.csrf(start)), ("reference", reference), ("email", "amy@example.org")]
                )
                let guessed = try await resident.post(
                    client,
                    "/request/\(reference)/status",
                    [("csrf", try Browser.csrf(asked)), ("code", "000000")]
                )
                #expect(guessed.status == .unprocessableContent)
                #expect(guessed.text.contains("The code is not right"))
                let code = try #require(try await newCode())
                let opened = try await resident.post(client, "/request/\(reference)/status", [("csrf", try Browser.csrf(asked)), ("code", code)])
                #expect(opened.text.contains("Done"))
                let link = String(try #require(opened.text.firstMatch(of: /href="(\/request\/SR-[0-9A-Z-]+\/bundle\/[0-9a-f]+)"/)).1)
                let downloaded = try await resident.get(client, link)
                #expect(downloaded.status == .ok)
                #expect(try Self.rows(downloaded.body) == ["Amy Pond"])
                #expect(try await resident.get(client, link.dropLast(4) + "0000").status == .notFound)
                let again = try await resident.post(client, "/request/\(reference)/status", [("csrf", try Browser.csrf(asked)), ("code", "123456")])
                #expect(again.status == .unprocessableContent, "a used code opens nothing")
                let audit = try await fixture.store.auditEntries(limit: 10_000)
                #expect(audit.contains { $0.action == "request.bundle_download" && $0.actor == "requester" })
                #expect(audit.contains { $0.action == "request.status.code_failed" })
                #expect(audit.contains { $0.action == "request.completed" && $0.actor == "staff:case@wessex.gov.example" })
            }
        }
    }
}
