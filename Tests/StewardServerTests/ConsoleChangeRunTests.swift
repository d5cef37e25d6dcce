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

/// Rectification and erasure made in the council's sources from the console, on the backend this
/// run names (the sources are PostgreSQL, SQLite and CSV).
@Suite("Changes made from the console")
struct ConsoleChangeRunTests {
    typealias Browser = ConsoleTests.Browser

    static func with(_ body: @escaping @Sendable (CouncilSources, ServerFixture, any TestClientProtocol, Browser) async throws -> Void) async throws {
        var configuration = StewardConfiguration()
        configuration.web.bcryptCost = 4
        try await CouncilSources.with { sources in
            try await ServerFixture.with(loadDemo: false, configuration: configuration) { fixture, client in
                _ = try await fixture.store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
                try await SourcesRoutesTests.register(sources, client, fixture)
                _ = try await fixture.environment.services.staff.create(
                    email: "case@wessex.gov.example",
                    role: .caseworker,
                    password: ConsoleTests.password,
                    actor: "test"
                )
                var browser = Browser()
                _ = try await browser.signIn(client, "case@wessex.gov.example", ConsoleTests.password)
                try await body(sources, fixture, client, browser)
            }
        }
    }

    @Test(
        "an erasure is dry-run from the console, changing nothing, then made: the report lists each collection, and the CSV source no longer holds the person's loans"
    )
    func erasure() async throws {
        try await Self.with { sources, fixture, client, browser in
            var browser = browser
            let reference = try await SourcesRoutesTests.erasureRequest(
                #"{"kind":"erasure","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"Erase me"}"#,
                client,
                fixture
            )
            let requestPage = try await browser.get(client, "/console/requests/\(reference)")
            #expect(requestPage.text.contains("href=\"/console/requests/\(reference)/changes\""))
            let form = try await browser.get(client, "/console/requests/\(reference)/changes")
            #expect(form.status == .ok)
            let csrf = try Browser.csrf(form)
            let loans = sources.libraryFolder.appendingPathComponent("loans.csv")
            let before = try String(contentsOf: loans, encoding: .utf8)
            let notPersonal = try await browser.post(
                client,
                "/console/requests/\(reference)/changes",
                [("csrf", csrf), ("categories", "system.operations"), ("dry", "1")]
            )
            #expect(notPersonal.status == .unprocessableContent)
            #expect(notPersonal.text.contains("href=\"#categories\""))
            let dry = try await browser.post(
                client,
                "/console/requests/\(reference)/changes",
                [("csrf", csrf), ("categories", "user"), ("delete", "library_csv.loans"), ("dry", "1")]
            )
            #expect(dry.status == .ok)
            #expect(dry.text.contains("it would change 3 records"), "\(dry.text)")
            #expect(dry.text.contains("library_csv.loans"))
            #expect(try String(contentsOf: loans, encoding: .utf8) == before, "a dry run changes nothing")
            let made = try await browser.post(
                client,
                "/console/requests/\(reference)/changes",
                [("csrf", csrf), ("categories", "user"), ("delete", "library_csv.loans"), ("dry", "0")]
            )
            #expect(made.status == .ok)
            #expect(made.text.contains("3 records changed"))
            #expect(
                try CSVText.parse(try String(contentsOf: loans, encoding: .utf8), file: "loans.csv") == [["loan_id", "member_no"], ["L2", "M2"]]
            )
            // The report stays with the request.
            let again = try await browser.get(client, "/console/requests/\(reference)/changes")
            #expect(again.text.contains("3 records changed"))
            let runs = try await fixture.store.auditEntries(after: 0, limit: 10_000).filter { $0.action.hasPrefix("request.erasure_") }
            #expect(runs.count == 2 && runs.allSatisfy { $0.actor == "staff:case@wessex.gov.example" }, "\(runs.map(\.action))")
        }
    }

    @Test("a rectification names the field it changes from the data map; a value of the wrong type is an error on its row, and nothing changes")
    func rectification() async throws {
        try await Self.with { sources, fixture, client, browser in
            var browser = browser
            let reference = try await SourcesRoutesTests.erasureRequest(
                #"{"kind":"rectification","requester":{"name":"Amy Pond","email":"amy@example.org"},"description":"My name is Amelia"}"#,
                client,
                fixture
            )
            let form = try await browser.get(client, "/console/requests/\(reference)/changes")
            #expect(form.text.contains("value=\"housing_db|tenants|name\""))
            #expect(!form.text.contains("value=\"housing_db|tenants|id\""), "a key is not offered for correction")
            let csrf = try Browser.csrf(form)
            let none = try await browser.post(client, "/console/requests/\(reference)/changes", [("csrf", csrf), ("dry", "1")])
            #expect(none.status == .unprocessableContent)
            #expect(none.text.contains("href=\"#field-1\""))
            let made = try await browser.post(
                client,
                "/console/requests/\(reference)/changes",
                [("csrf", csrf), ("field-2", "housing_db|tenants|name"), ("value-2", "Amelia Pond"), ("dry", "0")]
            )
            #expect(made.status == .ok, "\(made.text)")
            #expect(made.text.contains("1 records changed"))
            #expect(made.text.contains("<tr><td>housing_db.tenants</td><td>update</td><td>1</td><td>name</td>"), "\(made.text)")
            let run = try await fixture.store.auditEntries(after: 0, limit: 10_000).last { $0.action.hasPrefix("request.rectification_") }
            #expect(run?.actor == "staff:case@wessex.gov.example")
            #expect(run?.details.contains("Amelia") == false, "the audit log holds no value given")
            _ = sources
        }
    }
}
