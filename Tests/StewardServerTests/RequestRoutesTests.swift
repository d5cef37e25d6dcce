import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StewardCore
import StewardFiles
import StewardMail
import StewardStore
import StewardTestSupport
import Synchronization
import Testing

@testable import StewardServer

/// The date the server believes it is, moved by the test to walk a request through the calendar.
final class TestCalendar: Sendable {
    private let current: Mutex<CalendarDate>

    init(_ date: String) { current = Mutex(CalendarDate(iso: date)!) }

    func set(_ date: String) { current.withLock { $0 = CalendarDate(iso: date)! } }
    var today: CalendarDate { current.withLock { $0 } }
}

@Suite("Rights requests over HTTP")
struct RequestRoutesTests {
    static func send(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ json: String? = nil,
        as role: Role? = nil,
        _ fixture: ServerFixture
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: fixture.headers(role), body: json.map { ByteBuffer(string: $0) })
    }

    static func configuration(sink: SMTPSink) -> StewardConfiguration {
        var configuration = StewardConfiguration()
        configuration.mail.host = "127.0.0.1"
        configuration.mail.port = sink.port
        configuration.mail.security = .none
        configuration.mail.fromAddress = "information.governance@wessex.gov.example"
        configuration.mail.fromName = "Wessex County Council"
        return configuration
    }

    /// The request's audit trail: the actions recorded against it, oldest first.
    static func trail(_ fixture: ServerFixture, _ reference: String) async throws -> [String] {
        try await fixture.store.auditEntries(limit: 10_000).filter { $0.object == "request/\(reference)" }.map(\.action)
    }

    static func code(in mail: ReceivedMail) throws -> String {
        let text = try #require(mail.text)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Your code is: ") }, "no code in: \(text)")
        return String(line.dropFirst("Your code is: ".count)).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a resident's request: submitted, code emailed, verified, in progress, paused, resumed, completed, due right and audited at every step")
    func endToEnd() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let calendar = TestCalendar("2026-03-03")
        try await ServerFixture.with(configuration: Self.configuration(sink: sink), today: { calendar.today }) { fixture, client in
            let worker = OutboxWorker(store: fixture.store, settings: fixture.environment.configuration.mail, logger: .init(label: "test"))

            // Submitted on Tuesday 3 March 2026: the clock waits for identity.
            let submitted = try await Self.send(
                client,
                .post,
                "/api/v1/public/requests",
                #"{"kind":"access","requester":{"name":"Amy Pond","email":"Amy.Pond@example.org"},"description":"Everything you hold about me, including my library account"}"#,
                fixture
            )
            #expect(submitted.status == .accepted, "\(submitted.text)")
            let reference = try submitted.decode(PublicAnswer.self).reference
            // Only the code goes to an address not yet proved.
            #expect(try await worker.deliverDue() == 1)
            let mails = try await sink.waitForMessages(count: 1)
            #expect(mails.allSatisfy { $0.rcptTos == ["amy.pond@example.org"] })
            let identity = try #require(mails.first { $0.text?.contains("Your code is:") == true })
            #expect(identity.text?.contains("Amy Pond") == false)
            #expect(identity.independentReading?.subject?.contains(reference) == true)
            #expect(identity.html?.contains(try Self.code(in: identity)) == true)
            let code = try Self.code(in: identity)

            // Verified the next day: the clock starts on Wednesday 4 March. One month is Saturday 4
            // April; Sunday, then Easter Monday, so Tuesday 7 April.
            calendar.set("2026-03-04")
            let verified = try await Self.send(client, .post, "/api/v1/public/requests/\(reference)/verify", #"{"code":"\#(code)"}"#, fixture)
            #expect(verified.status == .ok, "\(verified.text)")
            #expect(try verified.decode(PublicAnswer.self).due == "2026-04-07")
            var view = try await Self.send(client, .get, "/api/v1/requests/\(reference)", as: .caseworker, fixture).decode(RequestService.View.self)
            #expect(view.state.rawValue == "in_progress")
            #expect(view.clock.due?.description == "2026-04-07")
            #expect(try await worker.deliverDue() == 1)
            let acknowledgement = try #require(
                try await sink.waitForMessages(count: 2).first { $0.text?.contains("Thank you for your request") == true }
            )
            #expect(acknowledgement.text?.contains("Dear Amy Pond,") == true)
            #expect(acknowledgement.text?.contains("We must respond by Tuesday 7 April 2026") == true)

            // Tuesday 10 March: the caseworker asks which account is meant; the clock stops.
            calendar.set("2026-03-10")
            var changed = try await Self.send(
                client,
                .post,
                "/api/v1/requests/\(reference)/events",
                #"{"change":"clarification_requested","reasons":"Which library card number do you mean?"}"#,
                as: .caseworker,
                fixture
            )
            #expect(changed.status == .ok, "\(changed.text)")
            view = try changed.decode(RequestService.View.self)
            #expect(view.state.rawValue == "paused")
            #expect(view.clock.due == nil)
            #expect(view.clock.isPaused)

            // Monday 16 March: answered; six days paused move the deadline to Friday 10 April.
            calendar.set("2026-03-16")
            changed = try await Self.send(
                client,
                .post,
                "/api/v1/requests/\(reference)/events",
                #"{"change":"clarification_received"}"#,
                as: .caseworker,
                fixture
            )
            view = try changed.decode(RequestService.View.self)
            #expect(view.state.rawValue == "in_progress")
            #expect(view.clock.due?.description == "2026-04-10")
            #expect(view.clock.pausedDays == 6)

            // Each system is searched; completion before then is refused.
            let early = try await Self.send(
                client,
                .post,
                "/api/v1/requests/\(reference)/events",
                #"{"change":"completed"}"#,
                as: .caseworker,
                fixture
            )
            #expect(early.status == .conflict)
            let tasks = view.request.tasks
            #expect(tasks.contains { $0.system.rawValue == "libraries" })
            for task in tasks {
                let system = task.system.rawValue
                let status = system == "libraries" ? "done" : "not_held"
                let updated = try await Self.send(
                    client,
                    .put,
                    "/api/v1/requests/\(reference)/tasks/\(system)",
                    #"{"status":"\#(status)","note":"searched"}"#,
                    as: .caseworker,
                    fixture
                )
                #expect(updated.status == .ok, "\(updated.text)")
            }

            // Friday 20 March: completed, with the Article 15 information in the letter.
            calendar.set("2026-03-20")
            changed = try await Self.send(client, .post, "/api/v1/requests/\(reference)/events", #"{"change":"completed"}"#, as: .caseworker, fixture)
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try changed.decode(RequestService.View.self).state.rawValue == "completed")
            #expect(try await worker.deliverDue() == 2)
            let all = try await sink.waitForMessages(count: 4)
            let clarification = try #require(all.first { $0.text?.contains("Which library card number do you mean?") == true })
            #expect(clarification.text?.contains("paused") == true)
            let completion = try #require(all.first { $0.text?.contains("We have completed your request") == true })
            #expect(completion.text?.contains("Providing the library service") == true)
            #expect(completion.text?.contains("Library Cloud Inc.") == true)
            #expect(completion.html?.contains("<h2>How long we keep it</h2>") == true)
            #expect(try await fixture.store.outbox(status: .sent).count == 4)

            let trail = try await Self.trail(fixture, reference)
            let steps = trail.filter { $0 != "request.task" }
            #expect(
                steps == [
                    "request.create", "request.identity_requested", "request.identity.code_issued", "request.identity_verified",
                    "request.clarification_requested", "request.clarification_received", "request.completed",
                ],
                "\(trail)"
            )
            #expect(trail.filter { $0 == "request.task" }.count == tasks.count)
            let audited = try await fixture.store.auditEntries(limit: 10_000)
            let dues = audited.filter { $0.object == "request/\(reference)" && $0.action.hasPrefix("request.") && $0.details.contains("\"due\"") }
                .map { entry -> String in
                    let details = try? JSONDecoder().decode(RecordedDue.self, from: Data(entry.details.utf8))
                    return "\(entry.action)=\(details?.due ?? "none")"
                }
            #expect(
                dues == [
                    "request.create=none", "request.identity_requested=none", "request.identity_verified=2026-04-07",
                    "request.clarification_requested=none", "request.clarification_received=2026-04-10", "request.completed=2026-04-10",
                ],
                "\(dues)"
            )
            #expect(audited.filter { $0.action == "mail.sent" }.count == 4)
            #expect(try await fixture.store.verifyAudit(trustedKeys: nil).isIntact)

            let list = try await Self.send(client, .get, "/api/v1/requests?status=completed", as: .auditor, fixture)
            #expect(try list.decode(Listing<RequestService.Summary>.self).items.first?.id.rawValue == reference)
        }
    }

    @Test("the relay's port, when not set, is the one its security calls for")
    func relayPort() async throws {
        try await TestDatabase.withStore { store, _ in
            var settings = MailSettings()
            settings.host = "relay.example"
            for (security, port) in [(MailSettings.Security.tls, 465), (.startTLS, 587), (.none, 25)] {
                settings.security = security
                #expect(OutboxWorker(store: store, settings: settings, logger: .init(label: "test")).client?.configuration.port == port)
            }
            settings.port = 2525
            #expect(OutboxWorker(store: store, settings: settings, logger: .init(label: "test")).client?.configuration.port == 2525)
        }
    }

    @Test("one email address gets five requests an hour however it is written, then a 429 that queues nothing")
    func perAddressLimit() async throws {
        try await ServerFixture.with { fixture, client in
            for (index, email) in ["amy@example.org", "Amy@Example.org", " amy@example.org", "AMY@EXAMPLE.ORG ", "amy@example.org"].enumerated() {
                let response = try await Self.send(
                    client,
                    .post,
                    "/api/v1/public/requests",
                    #"{"kind":"access","requester":{"name":"Amy Pond","email":"\#(email)"},"description":"My records"}"#,
                    fixture
                )
                #expect(response.status == .accepted, "request \(index + 1)")
            }
            let queued = try await fixture.store.outbox().count
            let sixth = try await Self.send(
                client,
                .post,
                "/api/v1/public/requests",
                #"{"kind":"access","requester":{"name":"Amy Pond","email":"  AMY@example.ORG  "},"description":"My records"}"#,
                fixture
            )
            #expect(sixth.status == .tooManyRequests)
            #expect(try await fixture.store.outbox().count == queued)
        }
    }

    @Test("code guessing is locked out after five tries, and residents get the same answers whether or not their address is known")
    func guessingAndEnumeration() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let calendar = TestCalendar("2026-07-01")
        try await ServerFixture.with(configuration: Self.configuration(sink: sink), today: { calendar.today }) { fixture, client in
            _ = try await fixture.store.createSubject(
                identifiers: [.init(kind: "email", value: "known@example.org")],
                dateOfBirth: nil,
                isAdultAtRisk: false,
                actor: "test"
            )
            func submit(_ email: String) async throws -> (TestResponse, PublicAnswer) {
                let response = try await Self.send(
                    client,
                    .post,
                    "/api/v1/public/requests",
                    #"{"kind":"access","requester":{"name":"A Resident","email":"\#(email)"},"description":"My records"}"#,
                    fixture
                )
                var body = try response.decode(PublicAnswer.self)
                body.reference = ""
                return (response, body)
            }
            let (known, knownBody) = try await submit("known@example.org")
            let (unknown, unknownBody) = try await submit("nobody@example.org")
            #expect(known.status == unknown.status)
            #expect(knownBody == unknownBody)
            #expect(knownBody.status == "awaiting_identity")

            let reference = try known.decode(PublicAnswer.self).reference
            let worker = OutboxWorker(store: fixture.store, settings: fixture.environment.configuration.mail, logger: .init(label: "test"))
            try await worker.deliverDue()
            let mails = try await sink.waitForMessages(count: 2)
            let code = try Self.code(
                in: try #require(mails.first { $0.rcptTos == ["known@example.org"] && $0.text?.contains("Your code is") == true })
            )
            let wrong = code == "000000" ? "999999" : "000000"

            var refusals: [String] = []
            for _ in 1...5 {
                let response = try await Self.send(client, .post, "/api/v1/public/requests/\(reference)/verify", #"{"code":"\#(wrong)"}"#, fixture)
                #expect(response.status == .unprocessableContent)
                refusals.append(response.text)
            }
            let right = try await Self.send(client, .post, "/api/v1/public/requests/\(reference)/verify", #"{"code":"\#(code)"}"#, fixture)
            #expect(right.status == .unprocessableContent, "the right code must not work once locked")
            let nowhere = try await Self.send(client, .post, "/api/v1/public/requests/SR-0000-0000-0000/verify", #"{"code":"\#(code)"}"#, fixture)
            #expect(nowhere.status == .unprocessableContent)
            #expect(Set(refusals + [right.text, nowhere.text]).count == 1, "every refusal must read the same")
            let state = try await Self.send(client, .get, "/api/v1/requests/\(reference)", as: .caseworker, fixture).decode(RequestService.View.self)
            #expect(state.state.rawValue == "awaiting_identity")
            #expect(try await Self.trail(fixture, reference).contains("request.identity.code_locked"))

            // Asking for a new code reads the same whether or not one could be sent.
            let again = try await Self.send(client, .post, "/api/v1/public/requests/\(reference)/code", nil, fixture)
            let missing = try await Self.send(client, .post, "/api/v1/public/requests/SR-0000-0000-0000/code", nil, fixture)
            #expect(again.status == .accepted && missing.status == .accepted)
            var againBody = try again.decode(PublicAnswer.self)
            var missingBody = try missing.decode(PublicAnswer.self)
            againBody.reference = ""
            missingBody.reference = ""
            #expect(againBody == missingBody)
            #expect(try await fixture.store.outbox().filter { $0.request?.rawValue == reference && $0.letter == "identity_request" }.count == 1)

            // Staff can read the outbox, but never a code.
            let outbox = try await Self.send(client, .get, "/api/v1/outbox?request=\(reference)", as: .caseworker, fixture)
            #expect(outbox.status == .ok)
            #expect(!outbox.text.contains(code))
            #expect(outbox.text.contains(OutboxMessage.codeMarker))
        }
    }

    @Test("what is due over HTTP leaves out a paused request, as the command line's list does, and refuses a period it cannot read")
    func dueOverHTTP() async throws {
        let calendar = TestCalendar("2026-04-20")
        try await ServerFixture.with(today: { calendar.today }) { fixture, client in
            var references: [String] = []
            for (index, received) in ["2026-03-02", "2026-04-01", "2026-04-02"].enumerated() {
                let created = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests",
                    #"{"kind":"access","received":"\#(received)","requester":{"name":"R","email":"r\#(index)@example.org"},"description":"All"}"#,
                    as: .caseworker,
                    fixture
                )
                let reference = try created.decode(RequestService.View.self).request.id.rawValue
                let started = try await Self.send(
                    client,
                    .post,
                    "/api/v1/requests/\(reference)/events",
                    #"{"change":"started","date":"\#(received)"}"#,
                    as: .caseworker,
                    fixture
                )
                #expect(started.status == .ok, "\(started.text)")
                references.append(reference)
            }
            let paused = try await Self.send(
                client,
                .post,
                "/api/v1/requests/\(references[2])/events",
                #"{"change":"clarification_requested","reasons":"Which years?"}"#,
                as: .caseworker,
                fixture
            )
            #expect(paused.status == .ok, "\(paused.text)")
            let due = try await Self.send(client, .get, "/api/v1/requests?dueWithin=2w", as: .auditor, fixture)
            #expect(try due.decode(Listing<RequestService.Summary>.self).items.map(\.id.rawValue) == Array(references.prefix(2)))
            for query in ["dueWithin=soon", "dueWithin=7d&status=open"] {
                let bad = try await Self.send(client, .get, "/api/v1/requests?\(query)", as: .auditor, fixture)
                #expect(bad.status == .unprocessableContent)
                #expect(try bad.decode(ErrorBody.self).error.field == "dueWithin")
            }
        }
    }

    @Test("staff intake and changes refuse bad input naming the field")
    func badInput() async throws {
        try await ServerFixture.with { fixture, client in
            // A body that is not a request is 400; one that is a request but breaks a rule is 422.
            let cases: [(String, String, String, HTTPResponse.Status)] = [
                ("/api/v1/requests", #"{"kind":"access","requester":{"name":"A"},"description":"x"}"#, "requester.email", .unprocessableContent),
                ("/api/v1/requests", #"{"kind":"sar","requester":{"name":"A","email":"a@b.org"},"description":"x"}"#, "kind", .badRequest),
                (
                    "/api/v1/requests", #"{"kind":"access","received":"2026-02-30","requester":{"name":"A","email":"a@b.org"},"description":"x"}"#,
                    "received", .badRequest
                ),
                (
                    "/api/v1/requests",
                    #"{"kind":"access","requester":{"name":"A","email":"a@b.org","representative":{"relationship":"son","authority":"power_of_attorney","evidence":""}},"description":"x"}"#,
                    "requester.representative.evidence", .unprocessableContent
                ),
                (
                    "/api/v1/public/requests", #"{"kind":"access","requester":{"name":"A","postalAddress":"1 High St"},"description":"x"}"#,
                    "requester.email", .unprocessableContent
                ),
                ("/api/v1/requests", #"{"kind":"access","requester":{"name":"A","email":"a@b.org"}}"#, "description", .unprocessableContent),
            ]
            for (uri, json, field, status) in cases {
                let response = try await Self.send(client, .post, uri, json, as: uri.contains("public") ? nil : .caseworker, fixture)
                #expect(response.status == status, "\(json) → \(response.status)")
                #expect(try response.decode(ErrorBody.self).error.field == field, "\(json) → \(response.text)")
            }
            #expect(try await fixture.store.outbox().isEmpty)
            let huge =
                #"{"kind":"access","requester":{"name":"A","email":"a@b.org"},"description":""# + String(repeating: "x", count: 300_000) + #""}"#
            let tooLarge = try await Self.send(client, .post, "/api/v1/public/requests", huge, fixture)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try tooLarge.decode(ErrorBody.self).error.field == "body")
            let created = try await Self.send(
                client,
                .post,
                "/api/v1/requests",
                #"{"kind":"erasure","requester":{"name":"A","email":"a@b.org"},"description":"Delete my account"}"#,
                as: .caseworker,
                fixture
            )
            #expect(created.status == .created)
            let reference = try created.decode(RequestService.View.self).request.id.rawValue
            let changes: [(String, String)] = [
                (#"{"change":"extended"}"#, "reasons"), (#"{"change":"nonsense"}"#, "change"),
                (#"{"change":"refused","ground":"excessive"}"#, "reasons"),
                (#"{"change":"identity_verified","identity":{"method":"document_seen"}}"#, "identity.evidence"),
                (#"{"change":"started","reason":"typo"}"#, "reason"),
            ]
            for (json, field) in changes {
                let response = try await Self.send(client, .post, "/api/v1/requests/\(reference)/events", json, as: .caseworker, fixture)
                #expect([.badRequest, .unprocessableContent, .conflict].contains(response.status), "\(json) → \(response.status)")
                #expect(try response.decode(ErrorBody.self).error.field == field, "\(json) → \(response.text)")
            }
            let view = try await Self.send(client, .get, "/api/v1/requests/\(reference)", as: .auditor, fixture).decode(RequestService.View.self)
            #expect(view.request.events.isEmpty)
            // An event comes back under the name it was sent with, its details beside it.
            let sent = #"{"change":"identity_verified","identity":{"method":"document_seen","evidence":"passport","checkedBy":"J. Patel"}}"#
            let verified = try await Self.send(client, .post, "/api/v1/requests/\(reference)/events", sent, as: .caseworker, fixture)
            #expect(verified.status == .ok, "\(verified.text)")
            let shown = try await Self.send(client, .get, "/api/v1/requests/\(reference)", as: .auditor, fixture)
            let events = try #require(
                (try JSONSerialization.jsonObject(with: Data(shown.text.utf8)) as? [String: Any]).flatMap { $0["request"] as? [String: Any] }?[
                    "events"
                ] as? [[String: Any]]
            )
            #expect(events.last?["change"] as? String == "identity_verified", "\(shown.text)")
            #expect((events.last?["identity"] as? [String: Any])?["evidence"] as? String == "passport")
            let letter = try await Self.send(
                client,
                .get,
                "/api/v1/requests/\(reference)/letters/acknowledgement?format=text",
                as: .caseworker,
                fixture
            )
            #expect(letter.status == .ok)
            #expect(letter.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(letter.text.contains("Dear A,"))
        }
    }
}
