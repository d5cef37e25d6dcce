import StewardCore
import Testing

/// Where an agreement stands on a day, as the console flags it for renewal.
@Suite("Agreement standing")
struct AgreementStandingTests {
    static let agreement = Recipient.Agreement(
        kind: .sharingAgreement,
        reference: "DSA-1",
        categories: ["user.name"],
        purposes: ["library_membership"],
        starts: CalendarDate(iso: "2025-04-01")!,
        ends: CalendarDate(iso: "2027-03-31")!
    )

    @Test(
        "an agreement is flagged from 90 days before its end day, which is still in force, and after it",
        arguments: [
            ("2025-03-31", Recipient.Agreement.Standing.notYetInForce(starts: CalendarDate(iso: "2025-04-01")!)),
            ("2025-04-01", .inForce),
            ("2026-12-30", .inForce),
            ("2027-01-01", .endingSoon(ends: CalendarDate(iso: "2027-03-31")!, days: 90)),
            ("2027-03-31", .endingSoon(ends: CalendarDate(iso: "2027-03-31")!, days: 1)),
            ("2027-04-01", .ended(ends: CalendarDate(iso: "2027-03-31")!)),
        ]
    )
    func standing(day: String, expected: Recipient.Agreement.Standing) {
        let date = CalendarDate(iso: day)!
        #expect(Self.agreement.standing(on: date) == expected)
        // The gate's own test agrees: in force exactly when not yet in force or ended is false.
        let inForce: Bool =
            switch expected {
            case .inForce, .endingSoon: true
            case .notYetInForce, .ended: false
            }
        #expect(Self.agreement.isInForce(on: date) == inForce)
    }

    @Test("an agreement with no end is never flagged")
    func noEnd() {
        var open = Self.agreement
        open.ends = nil
        #expect(open.standing(on: CalendarDate(iso: "2040-01-01")!) == .inForce)
        #expect(!open.standing(on: CalendarDate(iso: "2040-01-01")!).needsAttention)
    }
}
