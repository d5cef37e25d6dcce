/// Who a decision is about: a subject id, or identifiers that find one person.
public enum SubjectReference: Sendable, Hashable {
    case id(Subject.ID)
    case identifiers([Subject.Identifier])
}

/// A decision as recorded: the gate's answer with its id and the subject it was about.
public struct DecisionRecord: Sendable, Hashable, Codable {
    public var id: String
    public var subject: Subject.ID?
    public var allowed: Bool
    public var basis: [String]
    public var obligations: [Obligation]
    public var reasons: [String]
    /// For a what-if, the day it was decided as on; such a decision is recorded but permits nothing.
    public var asOf: CalendarDate?

    public init(
        id: String,
        subject: Subject.ID?,
        allowed: Bool,
        basis: [String],
        obligations: [Obligation],
        reasons: [String],
        asOf: CalendarDate? = nil
    ) {
        self.id = id
        self.subject = subject
        self.allowed = allowed
        self.basis = basis
        self.obligations = obligations
        self.reasons = reasons
        self.asOf = asOf
    }
}

/// A disclosure about one person, waiting to be written to their disclosure log with the audit
/// entry of the decision that allowed it.
public struct DisclosureRecord: Sendable, Hashable {
    public var subject: Subject.ID
    public var disclosure: Disclosure
    /// Who asked for it (a token or user name).
    public var actor: String

    public init(subject: Subject.ID, disclosure: Disclosure, actor: String) {
        self.subject = subject
        self.disclosure = disclosure
        self.actor = actor
    }
}

/// Where the people the council holds data about are kept, with what they said and what was
/// disclosed about them. Each call is one unit of work with its audit entries.
public protocol GateRepository: Sendable {
    /// Records a new person with identifiers already checked and normalised
    /// (`Subject.Identifier.checked`). An identifier that already belongs to someone is a conflict
    /// naming its kind (never its value).
    func createSubject(
        identifiers: [Subject.Identifier],
        dateOfBirth: CalendarDate?,
        isAdultAtRisk: Bool,
        verifiedEmails: [String],
        actor: String
    ) async throws -> Subject
    /// The person all the given (normalised) identifiers belong to, after any merge; nil when there
    /// is no such single person.
    func findSubject(identifiers: [Subject.Identifier]) async throws -> Subject?
    /// A person by id; a merged record leads to the record it was merged into.
    func subject(_ id: Subject.ID) async throws -> Subject?
    /// Merges two records of one person: `from`'s identifiers, preferences and disclosures move to
    /// `into`, and `from` is kept, marked as merged.
    func mergeSubjects(from: Subject.ID, into: Subject.ID, actor: String) async throws -> Subject
    /// The person a reference finds, with their preferences, in one visit.
    func subjectWithPreferences(_ reference: SubjectReference) async throws -> (Subject, [Preference])?
    /// Every preference a person has given, withdrawn ones included, oldest first.
    func preferences(of subject: Subject.ID) async throws -> [Preference]
    /// Stores a checked preference for an existing person, audited.
    func addPreference(_ preference: Preference, to subject: Subject.ID, actor: String) async throws -> Preference
    /// Changes one of a person's preferences by `change` (a rule of Core, run inside the unit of
    /// work so it sees the preference as stored), audited.
    func withdrawPreference(
        _ id: Preference.ID,
        of subject: Subject.ID,
        actor: String,
        _ change: @escaping @Sendable (Preference) throws -> Preference
    ) async throws -> Preference
    /// Everything disclosed about a person outside the council, oldest first.
    func disclosures(of subject: Subject.ID) async throws -> [Disclosure]
    /// Appends a decision's audit entry and, when it allowed a disclosure about a person, the
    /// disclosure, in the same transaction (through the audit log's group commit).
    func recordDecision(_ event: AuditEvent, disclosure: DisclosureRecord?) async throws
}
