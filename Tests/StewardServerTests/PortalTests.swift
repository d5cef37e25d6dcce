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

/// The resident portal as a browser uses it, on the backend this run names.
@Suite("The resident portal")
struct PortalTests {
    typealias Browser = ConsoleTests.Browser

    @Test(
        "a resident asks for a copy of their data: the form, its errors, check your answers, the emailed code, and the confirmation with the due date"
    )
    func accessRequest() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let calendar = TestCalendar("2026-03-03")
        try await ServerFixture.with(configuration: RequestRoutesTests.configuration(sink: sink), today: { calendar.today }) { fixture, client in
            let worker = OutboxWorker(store: fixture.store, settings: fixture.environment.configuration.mail, logger: .init(label: "test"))
            var browser = Browser()
            let home = try await browser.get(client, "/")
            #expect(home.status == .ok)
            #expect(home.text.contains("href=\"/request/access\""))
            #expect(home.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)

            let form = try await browser.get(client, "/request/access")
            let csrf = try Browser.csrf(form)
            let empty = try await browser.post(client, "/request/access", [("csrf", csrf), ("action", "check")])
            #expect(empty.status == .unprocessableContent)
            for field in ["name", "email", "description"] { #expect(empty.text.contains("href=\"#\(field)\""), "\(field)") }
            #expect(empty.text.contains("<title>Error: "))
            let badEmail = try await browser.post(
                client,
                "/request/access",
                [("csrf", csrf), ("action", "check"), ("name", "Amy Pond"), ("email", "amy at example"), ("description", "Everything")]
            )
            #expect(badEmail.status == .unprocessableContent)
            #expect(badEmail.text.contains("href=\"#email\""))
            #expect(badEmail.text.contains("value=\"Amy Pond\""), "what was typed is kept")

            let answers = [("name", "Amy <Pond>"), ("email", "amy.pond@example.org"), ("description", "Everything you hold about me")]
            let check = try await browser.post(client, "/request/access", [("csrf", csrf), ("action", "check")] + answers)
            #expect(check.status == .ok)
            #expect(check.text.contains("Check your answers"))
            #expect(check.text.contains("Amy &lt;Pond&gt;"), "answers are escaped")
            #expect(try await fixture.store.auditEntries(limit: 1000).contains { $0.action == "request.create" } == false, "checking sends nothing")
            let change = try await browser.post(client, "/request/access", [("csrf", csrf), ("action", "change")] + answers)
            #expect(change.text.contains("<h1>Ask for a copy of your data</h1>"))

            // Without the form's token nothing is sent.
            var stranger = Browser()
            #expect(try await stranger.post(client, "/request/access", [("action", "send")] + answers).status == .forbidden)

            let sent = try await browser.post(client, "/request/access", [("csrf", csrf), ("action", "send")] + answers)
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers[.location])
            let reference = try #require(location.firstMatch(of: /\/request\/(SR-[0-9A-Z-]+)\/code/)).1
            #expect(!location.contains("amy"), "nothing personal in the address")
            let codePage = try await browser.get(client, location)
            #expect(codePage.text.contains(String(reference)))

            #expect(try await worker.deliverDue() == 1)
            let code = try RequestRoutesTests.code(in: try #require(try await sink.waitForMessages(count: 1).first))
            let wrong = try await browser.post(client, location, [("csrf", try Browser.csrf(codePage)), ("code", "000000")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains("The code is not right"))
            let confirmed = try await browser.post(client, location, [("csrf", try Browser.csrf(codePage)), ("code", code)])
            #expect(confirmed.status == .ok)
            #expect(confirmed.text.contains("Request received"))
            #expect(confirmed.text.contains("Tuesday 7 April 2026"), "one month from 3 March, past Easter")
            let view = try await fixture.environment.services.requests.request(.init(String(reference)))
            #expect(view.state == .inProgress)
            #expect(view.request.requester.email == "amy.pond@example.org")

            // An unknown reference gets the same answer as a wrong code; a malformed one is not found.
            let unknown = try await browser.post(client, "/request/SR-AAAA-AAAA-AAAA/code", [("csrf", try Browser.csrf(codePage)), ("code", code)])
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.text.contains("The code is not right"))
            #expect(try await browser.get(client, "/request/not-a-reference/code").status == .notFound)
        }
    }

