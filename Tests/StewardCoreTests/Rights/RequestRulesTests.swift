import Foundation
import StewardCore
import Testing

/// The rules for taking in and changing requests, as pure functions: every one a case here.
@Suite("Request rules")
struct RequestRulesTests {
    static let today = CalendarDate(year: 2026, month: 3, day: 2)!
    static let amy = Requester(name: "Amy Pond", email: "amy@example.org")

    /// An intake, whether it comes from a resident, and the field an error must name (nil when it is accepted).
    static let intakes: [(String, RightsRequest.Intake, Bool, String?)] = [
        ("an ordinary request", .init(kind: .access, requester: amy, description: "All"), true, nil),
        (
            "received tomorrow", .init(kind: .access, received: CalendarDate(year: 2026, month: 3, day: 3)!, requester: amy, description: "All"),
            false, "received"
        ),
        ("a resident with no email", .init(kind: .access, requester: Requester(name: "Amy"), description: "All"), true, "requester.email"),
        ("no description", .init(kind: .access, requester: amy, description: "  "), false, "description"),
        ("CCTV with no details", .init(kind: .cctvAccess, requester: amy, description: ""), false, "cctv"),
        (
            "CCTV details on an access request",
            .init(
                kind: .access,
                requester: amy,
                description: "All",
                cctv: CCTVDetails(
                    date: CalendarDate(year: 2026, month: 3, day: 1)!,
                    from: "10:00",
                    until: "11:00",
                    location: "High St",
                    personDescription: "Red coat"
                )
            ),
            false, "cctv"
        ),
        (
            "the 1998 Act after 25 May 2018",
            .init(kind: .access, received: CalendarDate(year: 2018, month: 5, day: 25)!, requester: amy, description: "All", madeUnderDPA1998: true),
            false, "madeUnderDPA1998"
        ),
        (
            "the 1998 Act before 25 May 2018",
            .init(kind: .access, received: CalendarDate(year: 2018, month: 5, day: 24)!, requester: amy, description: "All", madeUnderDPA1998: true),
            false, nil
        ),
        ("a resident naming a subject", .init(kind: .access, requester: amy, description: "All", subject: "s-1"), true, "subject"),
        (
            "a bad NHS number", .init(kind: .access, requester: amy, description: "All", identifiers: [.init(kind: .nhsNumber, value: "1234567890")]),
            false, "identifiers[0].value"
        ),
        (
            "21 identifiers",
            .init(
                kind: .access,
                requester: amy,
                description: "All",
                identifiers: (0..<21).map { .init(kind: .localID, value: "\($0)", system: "x") }
            ),
            false, "identifiers"
        ),
    ]

    @Test("an intake is taken or refused with the field at fault", arguments: intakes)
    func intake(_ name: String, _ intake: RightsRequest.Intake, _ fromPublic: Bool, _ field: String?) throws {
        if let field {
            let error = #expect(throws: StewardError.self, "\(name)") { try intake.request(id: "SR-1", fromPublic: fromPublic, today: Self.today) }
            #expect(error?.field == field, "\(name)")
            #expect(error?.code == .invalidInput, "\(name)")
        } else {
            _ = try intake.request(id: "SR-1", fromPublic: fromPublic, today: Self.today)
        }
    }

    @Test("a person asking for themselves is findable by the address they wrote from; identifiers are normalised once each")
    func requesterAddress() throws {
        let intake = RightsRequest.Intake(
            kind: .access,
            requester: Requester(name: "Amy", email: "Amy@Example.org"),
            description: "All",
            identifiers: [.init(kind: .niNumber, value: "qq 12 34 56 c"), .init(kind: .niNumber, value: "QQ123456C")]
        )
        let request = try intake.request(id: "SR-1", fromPublic: false, today: Self.today)
        #expect(request.identifiers == [.init(kind: .niNumber, value: "QQ123456C"), .init(kind: .email, value: "amy@example.org")])
        #expect(request.received == Self.today)
    }

