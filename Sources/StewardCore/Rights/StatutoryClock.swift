/// The events of a request that move its statutory clock.
public struct RequestTimeline: Sendable, Hashable, Codable {
    /// What the clock is for.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A rights request under UK GDPR Arts 15–22.
        case rightsRequest = "rights_request"
        /// A data protection complaint (DPA 2018 s.164A): acknowledge within 30 days.
        case complaint
    }

    public var kind: Kind
    public var received: CalendarDate
    /// When the identity information asked for arrived.
    public var idReceived: CalendarDate?
    /// When a fee (where one is allowed) arrived.
    public var feeReceived: CalendarDate?
    /// True for a record made under the Data Protection Act 1998 (40 days).
    public var madeUnderDPA1998: Bool
    /// Waits for information needed to identify what the request covers (not format questions).
    public var pauses: [Pause]
    /// The extension, if the requester was told of one.
    public var extensionNotified: CalendarDate?
    /// Identity was asked for and has not arrived: the clock has not started.
    public var awaitingIdentity: Bool = false
    /// For a complaint: when it was acknowledged.
    public var acknowledged: CalendarDate?

    public init(
        kind: Kind = .rightsRequest,
        received: CalendarDate,
        idReceived: CalendarDate? = nil,
        feeReceived: CalendarDate? = nil,
        madeUnderDPA1998: Bool = false,
        pauses: [Pause] = [],
        extensionNotified: CalendarDate? = nil
    ) {
        self.kind = kind
        self.received = received
        self.idReceived = idReceived
        self.feeReceived = feeReceived
        self.madeUnderDPA1998 = madeUnderDPA1998
        self.pauses = pauses
        self.extensionNotified = extensionNotified
    }

    /// The clock stopped from the day clarification was asked for to the day it was answered.
    public struct Pause: Sendable, Hashable, Codable {
        public var asked: CalendarDate
        /// Nil while still waiting.
        public var answered: CalendarDate?

        public init(asked: CalendarDate, answered: CalendarDate? = nil) {
            self.asked = asked
            self.answered = answered
        }
    }
}

/// Which law's timing applies to a request.
public enum ClockRegime: String, Sendable, Hashable, Codable {
    /// UK GDPR as amended by the Data (Use and Access) Act 2025: received on or after 5 February 2026.
    case dataUseAndAccessAct = "duaa"
    /// UK GDPR before the 2025 Act: one month, no codified pause.
    case ukGDPRBeforeDUAA = "uk_gdpr_pre_duaa"
    /// Data Protection Act 1998 s.7: 40 days.
    case dpa1998
    /// DPA 2018 s.164A complaint: acknowledge within 30 days beginning on receipt.
    case complaintAcknowledgement = "complaint_acknowledgement"
}

/// Where a request's clock stands.
public struct ClockReading: Sendable, Hashable, Codable {
    public var regime: ClockRegime
    /// Day 1 of the clock.
    public var start: CalendarDate
    /// The deadline; nil while the clock is paused, since the pause's length is not yet known.
    public var due: CalendarDate?
    public var pausedDays: Int
    public var isPaused: Bool
    public var isExtended: Bool
    /// Plain-English notes: pauses not applied under the old law, an extension given too late, …
    public var notes: [String]
    /// True while identity has been asked for and not received: no deadline runs yet.
    public var isAwaitingIdentity: Bool = false
}

/// The statutory deadline of a request as a pure function of its events (UK GDPR Art 12(3), 12A;
/// DPA 1998 s.7; DPA 2018 s.164A), with the day counting of rules/uk-data-protection.md §1.
public struct StatutoryClock: Sendable {
    public let holidays: BankHolidays
    /// The day the Data (Use and Access) Act 2025's timing rules came into force.
    public static let duaaCommencement = CalendarDate(year: 2026, month: 2, day: 5)!

    public init(holidays: BankHolidays) {
        self.holidays = holidays
    }

    /// The day the first month ends: an extension must be notified by then (Art 12(3)).
    public func firstMonthEnds(for timeline: RequestTimeline) -> CalendarDate {
        holidays.rolledToWorkingDay(start(of: timeline).adding(months: 1))
    }

