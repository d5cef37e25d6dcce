import StewardCore
import StewardFiles
import Testing

@Suite("Rights request workflow")
struct RightsRequestTests {
    static func date(_ text: String) -> CalendarDate { CalendarDate(iso: text)! }
    static let clock = StatutoryClock(holidays: try! BankHolidaysFile.load(path: nil))

    @Test("received → awaiting identity → in progress ⇄ paused → completed, with the due date right at every step")
    func happyPath() throws {
        var request = RightsRequest(id: "r1", kind: .access, received: Self.date("2026-03-03"))
        #expect(Self.clock.reading(for: request.timeline).due == Self.date("2026-04-07"))
        try request.apply(.init(date: Self.date("2026-03-03"), change: .identityRequested, actor: "system"))
        #expect(try request.state() == .awaitingIdentity)
        // No deadline runs until identity arrives.
        #expect(Self.clock.reading(for: request.timeline).due == nil)
        #expect(Self.clock.reading(for: request.timeline).isAwaitingIdentity)
        try request.apply(.init(date: Self.date("2026-03-05"), change: .identityVerified(IdentityCheck(method: .emailCode)), actor: "resident"))
        #expect(try request.state() == .inProgress)
        #expect(Self.clock.reading(for: request.timeline).due == Self.date("2026-04-07"))  // 5 April is a Sunday, 6 April Easter Monday
        try request.apply(.init(date: Self.date("2026-03-10"), change: .clarificationRequested, actor: "caseworker"))
        #expect(try request.state() == .paused)
        #expect(Self.clock.reading(for: request.timeline).due == nil)
        try request.apply(.init(date: Self.date("2026-03-16"), change: .clarificationReceived, actor: "resident"))
        #expect(try request.state() == .inProgress)
        #expect(Self.clock.reading(for: request.timeline).due == Self.date("2026-04-13"))  // 5 April + 6 days = Saturday 11 → Monday 13
        try request.apply(.init(date: Self.date("2026-04-01"), change: .completed, actor: "caseworker"))
        #expect(try request.state() == .completed)
    }

    @Test(
        "what a request's page offers is what the workflow would take: no completing before work starts or while tasks are open, nothing once closed",
        arguments: [
            (
                [RightsRequest.Change](), RightsRequest.Kind.access,
                ["identity_requested", "identity_verified", "fee_received", "started", "refused", "withdrawn"]
            ),
            ([.identityRequested], .access, ["identity_verified", "fee_received", "refused", "withdrawn"]),
            ([.started], .access, ["fee_received", "clarification_requested", "extended", "completed", "refused", "withdrawn"]),
            ([.started, .clarificationRequested], .access, ["fee_received", "clarification_received", "extended", "refused", "withdrawn"]),
            ([], .complaint, ["identity_requested", "identity_verified", "fee_received", "started", "acknowledged", "refused", "withdrawn"]),
            ([.started, .completed], .access, []),
        ]
    )
    func allowedChanges(events: [RightsRequest.Change], kind: RightsRequest.Kind, allowed: [String]) throws {
        var request = RightsRequest(id: "r9", kind: kind, received: Self.date("2026-05-01"))
        for change in events { try request.apply(.init(date: Self.date("2026-05-02"), change: change, actor: "x")) }
        #expect(request.allowedChanges(on: Self.date("2026-05-04")).map(\.rawValue) == allowed)
        request.tasks = [RequestTask(system: "housing", systemName: "Housing", owner: "Housing", reasons: [])]
        #expect(!request.allowedChanges(on: Self.date("2026-05-04")).contains(.completed), "an open task holds completion back")
    }

    @Test("changes the workflow does not allow are refused and change nothing")
    func invalidTransitions() throws {
        var request = RightsRequest(id: "r2", kind: .erasure, received: Self.date("2026-05-01"))
        #expect(throws: StewardError.self) { try request.apply(.init(date: Self.date("2026-05-02"), change: .completed, actor: "x")) }
        #expect(throws: StewardError.self) { try request.apply(.init(date: Self.date("2026-04-30"), change: .started, actor: "x")) }
        try request.apply(.init(date: Self.date("2026-05-02"), change: .started, actor: "x"))
        #expect(throws: StewardError.self) { try request.apply(.init(date: Self.date("2026-05-03"), change: .clarificationReceived, actor: "x")) }
        #expect(throws: StewardError.self) {
            try request.apply(.init(date: Self.date("2026-05-03"), change: .refused(ground: .excessive, reasons: " "), actor: "x"))
        }
        try request.apply(.init(date: Self.date("2026-05-03"), change: .withdrawn, actor: "resident"))
        #expect(throws: StewardError.self) { try request.apply(.init(date: Self.date("2026-05-04"), change: .started, actor: "x")) }
        #expect(request.events.count == 2)
        #expect(try request.state() == .withdrawn)
    }

    @Test("identity only moves the clock when it was asked for; an extension with reasons moves it by two months")
    func identityAndExtension() throws {
        var known = RightsRequest(id: "r3", kind: .access, received: Self.date("2026-06-01"))
        try known.apply(
            .init(
                date: Self.date("2026-06-01"),
                change: .identityVerified(IdentityCheck(method: .documentSeen, evidence: "passport", checkedBy: "A. Clerk")),
                actor: "caseworker"
            )
        )
        #expect(Self.clock.reading(for: known.timeline).due == Self.date("2026-07-01"))
        try known.apply(.init(date: Self.date("2026-06-20"), change: .extended(reasons: "the request covers twelve systems"), actor: "dpo"))
        #expect(Self.clock.reading(for: known.timeline).due == Self.date("2026-09-01"))
    }

    @Test("a complaint is due for acknowledgement within 30 days of receipt, and no longer once acknowledged")
    func complaintAcknowledgement() throws {
        var complaint = RightsRequest(id: "c1", kind: .complaint, received: Self.date("2026-07-01"))
        #expect(Self.clock.reading(for: complaint.timeline).due == Self.date("2026-07-30"))
        try complaint.apply(.init(date: Self.date("2026-07-02"), change: .acknowledged, actor: "caseworker"))
        #expect(try complaint.state() == .inProgress)
        #expect(Self.clock.reading(for: complaint.timeline).due == nil)
        #expect(throws: StewardError.self) { try complaint.apply(.init(date: Self.date("2026-07-03"), change: .acknowledged, actor: "x")) }
        var access = RightsRequest(id: "a1", kind: .access, received: Self.date("2026-07-01"))
        #expect(throws: StewardError.self) { try access.apply(.init(date: Self.date("2026-07-02"), change: .acknowledged, actor: "x")) }
    }

    @Test("email addresses the relay cannot send to, and names over several lines, are refused")
    func requesterChecks() {
        for address in ["amy@example.org", "a.b+c@mail.example.co.uk", "o'neil@example.ie"] {
            #expect(Requester.isPlausibleEmail(address), "\(address)")
        }
        for address in ["amélie@example.fr", "a@my_host.org", "a@example", "a..b@example.org", ".a@example.org", "a b@example.org", "a@-x.org"] {
            #expect(!Requester.isPlausibleEmail(address), "\(address)")
        }
        #expect(throws: StewardError.self) { try Requester(name: "Amy\nBcc: x", email: "amy@example.org").validated() }
    }
}