    @Test("a change needs what the law asks of it: reasons for an extension or refusal, questions for a clarification, a ground for a refusal")
    func changeInput() throws {
        #expect(throws: StewardError.self) { try RightsRequest.ChangeInput(change: .extended).resolved(today: Self.today) }
        #expect(throws: StewardError.self) {
            try RightsRequest.ChangeInput(change: .clarificationRequested, reasons: " ").resolved(today: Self.today)
        }
        #expect(throws: StewardError.self) { try RightsRequest.ChangeInput(change: .refused, reasons: "Third request").resolved(today: Self.today) }
        #expect(throws: StewardError.self) {
            try RightsRequest.ChangeInput(change: .started, date: CalendarDate(year: 2026, month: 3, day: 3)!).resolved(today: Self.today)
        }
        let staffCode = RightsRequest.ChangeInput(change: .identityVerified, identity: IdentityCheck(method: .emailCode))
        #expect(throws: StewardError.self) { try staffCode.resolved(today: Self.today) }
        let refused = try RightsRequest.ChangeInput(change: .refused, reasons: "Third request", ground: .excessive).resolved(today: Self.today)
        #expect(refused.change == .refused(ground: .excessive, reasons: "Third request"))
        #expect(refused.date == Self.today)
    }

    @Test("change names are one vocabulary: every name parses, and an unknown one lists them all")
    func changeNames() throws {
        for name in RightsRequest.Change.Name.allCases { #expect(try RightsRequest.Change.Name(parsing: name.rawValue) == name) }
        let error = #expect(throws: StewardError.self) { try RightsRequest.Change.Name(parsing: "extend") }
        #expect(error?.message.contains("identity_requested") == true && error?.message.contains("withdrawn") == true)
        #expect(error?.field == "change")
        let decoded = try JSONDecoder().decode(RightsRequest.ChangeInput.self, from: Data(#"{"change":"fee_received"}"#.utf8))
        #expect(decoded.change == .feeReceived)
    }

    /// Day received (and started), the day an extension is notified, and whether it is allowed.
    static let extensions: [(String, String, Bool)] = [
        ("2026-03-02", "2026-03-20", true),
        ("2026-03-02", "2026-04-02", true),
        ("2026-03-02", "2026-04-03", false),
        // 31 Jan → 28 Feb is a Saturday, so the first month runs to Monday 2 March.
        ("2026-01-31", "2026-03-02", true),
        ("2026-01-31", "2026-03-03", false),
    ]

    @Test("an extension must be notified within the first month (UK GDPR Art 12(3))", arguments: extensions)
    func extensionWindow(_ received: String, _ notified: String, _ allowed: Bool) throws {
        let clock = StatutoryClock(holidays: BankHolidays(dates: []))
        var request = RightsRequest(id: "SR-1", kind: .access, received: CalendarDate(iso: received)!, requester: Self.amy)
        try request.apply(.init(date: CalendarDate(iso: received)!, change: .started, actor: "staff"))
        if allowed {
            try clock.checkExtension(for: request.timeline, notifiedOn: CalendarDate(iso: notified)!)
        } else {
            let error = #expect(throws: StewardError.self) {
                try clock.checkExtension(for: request.timeline, notifiedOn: CalendarDate(iso: notified)!)
            }
            #expect(error?.field == "date")
        }
    }

    @Test("a request is extended once, and only while its clock runs")
    func extensionOnce() throws {
        let clock = StatutoryClock(holidays: BankHolidays(dates: []))
        var request = RightsRequest(id: "SR-1", kind: .access, received: Self.today, requester: Self.amy)
        try request.apply(.init(date: Self.today, change: .started, actor: "staff"))
        try request.apply(.init(date: Self.today, change: .clarificationRequested, actor: "staff"))
        #expect(throws: StewardError.self) { try clock.checkExtension(for: request.timeline, notifiedOn: Self.today) }
        try request.apply(.init(date: Self.today, change: .clarificationReceived, actor: "staff"))
        try request.apply(.init(date: Self.today, change: .extended(reasons: "Many systems"), actor: "staff"))
        #expect(throws: StewardError.self) { try clock.checkExtension(for: request.timeline, notifiedOn: Self.today) }
    }

    @Test("a period ahead is days or weeks, never negative or absurd", arguments: [("7d", 7), ("2w", 14), ("10", 10), ("0d", 0)])
    func periods(_ text: String, _ days: Int) throws {
        #expect(try RightsRequest.days(text, field: "--within") == days)
    }

    @Test("a period that is not days or weeks is refused, naming where it came from", arguments: ["-1d", "7x", "", "d", "99999w"])
    func badPeriods(_ text: String) {
        let error = #expect(throws: StewardError.self) { try RightsRequest.days(text, field: "--within") }
        #expect(error?.field == "--within")
    }

    @Test("a request's plan must be for its kind, and an access request is searched, not changed")
    func plansMatchKinds() throws {
        #expect(try ChangePlan(kind: .access, corrections: nil, erasure: nil) == nil)
        #expect(try ChangePlan(kind: .erasure, corrections: nil, erasure: nil) == .erasure(ErasurePolicy()))
        #expect(try ChangePlan(kind: .objection, corrections: nil, erasure: nil) == .restriction)
        let corrections = #expect(throws: StewardError.self) { try ChangePlan(kind: .erasure, corrections: [], erasure: nil) }
        #expect(corrections?.field == "corrections")
        let policy = #expect(throws: StewardError.self) { try ChangePlan(kind: .access, corrections: nil, erasure: ErasurePolicy()) }
        #expect(policy?.field == "erasure")
        #expect(throws: StewardError.self) { try ChangePlan(kind: .complaint, corrections: nil, erasure: nil) }
    }
}