    @Test(
        "every right has its form from the start page; a CCTV request asks for the date, the times, the place and what the person looked like, each problem named, and is recorded with them"
    )
    func everyRight() async throws {
        let calendar = TestCalendar("2026-11-30")
        try await ServerFixture.with(today: { calendar.today }) { fixture, client in
            var browser = Browser()
            let home = try await browser.get(client, "/")
            for slug in ["correction", "erasure", "restriction", "objection", "cctv", "complaint"] {
                #expect(home.text.contains("href=\"/request/\(slug)\""), "\(slug)")
                let form = try await browser.get(client, "/request/\(slug)")
                #expect(form.status == .ok, "\(slug)")
                #expect(form.text.contains("action=\"/request/\(slug)\""), "\(slug)")
            }
            let form = try await browser.get(client, "/request/cctv")
            let csrf = try Browser.csrf(form)
            let base = [("csrf", csrf), ("action", "check"), ("name", "Amy Pond"), ("email", "amy.pond@example.org")]
            let empty = try await browser.post(client, "/request/cctv", base)
            #expect(empty.status == .unprocessableContent)
            for field in ["date", "from", "until", "location", "person"] { #expect(empty.text.contains("href=\"#\(field)\""), "\(field)") }
            #expect(!empty.text.contains("href=\"#description\""), "the description is optional for CCTV")
            let details = [
                ("date", "2026-11-27"), ("from", "14:00"), ("until", "15:00"), ("location", "Market Street car park"),
                ("person", "Red coat, blue umbrella"),
            ]
            let backwards = try await browser.post(
                client,
                "/request/cctv",
                base + [("date", "2026-11-27"), ("from", "15:00"), ("until", "14:00"), ("location", "Market Street"), ("person", "Red coat")]
            )
            #expect(backwards.status == .unprocessableContent)
            #expect(backwards.text.contains("href=\"#until\""))
            let check = try await browser.post(client, "/request/cctv", base + details)
            #expect(check.text.contains("Check your answers"))
            #expect(check.text.contains("Friday 27 November 2026"))
            let sent = try await browser.post(
                client,
                "/request/cctv",
                [("csrf", csrf), ("action", "send"), ("name", "Amy Pond"), ("email", "amy.pond@example.org")] + details
            )
            #expect(sent.status == .seeOther)
            let location = try #require(sent.headers[.location])
            let reference = try #require(location.firstMatch(of: /\/request\/(SR-[0-9A-Z-]+)\/code/)).1
            let request = try await fixture.environment.services.requests.request(.init(String(reference))).request
            #expect(request.kind == .cctvAccess)
            #expect(
                request.cctv?.location == "Market Street car park" && request.cctv?.from == "14:00"
                    && request.cctv?.personDescription == "Red coat, blue umbrella"
            )
        }
    }

    @Test(
        "the privacy notice is made from the data map: each purpose with what it uses, its lawful basis, its recipients, transfers abroad and how long it is kept"
    )
    func privacyNotice() async throws {
        try await ServerFixture.with { fixture, client in
            let page = try await client.execute(uri: "/privacy-notice", method: .get)
            #expect(page.status == .ok)
            let text = String(buffer: page.body)
            let map = try #require(try await fixture.environment.services.dataMaps.current()).dataMap
            for purpose in map.purposes { #expect(text.contains(purpose.name.replacingOccurrences(of: "'", with: "&#39;")), "\(purpose.name)") }
            for words in ["Who receives it", "How long we keep it", "Library Cloud Inc.", "Sent outside the UK", "Consent (UK GDPR Art 6(1)(a))"] {
                #expect(text.contains(words), "\(words)")
            }
            #expect(text.contains(map.controller.name))
            #expect(text.contains("href=\"/request/access\""))
        }
        try await ServerFixture.with(loadDemo: false) { _, client in
            let none = try await client.execute(uri: "/privacy-notice", method: .get)
            #expect(none.status == .notFound)
        }
    }
}
