import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StewardApp
import StewardCore
import StewardFiles
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

/// The console's records beside requests: the data map, the gate's decisions, people, sources,
/// the outbox and the audit log's checkpoints, on the backend this run names.
@Suite("The console's data map, gate, people, sources and outbox")
struct ConsoleRecordsTests {
    typealias Browser = ConsoleTests.Browser

    /// A signed-in browser with `role`, over a fixture whose day is `today`.
    static func with(
        role: Role = .dpo,
        today: CalendarDate = CalendarDate(iso: "2027-02-10")!,
        _ body: @escaping @Sendable (ServerFixture, any TestClientProtocol, Browser) async throws -> Void
    ) async throws {
        var configuration = StewardConfiguration()
        configuration.web.bcryptCost = 4
        try await ServerFixture.with(configuration: configuration, today: { today }) { fixture, client in
            let email = "\(role.rawValue)@wessex.gov.example"
            _ = try await fixture.environment.services.staff.create(email: email, role: role, password: ConsoleTests.password, actor: "test")
            var browser = Browser()
            _ = try await browser.signIn(client, email, ConsoleTests.password)
            try await body(fixture, client, browser)
        }
    }

    /// The demo data-map folder's files, by path inside it.
    static func demoFiles() throws -> [String: Data] {
        let folder = try BundledData.demoDataMap
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "yaml" else { continue }
            let relative = url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1)
            files["data-map/\(relative)"] = try Data(contentsOf: url)
        }
        return files
    }

    static func zip(_ files: [String: Data]) throws -> Data {
        try ZipArchive.make(files.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    @Test(
        "the data map's pages go from systems to fields with their categories, list purposes with their lawful bases, and flag agreements that have ended or end within 90 days"
    )
    func dataMapPages() async throws {
        try await Self.with(role: .caseworker) { _, client, browser in
            var browser = browser
            let overview = try await browser.get(client, "/console/data-map")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("href=\"/console/data-map/systems/adult_social_care\""))
            #expect(!overview.text.contains("Load a new version"), "a caseworker cannot load a data map")
            let system = try await browser.get(client, "/console/data-map/systems/adult_social_care")
            #expect(system.status == .ok)
            #expect(system.text.contains("Special category"))
            #expect(system.text.contains("user.health_and_medical"))
            let purposes = try await browser.get(client, "/console/data-map/purposes")
            #expect(purposes.text.contains("Public task (UK GDPR Art 6(1)(e))"))
            // On 10 February 2027 the analytics contract (to 31 January) has ended and the NHS
            // trust's agreement (to 31 March) ends in 50 days; the police's (to 31 May) is 110 days off.
            let recipients = try await browser.get(client, "/console/data-map/recipients")
            #expect(recipients.text.contains("Ended Sunday 31 January 2027"))
            #expect(recipients.text.contains("Ends in 50 days"))
            #expect(!recipients.text.contains("Ends in 110 days"))
            let missing = try await browser.get(client, "/console/data-map/systems/nowhere")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("no system &#39;nowhere&#39;") || missing.text.contains("no system 'nowhere'"))
        }
    }

    @Test("the record of processing is a page, and downloads as CSV, HTML and JSON; another format is refused by name")
    func recordOfProcessing() async throws {
        try await Self.with(role: .auditor) { _, client, browser in
            var browser = browser
            let page = try await browser.get(client, "/console/data-map/record")
            #expect(page.status == .ok)
            #expect(page.text.contains("<h2>Assessing and meeting adults&#39; care and support needs</h2>"))
            let csv = try await browser.get(client, "/console/data-map/record/download?format=csv")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"record-of-processing-2027-02-10.csv\"")
            #expect(csv.text.hasPrefix(RecordOfProcessing.csvColumns.joined(separator: ",")))
            let json = try await browser.get(client, "/console/data-map/record/download?format=json")
            let record = try JSONDecoder().decode(RecordOfProcessing.self, from: Data(json.text.utf8))
            #expect(record.activities.count >= 10)
            #expect(try await browser.get(client, "/console/data-map/record/download?format=html").text.contains("<table"))
            let bad = try await browser.get(client, "/console/data-map/record/download?format=pdf")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("csv, html or json"))
        }
    }

    @Test(
        "a data map loaded from a ZIP lists every problem and changes nothing; a good one becomes the next version, said with what changed; only the DPO may load"
    )
    func loadingADataMap() async throws {
        try await Self.with { fixture, client, browser in
            var browser = browser
            let before = try #require(try await fixture.environment.services.dataMaps.current()).version
            let form = try await browser.get(client, "/console/data-map/load")
            #expect(form.status == .ok)
            let csrf = try Browser.csrf(form)
            // Two mistakes in two files: both are listed.
            var files = try Self.demoFiles()
            let library = try #require(files["data-map/datasets/library_db.yaml"])
            files["data-map/datasets/library_db.yaml"] = Data(
                String(decoding: library, as: UTF8.self).replacingOccurrences(of: "user.contact.email", with: "user.contact.carrier_pigeon").utf8
            )
            let purposes = String(decoding: try #require(files["data-map/purposes.yaml"]), as: UTF8.self)
            files["data-map/purposes.yaml"] = Data(purposes.replacingOccurrences(of: "lawful_basis: public_task", with: "lawful_basis: whim").utf8)
            let refused = try await browser.upload(
                client,
                "/console/data-map/load",
                [("csrf", csrf)],
                file: ("folder", "map.zip", try Self.zip(files))
            )
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("There is a problem"))
            #expect(refused.text.contains("carrier_pigeon"))
            #expect(refused.text.contains("whim"))
            #expect(refused.text.contains("datasets/library_db.yaml"))
            #expect(try await fixture.environment.services.dataMaps.current()?.version == before)

            let notZip = try await browser.upload(client, "/console/data-map/load", [("csrf", csrf)], file: ("folder", "map.txt", Data("hello".utf8)))
            #expect(notZip.status == .unprocessableContent)
            #expect(notZip.text.contains("not a ZIP archive"))
            let noCSRF = try await browser.upload(client, "/console/data-map/load", [], file: ("folder", "map.zip", try Self.zip(files)))
            #expect(noCSRF.status == .forbidden)
            // A body that is not the multipart form it says it is changes nothing, and is a page saying so.
            var headers = browser.headers
            headers[.contentType] = "multipart/form-data; boundary=XYZ"
            for body in [
                "--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\(csrf)\r\n--XYZ--\r\n",
                "--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n",
                "--XYZ\r\nContent-Disposition: attachment; name=\"csrf\"\r\n\r\n\(csrf)\r\n--XYZ--\r\n",
            ] {
                let broken = try await client.execute(uri: "/console/data-map/load", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(broken.status == .badRequest, "\(body)")
                #expect(broken.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            let duplicated = try ZipArchive.make([("controller.yaml", Data("a".utf8)), ("controller.yaml", Data("b".utf8))])
            let twice = try await browser.upload(client, "/console/data-map/load", [("csrf", csrf)], file: ("folder", "map.zip", duplicated))
            #expect(twice.status == .unprocessableContent)
            #expect(twice.text.contains("more than once"))

            var changed = try Self.demoFiles()
            let cctv = String(decoding: try #require(changed["data-map/systems/cctv.yaml"]), as: UTF8.self)
            changed["data-map/systems/cctv.yaml"] = Data(
                cctv.replacingOccurrences(of: "name: ", with: "name: Town ", options: [], range: cctv.range(of: "name: ")).utf8
            )
            let loaded = try await browser.upload(
                client,
                "/console/data-map/load",
                [("csrf", csrf)],
                file: ("folder", "map.zip", try Self.zip(changed))
            )
            #expect(loaded.status == .ok, "\(loaded.text)")
            #expect(loaded.text.contains("Version \(before + 1) of the data map is now in force"))
            #expect(loaded.text.contains("Systems: changed cctv."))
            #expect(try await fixture.environment.services.dataMaps.current()?.dataMap.system("cctv")?.name.hasPrefix("Town ") == true)
            let entry = try await fixture.store.auditEntries(after: 0, limit: 1000).last { $0.action == AuditAction.dataMapLoad.rawValue }
            #expect(entry?.actor == "staff:dpo@wessex.gov.example")
        }
        try await Self.with(role: .caseworker) { _, client, browser in
            var browser = browser
            let refused = try await browser.get(client, "/console/data-map/load")
            #expect(refused.status == .forbidden)
        }
    }

    @Test(
        "the decision log lists the gate's decisions newest first, filtered by system, purpose, recipient, outcome and date, with older ones a page on; a bad date is an error on its field"
    )
    func decisionLog() async throws {
        try await Self.with(role: .auditor) { fixture, client, browser in
            var browser = browser
            let gate = fixture.environment.services.gate
            func decide(_ system: String, _ purpose: String, _ categories: [String], to recipient: String? = nil) async throws -> DecisionRecord {
                try await gate.decide(
                    DecisionRequest(
                        actor: "token:app",
                        system: .init(system),
                        categories: categories.map { .init($0) },
                        purpose: .init(purpose),
                        recipient: recipient.map { .init($0) }
                    ),
                    subject: nil
                )
            }
            let allowed = try await decide("libraries", "library_membership", ["user.name"])
            #expect(allowed.allowed)
            let refused = try await decide("libraries", "library_membership", ["user.name"], to: "wessex_leisure_trust")
            #expect(!refused.allowed)
            for _ in 0..<55 { _ = try await decide("council_tax", "council_tax_collection", ["user.name"]) }

            let all = try await browser.get(client, "/console/gate")
            #expect(all.status == .ok)
            #expect(all.text.contains("50 decisions, newest first."))
            let older = try #require(all.text.firstMatch(of: /href="(\/console\/gate\?[^"]*before=\d+)"/)).1
            let next = try await browser.get(client, String(older).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(next.text.contains("7 decisions before entry"))

            let library = try await browser.get(client, "/console/gate?system=libraries")
            #expect(library.text.contains("2 decisions"))
            let refusals = try await browser.get(client, "/console/gate?system=libraries&outcome=refused")
            #expect(refusals.text.contains("1 decision,"))
            #expect(refusals.text.contains("Refused"))
            #expect(refusals.text.contains("Wessex Leisure Trust") || refusals.text.contains("wessex_leisure_trust"))
            let today = fixture.environment.services.today()
            // The entries' times are the machine's clock, not the fixture's day.
            let now = String(AuditChain.timestamp().prefix(10))
            #expect(try await browser.get(client, "/console/gate?system=libraries&from=\(now)&until=\(now)").text.contains("2 decisions"))
            #expect(try await browser.get(client, "/console/gate?until=2020-01-01").text.contains("No decisions match."))
            #expect(try await browser.get(client, "/console/gate?purpose=library_newsletter").text.contains("No decisions match."))
            let bad = try await browser.get(client, "/console/gate?from=yesterday")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("href=\"#from\""))
            #expect(today.description == "2027-02-10")
        }
    }

    @Test("asking the gate shows its decision and reasons, permits nothing and logs no disclosure; what is missing is named on its field")
    func askingTheGate() async throws {
        try await Self.with { fixture, client, browser in
            var browser = browser
            let form = try await browser.get(client, "/console/gate/try")
            #expect(form.status == .ok)
            let csrf = try Browser.csrf(form)
            let before = try await fixture.store.auditEntries(after: 0, limit: 10_000).count
            let answer = try await browser.post(
                client,
                "/console/gate/try",
                [
                    ("csrf", csrf), ("system", "libraries"), ("purpose", "library_membership"), ("recipient", "wessex_leisure_trust"),
                    ("categories", "user.name, user.contact.email"), ("asOf", "2027-02-10"),
                ]
            )
            #expect(answer.status == .ok)
            #expect(answer.text.contains("Refused, as on Wednesday 10 February 2027"))
            #expect(answer.text.contains("no agreement in force or statutory gateway covers them"))
            let entries = try await fixture.store.auditEntries(after: 0, limit: 10_000)
            #expect(entries.count == before + 1)
            #expect(entries.last?.action == AuditAction.gateWhatIf.rawValue)
            #expect(entries.last?.actor == "staff:dpo@wessex.gov.example")

            let missing = try await browser.post(
                client,
                "/console/gate/try",
                [("csrf", csrf), ("asOf", "soon"), ("justification", "legal_requirement")]
            )
            #expect(missing.status == .unprocessableContent)
            for field in ["system", "purpose", "categories", "asOf"] { #expect(missing.text.contains("href=\"#\(field)\""), "\(field)") }
            let unreferenced = try await browser.post(
                client,
                "/console/gate/try",
                [
                    ("csrf", csrf), ("system", "libraries"), ("purpose", "library_membership"), ("categories", "user.name"), ("asOf", "2027-02-10"),
                    ("justification", "legal_requirement"),
                ]
            )
            #expect(unreferenced.status == .unprocessableContent)
            #expect(unreferenced.text.contains("href=\"#reference\""))
            let unknownGround = try await browser.post(
                client,
                "/console/gate/try",
                [
                    ("csrf", csrf), ("system", "libraries"), ("purpose", "library_membership"), ("categories", "user.name"), ("asOf", "2027-02-10"),
                    ("justification", "a hunch"),
                ]
            )
            #expect(unknownGround.text.contains("href=\"#justification\""))
            let unknown = try await browser.post(
                client,
                "/console/gate/try",
                [("csrf", csrf), ("system", "libraries"), ("purpose", "library_membership"), ("categories", "user.nonsense"), ("asOf", "2027-02-10")]
            )
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("href=\"#categories\""))
        }
        try await Self.with(role: .caseworker) { _, client, browser in
            var browser = browser
            let ask = try await browser.get(client, "/console/gate/try")
            #expect(ask.status == .forbidden)
            let log = try await browser.get(client, "/console/gate")
            #expect(log.status == .forbidden)
        }
    }

    @Test(
        "a person is found by an identifier sent in a form; their page shows identifiers, preferences, disclosures and requests; a preference is added and withdrawn, a restriction only with the day the person was told"
    )
    func personPage() async throws {
        try await Self.with(role: .caseworker) { fixture, client, browser in
            var browser = browser
            let services = fixture.environment.services
            let subject = try await services.gate.createSubject(
                identifiers: [.init(kind: .email, value: "ada.okafor@example.org"), .init(kind: .nhsNumber, value: "943 476 5919")],
                dateOfBirth: CalendarDate(iso: "1960-03-01"),
                isAdultAtRisk: false,
                verifiedEmails: [],
                actor: "test"
            )
            let shared = try await services.gate.decide(
                DecisionRequest(
                    actor: "token:app",
                    system: "adult_social_care",
                    categories: ["user.health_and_medical"],
                    purpose: "statutory_adult_social_care",
                    recipient: "wessex_nhs_trust"
                ),
                subject: .id(subject.id)
            )
            #expect(shared.allowed, "\(shared.reasons)")
            let request = try await services.requests.submit(
                RightsRequest.Intake(
                    kind: .access,
                    requester: .init(name: "Ada Okafor", email: "ada.okafor@example.org"),
                    description: "Everything",
                    subject: subject.id
                ),
                actor: "staff:case@wessex.gov.example",
                fromPublic: false
            )
            let find = try await browser.get(client, "/console/people")
            let csrf = try Browser.csrf(find)
            let found = try await browser.post(client, "/console/people", [("csrf", csrf), ("kind", "nhs_number"), ("value", "9434765919")])
            #expect(found.status == .seeOther)
            #expect(found.headers[.location] == "/console/people/\(subject.id.rawValue)")
            let nobody = try await browser.post(client, "/console/people", [("csrf", csrf), ("kind", "email"), ("value", "nobody@example.org")])
            #expect(nobody.status == .unprocessableContent)
            #expect(nobody.text.contains("No one is recorded with that identifier"))
            #expect(!nobody.text.contains("nobody@example.org"), "what was searched for is not echoed back")

            let page = try await browser.get(client, "/console/people/\(subject.id.rawValue)")
            #expect(page.status == .ok)
            for text in [
                "ada.okafor@example.org", "9434765919", "1 March 1960", "Wessex NHS", "href=\"/console/requests/\(request.request.id.rawValue)\"",
            ] {
                #expect(page.text.contains(text), "\(text)")
            }
            #expect(!page.text.contains("(in )"))

            let new = try await browser.get(client, "/console/people/\(subject.id.rawValue)/preferences/new")
            #expect(new.status == .ok)
            let emptyGround = try await browser.post(
                client,
                "/console/people/\(subject.id.rawValue)/preferences/new",
                [("csrf", csrf), ("kind", "restriction"), ("given", "2027-02-01")]
            )
            #expect(emptyGround.status == .unprocessableContent)
            #expect(emptyGround.text.contains("href=\"#ground\""))
            let added = try await browser.post(
                client,
                "/console/people/\(subject.id.rawValue)/preferences/new",
                [
                    ("csrf", csrf), ("kind", "restriction"), ("ground", "accuracy disputed"), ("purpose", "statutory_adult_social_care"),
                    ("given", "2027-02-01"),
                ]
            )
            #expect(added.status == .seeOther)
            let preference = try #require(try await services.gate.preferences(of: subject.id).first)
            let withdrawPath = "/console/people/\(subject.id.rawValue)/preferences/\(preference.id.rawValue)/withdraw"
            let withPage = try await browser.get(client, "/console/people/\(subject.id.rawValue)?added=1")
            #expect(withPage.text.contains("Restriction: accuracy disputed"))
            #expect(withPage.text.contains("href=\"\(withdrawPath)\""))
            let untold = try await browser.post(client, withdrawPath, [("csrf", csrf), ("on", "2027-02-10")])
            #expect(untold.status == .unprocessableContent)
            #expect(untold.text.contains("Art 18(3)"))
            #expect(try await services.gate.preferences(of: subject.id).first?.withdrawn == nil)
            let lifted = try await browser.post(client, withdrawPath, [("csrf", csrf), ("on", "2027-02-10"), ("notice", "2027-02-03")])
            #expect(lifted.status == .seeOther)
            #expect(try await services.gate.preferences(of: subject.id).first?.withdrawn == CalendarDate(iso: "2027-02-10"))
            let actions = try await fixture.store.auditEntries(after: 0, limit: 10_000).filter { $0.action.hasPrefix("preference.") }
            #expect(actions.map(\.actor) == ["staff:caseworker@wessex.gov.example", "staff:caseworker@wessex.gov.example"])
        }
    }

    @Test("a request that came by post is recorded with the day it was received and the API's checks: a day to come, or no way to reply, is refused")
    func recordingAPostalRequest() async throws {
        try await Self.with(role: .caseworker) { fixture, client, browser in
            var browser = browser
            let form = try await browser.get(client, "/console/requests/new")
            #expect(form.status == .ok)
            let csrf = try Browser.csrf(form)
            let future = try await browser.post(
                client,
                "/console/requests/new",
                [("csrf", csrf), ("kind", "access"), ("received", "2027-03-01"), ("name", "Bea Smith"), ("description", "My file")]
            )
            #expect(future.status == .unprocessableContent)
            #expect(future.text.contains("href=\"#received\""))
            let noReply = try await browser.post(
                client,
                "/console/requests/new",
                [("csrf", csrf), ("kind", "other"), ("received", "2027-02-01"), ("name", "Bea Smith"), ("description", "A question")]
            )
            #expect(noReply.status == .unprocessableContent)
            #expect(noReply.text.contains("href=\"#email\""))
            #expect(noReply.text.contains("Give an email address or a postal address to reply to"))
            let recorded = try await browser.post(
                client,
                "/console/requests/new",
                [
                    ("csrf", csrf), ("kind", "access"), ("received", "2027-02-01"), ("name", "Bea Smith"),
                    ("address", "1 High Street\nWessex WX1 1AA"), ("description", "My housing file"),
                ]
            )
            #expect(recorded.status == .seeOther)
            let location = try #require(recorded.headers[.location])
            let page = try await browser.get(client, location)
            #expect(page.text.contains("The request is recorded, received on Monday 1 February 2027."))
            let id = String(location.dropFirst("/console/requests/".count).prefix { $0 != "?" })
            let request = try await fixture.environment.services.requests.request(.init(id)).request
            #expect(request.received == CalendarDate(iso: "2027-02-01"))
            #expect(request.requester.postalAddress == "1 High Street\nWessex WX1 1AA")
            let created = try await fixture.store.auditEntries(after: 0, limit: 10_000).last { $0.action == AuditAction.requestCreate.rawValue }
            #expect(created?.actor == "staff:caseworker@wessex.gov.example")
        }
    }

    @Test(
        "the outbox lists letters waiting and failed, and a failed one is sent again; the audit page shows the last verification and the signed checkpoints"
    )
    func outboxAndAudit() async throws {
        try await Self.with { fixture, client, browser in
            var browser = browser
            let services = fixture.environment.services
            _ = try await services.requests.submit(
                RightsRequest.Intake(kind: .access, requester: .init(name: "Cal Jones", email: "cal@example.org"), description: "Everything"),
                actor: "public",
                fromPublic: true
            )
            let claimed = try #require(try await fixture.store.claimOutbox(limit: 1).first)
            #expect(try await fixture.store.markFailed(claimed, error: "550 mailbox unavailable", permanent: true, maxAttempts: 5) == .failed)
            let outbox = try await browser.get(client, "/console/outbox")
            #expect(outbox.status == .ok)
            #expect(outbox.text.contains("550 mailbox unavailable"))
            let retried = try await browser.post(client, "/console/outbox/\(claimed.id)/retry", [("csrf", try Browser.csrf(outbox))])
            #expect(retried.status == .seeOther)
            #expect(try await fixture.store.outbox(status: .failed).isEmpty)
            #expect(try await browser.get(client, "/console/outbox?retried=1").text.contains("queued to be sent again"))

            let audit = try await browser.get(client, "/console/audit")
            #expect(audit.text.contains("has not been verified from the console yet"))
            _ = try await browser.post(client, "/console/audit/verify", [("csrf", try Browser.csrf(audit))])
            let after = try await browser.get(client, "/console/audit")
            #expect(after.text.contains("by staff:dpo@wessex.gov.example: intact up to entry"))
            #expect(after.text.contains(fixture.store.signingPublicKey))
        }
        try await Self.with(role: .auditor) { _, client, browser in
            var browser = browser
            let outbox = try await browser.get(client, "/console/outbox")
            #expect(outbox.status == .forbidden)
            let sources = try await browser.get(client, "/console/sources")
            #expect(sources.status == .ok)
            #expect(!sources.text.contains("/test\""), "an auditor sees sources but cannot test them")
        }
    }

    @Test(
        "the demo council records its walkthrough resident once: her email address, her consent to the newsletter, and three decisions, one refused"
    )
    func demoResident() async throws {
        try await Self.with { fixture, client, browser in
            var browser = browser
            let services = fixture.environment.services
            #expect(try await DemoCouncil.recordWalkthroughResident(services))
            #expect(try await DemoCouncil.recordWalkthroughResident(services) == false, "a second start records nothing more")
            let subject = try #require(try await services.gate.findSubject(identifiers: [.init(kind: .email, value: DemoCouncil.walkthroughEmail)]))
            #expect(subject.identifiers.map(\.value) == [DemoCouncil.walkthroughEmail], "her library card is for staff to confirm")
            let preferences = try await services.gate.preferences(of: subject.id)
            #expect(preferences.map(\.kind) == [.consent(explicit: true)])
            let decisions = try await fixture.store.decisionLog(.init(system: "libraries"))
            #expect(decisions.count == 3)
            #expect(decisions.filter { !$0.allowed }.map(\.recipient) == ["wessex_leisure_trust"])
            #expect(try await services.gate.disclosures(of: subject.id).map(\.recipient) == ["library_cloud_inc"])
            let page = try await browser.get(client, "/console/people/\(subject.id.rawValue)")
            #expect(page.text.contains("Library Cloud Inc."))
            #expect(page.text.contains("Explicit consent"))
        }
    }
}