    /// Refuses an extension the law does not allow: a second one, one while the clock is not
    /// running, or one notified after the first month has ended (UK GDPR Art 12(3)).
    public func checkExtension(for timeline: RequestTimeline, notifiedOn date: CalendarDate) throws {
        let reading = reading(for: timeline)
        if reading.isExtended { throw StewardError(.conflict, "the request has already been extended", field: "change") }
        if reading.isAwaitingIdentity || reading.isPaused {
            throw StewardError(
                .conflict,
                "the clock is not running (\(reading.isPaused ? "paused" : "waiting for identity")); extend it once it runs",
                field: "change"
            )
        }
        let firstMonth = firstMonthEnds(for: timeline)
        if date > firstMonth {
            throw StewardError(
                .conflict,
                "the first month ended on \(firstMonth); an extension must be notified within it (UK GDPR Art 12(3))",
                field: "date"
            )
        }
    }

    /// Day 1 of the clock: the latest of receipt, identity and fee.
    func start(of timeline: RequestTimeline) -> CalendarDate {
        [timeline.received, timeline.idReceived, timeline.feeReceived].compactMap { $0 }.max()!
    }

    /// Reads the clock for a timeline.
    public func reading(for timeline: RequestTimeline) -> ClockReading {
        let start = start(of: timeline)
        var notes: [String] = []
        if timeline.kind == .complaint {
            // "Within 30 days beginning on receipt": the day of receipt is day 1. Once acknowledged,
            // the duty is to investigate without undue delay, which has no fixed date.
            if let acknowledged = timeline.acknowledged {
                return ClockReading(
                    regime: .complaintAcknowledgement,
                    start: timeline.received,
                    due: nil,
                    pausedDays: 0,
                    isPaused: false,
                    isExtended: false,
                    notes: ["Acknowledged on \(acknowledged); investigate without undue delay and keep the complainant updated."]
                )
            }
            return ClockReading(
                regime: .complaintAcknowledgement,
                start: timeline.received,
                due: timeline.received.adding(days: 29),
                pausedDays: 0,
                isPaused: false,
                isExtended: false,
                notes: []
            )
        }
        if timeline.awaitingIdentity {
            return ClockReading(
                regime: timeline.madeUnderDPA1998 ? .dpa1998 : timeline.received < Self.duaaCommencement ? .ukGDPRBeforeDUAA : .dataUseAndAccessAct,
                start: timeline.received,
                due: nil,
                pausedDays: 0,
                isPaused: false,
                isExtended: false,
                notes: ["The clock starts when the requester's identity is confirmed."],
                isAwaitingIdentity: true
            )
        }
        if timeline.madeUnderDPA1998 {
            // DPA 1998 s.7(8), (10): 40 days beginning with the later of request, fee and identity.
            return ClockReading(
                regime: .dpa1998,
                start: start,
                due: start.adding(days: 39),
                pausedDays: 0,
                isPaused: false,
                isExtended: false,
                notes: []
            )
        }
        let regime: ClockRegime = timeline.received < Self.duaaCommencement ? .ukGDPRBeforeDUAA : .dataUseAndAccessAct
        let oneMonth = firstMonthEnds(for: timeline)
        var months = 1
        var extended = false
        if let notified = timeline.extensionNotified {
            // Art 12(3): the requester must be told of an extension, with reasons, within the first month.
            if notified <= oneMonth {
                months = 3
                extended = true
            } else {
                notes.append("The extension was notified on \(notified), after the first month ended on \(oneMonth), so it does not apply.")
            }
        }
        var pausedDays = 0
        var isPaused = false
        if regime == .dataUseAndAccessAct {
            for pause in timeline.pauses {
                if let answered = pause.answered {
                    pausedDays += max(0, pause.asked.days(until: answered))
                } else {
                    isPaused = true
                }
            }
        } else if !timeline.pauses.isEmpty {
            notes.append("Received before 5 February 2026: the earlier rule has no codified pause, so pauses do not move the deadline.")
        }
        if regime == .ukGDPRBeforeDUAA {
            notes.append("Received before 5 February 2026: timed under UK GDPR before the Data (Use and Access) Act 2025.")
        }
        let due = holidays.rolledToWorkingDay(start.adding(months: months).adding(days: pausedDays))
        if !holidays.years.contains(due.year) {
            notes.append("The bank-holiday list does not cover \(due.year); the deadline ignores any bank holidays that year.")
        }
        return ClockReading(
            regime: regime,
            start: start,
            due: isPaused ? nil : due,
            pausedDays: pausedDays,
            isPaused: isPaused,
            isExtended: extended,
            notes: notes
        )
    }
}
