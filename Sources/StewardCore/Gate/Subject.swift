/// A person the council holds data about, known by one or more identifiers.
public struct Subject: Sendable, Hashable, Codable {
    public typealias ID = Key<Subject>
    public var id: ID
    public var identifiers: [Identifier]
    /// Needed to know whether the person is a child (safeguarding, UK GDPR Art 8).
    public var dateOfBirth: CalendarDate?
    /// Recorded by staff: an adult at risk (Care Act 2014 s.42), for safeguarding decisions.
    public var isAdultAtRisk: Bool
    /// Email addresses the person has proved they control; special category data by email goes only
    /// to one of these.
    public var verifiedEmails: [String]

    public init(id: ID, identifiers: [Identifier], dateOfBirth: CalendarDate? = nil, isAdultAtRisk: Bool = false, verifiedEmails: [String] = []) {
        self.id = id
        self.identifiers = identifiers
        self.dateOfBirth = dateOfBirth
        self.isAdultAtRisk = isAdultAtRisk
        self.verifiedEmails = verifiedEmails
    }

    /// One way of finding the person: an email address, an NHS number, a system's own id.
    public struct Identifier: Sendable, Hashable, Codable {
        /// An identity kind key (`email`, `nhs_number`, `local_id`, …).
        public var kind: IdentityKind.Key
        public var value: String
        /// For `local_id`: the system whose id it is.
        public var system: System.Key?

        public init(kind: IdentityKind.Key, value: String, system: System.Key? = nil) {
            self.kind = kind
            self.value = value
            self.system = system
        }
    }

    /// True when the person is under 18 on `date`; false when the date of birth is not known.
    public func isChild(on date: CalendarDate) -> Bool {
        guard let born = dateOfBirth else { return false }
        let eighteenth = CalendarDate(
            year: born.year + 18,
            month: born.month,
            day: min(born.day, CalendarDate.daysInMonth(year: born.year + 18, month: born.month))
        )!
        return date < eighteenth
    }
}

/// How data reaches a recipient or the person.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
    case email
    case post
    case phone
    case sms
    case inPerson = "in_person"
    case secureTransfer = "secure_transfer"
    case api
}

/// What a person has said about the use of their data: dated, scoped to a purpose and/or a
/// recipient (or to everything when neither is given), and withdrawable.
public struct Preference: Sendable, Hashable, Codable {
    public typealias ID = Key<Preference>
    public var id: ID
    public var kind: Kind
    public var purpose: Purpose.Key?
    public var recipient: Recipient.Key?
    public var given: CalendarDate
    public var expires: CalendarDate?
    public var withdrawn: CalendarDate?

    public init(
        id: ID,
        kind: Kind,
        purpose: Purpose.Key? = nil,
        recipient: Recipient.Key? = nil,
        given: CalendarDate,
        expires: CalendarDate? = nil,
        withdrawn: CalendarDate? = nil
    ) {
        self.id = id
        self.kind = kind
        self.purpose = purpose
        self.recipient = recipient
        self.given = given
        self.expires = expires
        self.withdrawn = withdrawn
    }

    /// The kinds of wish the gate honours.
    public enum Kind: Sendable, Hashable, Codable {
        /// Consent (UK GDPR Art 6(1)(a)); explicit consent also meets Art 9(2)(a).
        case consent(explicit: Bool)
        /// "Do not share with X" or "do not use for Y".
        case refusal
        /// "Contact me only by …".
        case channels([Channel])
        /// An objection under UK GDPR Art 21(1), with its outcome.
        case objection(ObjectionOutcome)
        /// A restriction under UK GDPR Art 18, with its ground; lifted only after notice.
        case restriction(ground: String)
        /// Objection to direct marketing (UK GDPR Art 21(2)–(3)): absolute.
        case marketingOptOut
    }

    /// What became of an objection.
    public enum ObjectionOutcome: Sendable, Hashable, Codable {
        /// Not yet decided: processing on public task or legitimate interests stops meanwhile.
        case pending
        /// Upheld: processing on public task or legitimate interests stops.
        case upheld
        /// Overridden on compelling legitimate grounds (UK GDPR Art 21(1)); the reason is recorded.
        case overridden(reason: String)
        /// There is no right to object: the basis is legal obligation.
        case notApplicable
    }

    /// True when the preference is in force on `date`.
    public func isActive(on date: CalendarDate) -> Bool {
        given <= date && (withdrawn.map { date < $0 } ?? true) && (expires.map { date <= $0 } ?? true)
    }

    /// True when the preference's scope covers this purpose and recipient: an unscoped preference
    /// covers everything; a scoped one only what it names.
    public func covers(purpose: Purpose.Key, recipient: Recipient.Key?) -> Bool {
        (self.purpose.map { $0 == purpose } ?? true) && (self.recipient.map { $0 == recipient } ?? true)
    }
}
