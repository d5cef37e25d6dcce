import StewardCore
import Testing

@Suite("Registry")
struct RegistryTests {
    @Test(
        "sensitivity is inherited from a parent category",
        arguments: [
            (DataCategory.Key("user.health_and_medical"), DataCategory.Sensitivity.specialCategory),
            ("user.criminal_history", .criminalOffence),
            ("user.contact.email", .ordinary),
            ("user.equality_monitoring.ethnicity", .specialCategory),
            ("user.social_care.assessment", .specialCategory),
        ]
    )
    func sensitivity(_ key: DataCategory.Key, _ expected: DataCategory.Sensitivity) {
        #expect(Taxonomy.builtin.categories[key] != nil)
        #expect(Taxonomy.builtin.sensitivity(of: key) == expected)
    }

    @Test(
        "retention periods parse from words",
        arguments: [
            ("8 years", RetentionRule.Period(count: 8, unit: .years)), ("1 month", .init(count: 1, unit: .months)),
            ("30 days", .init(count: 30, unit: .days)), ("6 weeks", .init(count: 6, unit: .weeks)),
        ]
    )
    func periods(_ text: String, _ expected: RetentionRule.Period) {
        #expect(RetentionRule.Period(parsing: text) == expected)
    }

    @Test("periods that are not whole units are refused", arguments: ["8", "eight years", "0 days", "3 fortnights", "-1 years"])
    func badPeriods(_ text: String) {
        #expect(RetentionRule.Period(parsing: text) == nil)
    }

    @Test(
        "calendar dates parse only real days",
        arguments: [("2024-02-29", true), ("2025-02-29", false), ("2026-13-01", false), ("2026-1-01", false)]
    )
    func calendarDates(_ text: String, _ valid: Bool) {
        #expect((CalendarDate(iso: text) != nil) == valid)
    }

    static let today = CalendarDate(year: 2026, month: 11, day: 29)!

    static func recipient(country: String, agreements: [Recipient.Agreement.Kind], dpf: Bool = false) -> Recipient {
        Recipient(
            key: "r",
            name: "R",
            description: nil,
            kind: .processor,
            country: country,
            dpfCertified: dpf,
            agreements: agreements.map {
                .init(kind: $0, reference: "REF", categories: [], purposes: [], starts: CalendarDate(year: 2024, month: 1, day: 1)!, ends: nil)
            }
        )
    }

    @Test("a transfer is safeguarded by adequacy, the DPF, an IDTA or the Addendum, and by nothing else")
    func transferSafeguards() {
        let adequacy = AdequacyList.ukDefault
        #expect(TransferSafeguard.assess(country: "GB", recipient: nil, adequacy: adequacy, on: Self.today) == .domestic)
        #expect(TransferSafeguard.assess(country: "FR", recipient: nil, adequacy: adequacy, on: Self.today) == .adequacy(country: "FR"))
        let certified = Self.recipient(country: "US", agreements: [], dpf: true)
        #expect(TransferSafeguard.assess(country: "US", recipient: certified, adequacy: adequacy, on: Self.today) == .dataPrivacyFramework)
        let idta = Self.recipient(country: "US", agreements: [.art28Contract, .idta])
        #expect(TransferSafeguard.assess(country: "US", recipient: idta, adequacy: adequacy, on: Self.today) == .agreement(.idta, reference: "REF"))
        let contractOnly = Self.recipient(country: "IN", agreements: [.art28Contract])
        let none = TransferSafeguard.assess(country: "IN", recipient: contractOnly, adequacy: adequacy, on: Self.today)
        #expect(none == .none(country: "IN"))
        #expect(!none.isSafeguarded)
    }
}
