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

/// The staff console as a browser uses it: cookies, forms and redirects, on the backend this run
/// names. (The same pages in a real browser, with axe-core: scripts/lib/browser-tests.py.)
@Suite("The staff console")
struct ConsoleTests {
    static let password = "a long enough passphrase"

    /// A fixture whose passwords hash quickly: bcrypt's lowest cost.
    static func with(_ body: @escaping @Sendable (ServerFixture, any TestClientProtocol) async throws -> Void) async throws {
        var configuration = StewardConfiguration()
        configuration.web.bcryptCost = 4
        try await ServerFixture.with(configuration: configuration, body)
    }

    /// A browser's cookie jar for one client: what `Set-Cookie` headers set, sent back as `Cookie`.
    struct Browser {
        var cookies: [String: String] = [:]

        mutating func keep(_ response: TestResponse) {
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                guard pair.count == 2 else { continue }
                if header.contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] }
            }
        }

        var headers: HTTPFields {
            guard !cookies.isEmpty else { return [:] }
            return [.cookie: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
        }

        mutating func get(_ client: any TestClientProtocol, _ uri: String) async throws -> TestResponse {
            let response = try await client.execute(uri: uri, method: .get, headers: headers)
            keep(response)
            return response
        }

        mutating func post(_ client: any TestClientProtocol, _ uri: String, _ form: [(String, String)]) async throws -> TestResponse {
            var fields = headers
            fields[.contentType] = "application/x-www-form-urlencoded"
            let body = form.map { "\(Self.encoded($0.0))=\(Self.encoded($0.1))" }.joined(separator: "&")
            let response = try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(string: body))
            keep(response)
            return response
        }

        /// Posts a `multipart/form-data` form with one file, as a browser uploads one.
        mutating func upload(
            _ client: any TestClientProtocol,
            _ uri: String,
            _ form: [(String, String)],
            file: (field: String, filename: String, contents: Data)
        ) async throws -> TestResponse {
            let boundary = "----steward-test-\(UUID().uuidString)"
            var body = Data()
            for (name, value) in form {
                body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
            }
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.filename)\"\r\nContent-Type: application/zip\r\n\r\n"
                        .utf8
                )
            )
            body.append(file.contents)
            body.append(Data("\r\n--\(boundary)--\r\n".utf8))
            var fields = headers
            fields[.contentType] = "multipart/form-data; boundary=\(boundary)"
            let response = try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: body))
            keep(response)
            return response
        }

        static func encoded(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }

        /// The CSRF token of the page's first form.
        static func csrf(_ response: TestResponse) throws -> String {
            let match = try #require(response.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/))
            return String(match.1)
        }

        /// Opens sign-in and signs in; returns the page signing in led to.
        mutating func signIn(_ client: any TestClientProtocol, _ email: String, _ password: String) async throws -> TestResponse {
            let page = try await get(client, "/console/sign-in")
            return try await post(client, "/console/sign-in", [("csrf", try Self.csrf(page)), ("email", email), ("password", password)])
        }
    }

    @Test(
        "a setup code signs in once to choose a password; then the password signs in, and the session cookie is HttpOnly, SameSite=Strict and bound to /console"
    )
    func firstSignIn() async throws {
        try await Self.with { fixture, client in
            let staff = fixture.environment.services.staff
            let (_, code) = try await staff.create(email: "Officer@Wessex.gov.example", role: .caseworker, password: nil, actor: "test")
            let setupCode = try #require(code)

            var browser = Browser()
            let anonymous = try await browser.get(client, "/console")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/console/sign-in")

            let signedIn = try await browser.signIn(client, "officer@wessex.gov.example", setupCode.lowercased())
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/console/password")
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("steward_session=") })
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] { #expect(cookie.contains(attribute), "\(cookie)") }
            #expect(!cookie.contains("Secure"), "served over plain HTTP, the cookie must still reach the server")
            // The code signs in once: a second browser with it is refused.
            var copy = Browser()
            #expect(try await copy.signIn(client, "officer@wessex.gov.example", setupCode).status == .unprocessableContent)

            // Nothing but choosing a password until one is chosen.
            let dashboard = try await browser.get(client, "/console")
            #expect(dashboard.headers[.location] == "/console/password")
            let form = try await browser.get(client, "/console/password")
            #expect(form.text.contains("Choose a password"))
            let short = try await browser.post(
                client,
                "/console/password",
                [("csrf", try Browser.csrf(form)), ("new", "short"), ("confirm", "short")]
            )
            #expect(short.status == .unprocessableContent)
            #expect(short.text.contains("href=\"#new\""))
            #expect(short.text.contains("<title>Error: "))
            let chosen = try await browser.post(
                client,
                "/console/password",
                [("csrf", try Browser.csrf(form)), ("new", Self.password), ("confirm", Self.password)]
            )
            #expect(chosen.status == .seeOther)
            #expect(chosen.headers[.location] == "/console?password=1")
            #expect(try await browser.get(client, "/console?password=1").text.contains("Your password has been changed"))
            let home = try await browser.get(client, "/console")
            #expect(home.status == .ok)
            #expect(home.text.contains("<h1>Rights requests</h1>"))
            #expect(home.text.contains("aria-current=\"page\">Dashboard"))
            #expect(!home.text.contains("href=\"/console/audit\""), "a caseworker is not offered the audit log")
            #expect(home.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(home.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")

            // The code is spent; the password works.
            var other = Browser()
            #expect(try await other.signIn(client, "officer@wessex.gov.example", setupCode).status == .unprocessableContent)
            #expect(try await other.signIn(client, "officer@wessex.gov.example", Self.password).headers[.location] == "/console")

            let actions = try await fixture.store.auditEntries(after: 0, limit: 1000).filter { $0.actor == "staff:officer@wessex.gov.example" }
                .map(\.action)
            #expect(actions == ["staff.sign_in", "staff.sign_in_failed", "staff.password", "staff.sign_in_failed", "staff.sign_in"])
        }
    }

    @Test("a POST without the session's CSRF token, or a sign-in without the form's, is refused and changes nothing")
    func csrfIsRequired() async throws {
        try await Self.with { fixture, client in
            _ = try await fixture.environment.services.staff.create(
                email: "dpo@wessex.gov.example",
                role: .dpo,
                password: Self.password,
                actor: "test"
            )
            // Sign-in posted from elsewhere: no cookie and token pair.
            var stranger = Browser()
            let forged = try await stranger.post(client, "/console/sign-in", [("email", "dpo@wessex.gov.example"), ("password", Self.password)])
            #expect(forged.status == .forbidden)
            #expect(stranger.cookies["steward_session"] == nil)

            var browser = Browser()
            #expect(try await browser.signIn(client, "dpo@wessex.gov.example", Self.password).status == .seeOther)
            let noToken = try await browser.post(
                client,
                "/console/password",
                [("current", Self.password), ("new", "a different passphrase"), ("confirm", "a different passphrase")]
            )
            #expect(noToken.status == .forbidden)
            #expect(noToken.text.contains("nothing was changed"))
            let wrongToken = try await browser.post(
                client,
                "/console/password",
                [
                    ("csrf", String(repeating: "0", count: 48)), ("current", Self.password), ("new", "a different passphrase"),
                    ("confirm", "a different passphrase"),
                ]
            )
            #expect(wrongToken.status == .forbidden)
            let signOut = try await browser.post(client, "/console/sign-out", [])
            #expect(signOut.status == .forbidden)
            // The password is as it was, and the session still open.
            var again = Browser()
            #expect(try await again.signIn(client, "dpo@wessex.gov.example", Self.password).headers[.location] == "/console")
            #expect(try await browser.get(client, "/console").status == .ok)
        }
    }

    @Test("each page admits only its roles: a caseworker cannot open the audit log, an auditor can verify and export it")
    func rolesAreChecked() async throws {
        try await Self.with { fixture, client in
            let staff = fixture.environment.services.staff
            _ = try await staff.create(email: "case@wessex.gov.example", role: .caseworker, password: Self.password, actor: "test")
            _ = try await staff.create(email: "audit@wessex.gov.example", role: .auditor, password: Self.password, actor: "test")
            await #expect(throws: StewardError.self) {
                try await staff.create(email: "app@wessex.gov.example", role: .service, password: Self.password, actor: "test")
            }
            var caseworker = Browser()
            _ = try await caseworker.signIn(client, "case@wessex.gov.example", Self.password)
            let refused = try await caseworker.get(client, "/console/audit")
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("does not allow this"))
            #expect(try await caseworker.get(client, "/console/audit/export").status == .forbidden)

            var auditor = Browser()
            _ = try await auditor.signIn(client, "audit@wessex.gov.example", Self.password)
            let page = try await auditor.get(client, "/console/audit")
            #expect(page.status == .ok)
            let verified = try await auditor.post(client, "/console/audit/verify", [("csrf", try Browser.csrf(page))])
            #expect(verified.status == .ok)
            #expect(verified.text.contains("The log is intact"))
            let export = try await auditor.get(client, "/console/audit/export")
            #expect(export.status == .ok)
            #expect(export.headers[.contentDisposition]?.hasPrefix("attachment") == true)
            let lines = export.text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(try AuditExport.verify(lines: lines, trustedKeys: [fixture.store.signingPublicKey]).isIntact)
            let exported = try await fixture.store.auditEntries(after: 0, limit: 1000).filter { $0.action == AuditAction.auditExport.rawValue }
            #expect(exported.last?.actor == "staff:audit@wessex.gov.example")
        }
    }

    @Test("a session idle too long or past its end sends the browser to sign in again; signing out ends it")
    func sessionsEnd() async throws {
        try await Self.with { fixture, client in
            let staff = fixture.environment.services.staff
            _ = try await staff.create(email: "dpo@wessex.gov.example", role: .dpo, password: Self.password, actor: "test")
            let now = StaffDirectory.now()
            // Signed in 31 minutes ago and not seen since: idle past the 30 minutes.
            guard
                case .signedIn(let idle, _) = try await staff.signIn(
                    email: "dpo@wessex.gov.example",
                    password: Self.password,
                    address: "a",
                    now: now - 31 * 60
                )
            else { throw StewardError(.internal, "could not sign in") }
            var browser = Browser(cookies: ["steward_session": idle])
            let ended = try await browser.get(client, "/console")
            #expect(ended.status == .seeOther)
            #expect(ended.headers[.location] == "/console/sign-in?ended=1")
            #expect(browser.cookies["steward_session"] == nil, "the ended session's cookie is cleared")
            #expect(try await browser.get(client, "/console/sign-in?ended=1").text.contains("Your session has ended"))

            // Kept busy, a session still ends 12 hours after sign-in.
            guard
                case .signedIn(let old, _) = try await staff.signIn(
                    email: "dpo@wessex.gov.example",
                    password: Self.password,
                    address: "a",
                    now: now - 12 * 3600
                )
            else { throw StewardError(.internal, "could not sign in") }
            for minutes in stride(from: 20, through: 12 * 60 - 20, by: 20) {
                #expect(try await staff.session(secret: old, now: now - 12 * 3600 + Int64(minutes * 60)) != nil)
            }
            #expect(try await staff.session(secret: old, now: now) == nil)

            var current = Browser()
            _ = try await current.signIn(client, "dpo@wessex.gov.example", Self.password)
            let secret = try #require(current.cookies["steward_session"])
            let home = try await current.get(client, "/console")
            _ = try await current.post(client, "/console/sign-out", [("csrf", try Browser.csrf(home))])
            #expect(try await staff.session(secret: secret) == nil)
            var replay = Browser(cookies: ["steward_session": secret])
            #expect(try await replay.get(client, "/console").headers[.location] == "/console/sign-in?ended=1")
        }
    }

    @Test("five wrong passwords lock the account for the window, an unknown email gets the same answer, and a guessed setup code is refused")
    func guessingIsThrottled() async throws {
        try await Self.with { fixture, client in
            let staff = fixture.environment.services.staff
            _ = try await staff.create(email: "dpo@wessex.gov.example", role: .dpo, password: Self.password, actor: "test")
            let (_, code) = try await staff.create(email: "new@wessex.gov.example", role: .caseworker, password: nil, actor: "test")

            var browser = Browser()
            let unknown = try await browser.signIn(client, "nobody@wessex.gov.example", Self.password)
            let wrong = try await browser.signIn(client, "dpo@wessex.gov.example", "not the password at all")
            #expect(unknown.status == wrong.status)
            #expect(unknown.text.contains("The email address or password is not right"))
            #expect(wrong.text.contains("The email address or password is not right"))
            #expect(try await browser.signIn(client, "new@wessex.gov.example", "AAAA-BBBB-CCCC-DDDD").status == .unprocessableContent)

            for _ in 0..<4 { _ = try await browser.signIn(client, "dpo@wessex.gov.example", "still not the password") }
            // Sent all at once, guesses are still counted before any is checked: with the one wrong
            // code above, four more get an answer, and the rest are refused unchecked.
            let outcomes = try await withThrowingTaskGroup(of: SignInOutcome.self) { group in
                for index in 0..<20 {
                    group.addTask { try await staff.signIn(email: "new@wessex.gov.example", password: "GUES-SNUM-BER\(index)-XXXX", address: "d") }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .refused }.count == 4)
            #expect(outcomes.filter { $0 == .throttled }.count == 16)
            let locked = try await browser.signIn(client, "dpo@wessex.gov.example", Self.password)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.text.contains("too many attempts"))
            #expect(browser.cookies["steward_session"] == nil)
            // Past the window, the right password works again.
            let later = StaffDirectory.now() + 16 * 60
            guard case .signedIn = try await staff.signIn(email: "dpo@wessex.gov.example", password: Self.password, address: "b", now: later) else {
                Issue.record("the account was still locked after the window")
                return
            }
            // The new account's real code works once the window has passed: guesses at it did not spend it.
            let right = try await staff.signIn(email: "new@wessex.gov.example", password: try #require(code), address: "c", now: later)
            guard case .signedIn(_, let session) = right else {
                Issue.record("the real setup code was refused: \(right)")
                return
            }
            #expect(session.mustChoosePassword)
        }
    }

    @Test(
        "requests are listed by status and right, and a request's page shows its clock, timeline and tasks; a bad filter or reference is a page saying so"
    )
    func requestPages() async throws {
        try await Self.with { fixture, client in
            let services = fixture.environment.services
            _ = try await services.staff.create(email: "case@wessex.gov.example", role: .caseworker, password: Self.password, actor: "test")
            let view = try await services.requests.submit(
                RightsRequest.Intake(
                    kind: .erasure,
                    requester: .init(name: "Ada Okafor", email: "ada.okafor@example.org"),
                    description: "Please delete my library account"
                ),
                actor: "token:test-caseworker",
                fromPublic: false
            )
            let reference = view.request.id.rawValue
            var browser = Browser()
            _ = try await browser.signIn(client, "case@wessex.gov.example", Self.password)
            let open = try await browser.get(client, "/console/requests")
            #expect(open.status == .ok)
            #expect(open.text.contains("href=\"/console/requests/\(reference)\""))
            #expect(try await browser.get(client, "/console/requests?status=closed").text.contains(reference) == false)
            #expect(try await browser.get(client, "/console/requests?status=all&kind=erasure").text.contains(reference))
            #expect(try await browser.get(client, "/console/requests?kind=access").text.contains(reference) == false)
            let bad = try await browser.get(client, "/console/requests?status=sometimes")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Status must be open, closed or all"))

            let page = try await browser.get(client, "/console/requests/\(reference)")
            #expect(page.status == .ok)
            for text in [
                "<h1>\(reference)</h1>", "Erasure request", "Ada Okafor", "Please delete my library account", "Why the clock says this", "Day 1 is",
            ] {
                #expect(page.text.contains(text), "\(text)")
            }
            let due = try #require(view.clock.due)
            #expect(page.text.contains(due.longDescription))
            let missing = try await browser.get(client, "/console/requests/SR-NONE-NONE-NONE")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType]?.hasPrefix("text/html") == true)
        }
    }

    @Test("every console page but sign-in sends a browser without a session to sign in, and changes nothing")
    func everyPageNeedsASession() async throws {
        try await Self.with { fixture, client in
            let pages = fixture.routes.filter { $0.contains(" /console") && !$0.hasSuffix("/console/sign-in") }
            #expect(pages.count >= 7, "\(pages)")
            let before = try await fixture.store.auditEntries(after: 0, limit: 1000).count
            for page in pages {
                let parts = page.split(separator: " ", maxSplits: 1).map(String.init)
                let response = try await client.execute(
                    uri: parts[1],
                    method: HTTPRequest.Method(parts[0])!,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "csrf=x")
                )
                #expect(response.status == .seeOther, "\(page)")
                #expect(response.headers[.location] == "/console/sign-in", "\(page)")
            }
            #expect(try await fixture.store.auditEntries(after: 0, limit: 1000).count == before)
        }
    }

    @Test("every page reached by a browser is HTML even when the form cannot be read")
    func badFormsArePages() async throws {
        try await Self.with { _, client in
            var browser = Browser()
            let page = try await browser.get(client, "/console/sign-in")
            var headers = browser.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            let repeated = try await client.execute(
                uri: "/console/sign-in",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "csrf=\(try Browser.csrf(page))&email=a&email=b&password=x")
            )
            #expect(repeated.status == .badRequest)
            #expect(repeated.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(repeated.text.contains("given more than once"))
            let tooBig = try await client.execute(
                uri: "/console/sign-in",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "csrf=x&email=" + String(repeating: "a", count: 70_000))
            )
            #expect(tooBig.status == .contentTooLarge)
        }
    }
}
