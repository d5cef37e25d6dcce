import StewardCore
import StewardFiles
import Testing

@Suite("Statutory clock")
struct StatutoryClockTests {
    static let clock = StatutoryClock(holidays: try! BankHolidaysFile.load(path: nil))

    static func date(_ text: String) -> CalendarDate { CalendarDate(iso: text)! }

    /// A received date and the deadline the rules give, with why.
    struct Case: Sendable, CustomTestStringConvertible {
        var received: String
        var due: String
        var why: String
        var testDescription: String { "\(received) → \(due): \(why)" }
    }

    static let oneMonthCases: [Case] = [
        Case(received: "2026-01-31", due: "2026-03-02", why: "no 31 February: 28 Feb is a Saturday, so Monday 2 March"),
        Case(received: "2026-03-03", due: "2026-04-07", why: "3 April is Good Friday and 6 April Easter Monday"),
        Case(received: "2026-03-31", due: "2026-04-30", why: "April has no 31st: its last day"),
        Case(received: "2026-01-30", due: "2026-03-02", why: "28 February 2026 is the last day, a Saturday"),
        Case(received: "2028-01-31", due: "2028-02-29", why: "leap year: 29 February 2028 is a Tuesday"),
        Case(received: "2028-02-29", due: "2028-03-29", why: "from a leap day"),
        Case(received: "2026-11-25", due: "2026-12-29", why: "Christmas Day is a Friday and Boxing Day's substitute Monday 28 December"),
        Case(received: "2026-04-04", due: "2026-05-05", why: "4 May is the Early May bank holiday"),
        Case(received: "2026-06-15", due: "2026-07-15", why: "an ordinary Wednesday"),
    ]

    @Test("one calendar month, to the corresponding date, rolled to the next working day", arguments: oneMonthCases)
    func oneMonth(_ testCase: Case) {
        let reading = Self.clock.reading(for: RequestTimeline(received: Self.date(testCase.received)))
        #expect(reading.due == Self.date(testCase.due))
    }

    @Test("the clock starts at the latest of receipt, identity and fee")
    func startsAtLatestEvent() {
        let reading = Self.clock.reading(
            for: RequestTimeline(received: Self.date("2026-03-03"), idReceived: Self.date("2026-03-10"), feeReceived: Self.date("2026-03-05"))
        )
        #expect(reading.start == Self.date("2026-03-10"))
        #expect(reading.due == Self.date("2026-04-10"))
        #expect(reading.regime == .dataUseAndAccessAct)
    }

    @Test("a pause for clarification adds its days, across a month end, then rolls")
    func pauseAcrossMonthEnd() {
        let timeline = RequestTimeline(
            received: Self.date("2026-03-20"),
            pauses: [.init(asked: Self.date("2026-03-25"), answered: Self.date("2026-04-05"))]
        )
        let reading = Self.clock.reading(for: timeline)
        #expect(reading.pausedDays == 11)
        #expect(reading.due == Self.date("2026-05-01"))  // 20 April + 11 days
    }

    @Test("while a pause is open there is no deadline; two pauses add up")
    func openAndRepeatedPauses() {
        let open = Self.clock.reading(for: RequestTimeline(received: Self.date("2026-06-01"), pauses: [.init(asked: Self.date("2026-06-03"))]))
        #expect(open.isPaused)
        #expect(open.due == nil)
        let two = Self.clock.reading(
            for: RequestTimeline(
                received: Self.date("2026-06-01"),
                pauses: [
                    .init(asked: Self.date("2026-06-03"), answered: Self.date("2026-06-05")),
                    .init(asked: Self.date("2026-06-10"), answered: Self.date("2026-06-13")),
                ]
            )
        )
        #expect(two.pausedDays == 5)
        #expect(two.due == Self.date("2026-07-06"))  // 1 July + 5 = Monday 6 July
    }

    @Test("a request received before 5 February 2026 follows the earlier rule: pauses do not move its deadline")
    func beforeCommencementNoPause() {
        let reading = Self.clock.reading(
            for: RequestTimeline(
                received: Self.date("2026-01-20"),
                pauses: [.init(asked: Self.date("2026-01-22"), answered: Self.date("2026-01-30"))]
            )
        )
        #expect(reading.regime == .ukGDPRBeforeDUAA)
        #expect(reading.due == Self.date("2026-02-20"))
        #expect(reading.notes.contains { $0.contains("no codified pause") })
    }

    @Test("an extension notified within the first month gives two more months; one notified later does not")
    func extensions() {
        let inTime = Self.clock.reading(for: RequestTimeline(received: Self.date("2026-03-03"), extensionNotified: Self.date("2026-04-07")))
        #expect(inTime.isExtended)
        #expect(inTime.due == Self.date("2026-06-03"))
        let late = Self.clock.reading(for: RequestTimeline(received: Self.date("2026-03-03"), extensionNotified: Self.date("2026-04-08")))
        #expect(!late.isExtended)
        #expect(late.due == Self.date("2026-04-07"))
        #expect(late.notes.contains { $0.contains("does not apply") })
        let extendedAndPaused = Self.clock.reading(
            for: RequestTimeline(
                received: Self.date("2026-01-31").adding(days: 7),
                pauses: [.init(asked: Self.date("2026-02-10"), answered: Self.date("2026-02-12"))],
                extensionNotified: Self.date("2026-02-20")
            )
        )
        #expect(extendedAndPaused.due == Self.date("2026-05-11"))  // 7 Feb + 3 months = 7 May, + 2 days = 9 May (Sat) → Mon 11 May
    }

    @Test("a DPA 1998 record has 40 days beginning with the later of request, fee and identity")
    func dpa1998() {
        let reading = Self.clock.reading(
            for: RequestTimeline(received: Self.date("2017-03-01"), feeReceived: Self.date("2017-03-03"), madeUnderDPA1998: true)
        )
        #expect(reading.regime == .dpa1998)
        #expect(reading.due == Self.date("2017-04-11"))
    }

    @Test("a complaint is acknowledged within 30 days beginning on receipt")
    func complaintAcknowledgement() {
        let reading = Self.clock.reading(for: RequestTimeline(kind: .complaint, received: Self.date("2026-06-19")))
        #expect(reading.regime == .complaintAcknowledgement)
        #expect(reading.due == Self.date("2026-07-18"))
    }

    @Test("the bundled bank holidays cover 2020 to 2030")
    func holidaysCoverage() {
        #expect(Self.clock.holidays.years.lowerBound <= 2020)
        #expect(Self.clock.holidays.years.upperBound >= 2030)
        #expect(Self.clock.holidays.dates.contains(Self.date("2026-12-28")))
    }

    @Test("date arithmetic round-trips and knows weekends", arguments: ["1970-01-01", "2000-02-29", "2026-11-29", "2031-12-31", "1969-07-20"])
    func dateArithmetic(_ text: String) {
        let date = Self.date(text)
        #expect(CalendarDate(dayNumber: date.dayNumber) == date)
        #expect(date.adding(days: 7).isWeekend == date.isWeekend)
    }
}
