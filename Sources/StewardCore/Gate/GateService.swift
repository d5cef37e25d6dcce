import Foundation

/// Runs the gate against the current data map and the person's preferences, and records every
/// decision in the audit log and every disclosure in the person's disclosure log; records people
/// and what they said. HTTP and the command line both go through here.
public struct GateService: Sendable {
    public let repository: any GateRepository
    public let dataMaps: DataMapCache
    public let taxonomy: Taxonomy
    public let adequacy: AdequacyList
    /// Today's date, for decisions and preferences given without a date.
    public let today: @Sendable () -> CalendarDate

    public init(
        repository: any GateRepository,
        dataMaps: DataMapCache,
        taxonomy: Taxonomy,
        adequacy: AdequacyList,
        today: @escaping @Sendable () -> CalendarDate = { .today }
    ) {
        self.repository = repository
        self.dataMaps = dataMaps
        self.taxonomy = taxonomy
        self.adequacy = adequacy
        self.today = today
    }

    /// Decides and records one request. Unknown systems, purposes, recipients, categories and
    /// subjects are errors naming the field: the caller asked about something that does not exist.
    ///
    /// With `asOf`, it is a what-if or a look back ("was this lawful on the day?"): decided as on
    /// that day against the current data map and the person's preferences as they stood then,
    /// audited as a what-if, and never written to the disclosure log, since nothing was disclosed.
    public func decide(
        _ request: DecisionRequest,
        subject reference: SubjectReference?,
        today date: CalendarDate? = nil,
        asOf: CalendarDate? = nil
    ) async throws -> DecisionRecord {
        guard let (stored, index) = try await dataMaps.indexed(taxonomy: taxonomy) else {
            throw StewardError(.conflict, "no data map has been loaded, so the gate has nothing to decide against")
        }
        try request.checkKnown(in: index, taxonomy: taxonomy)
        var subject: Subject?
        var preferences: [Preference] = []
        if let reference {
            guard let found = try await repository.subjectWithPreferences(try reference.normalised()) else {
                throw StewardError(.notFound, "no subject matches the identifiers given", field: "subject")
            }
            (subject, preferences) = found
        }
        let context = GateContext(
            dataMap: stored.dataMap,
            taxonomy: taxonomy,
            adequacy: adequacy,
            today: asOf ?? date ?? today(),
            subject: subject,
            preferences: preferences,
            index: index
        )
        let decision = Gate.decide(request, context: context)
        let (record, event, disclosure) = Self.record(decision, for: request, subject: subject?.id, id: UUID().uuidString.lowercased(), asOf: asOf)
        try await repository.recordDecision(event, disclosure: disclosure)
        return record
    }

    /// What a decision leaves behind: its record, its audit entry (ids and keys, never values), and
    /// for an allowed disclosure about a person, the entry in their disclosure log.
    static func record(
        _ decision: Decision,
        for request: DecisionRequest,
        subject: Subject.ID?,
        id: String,
        asOf: CalendarDate? = nil
    ) -> (DecisionRecord, AuditEvent, DisclosureRecord?) {
        let record = DecisionRecord(
            id: id,
            subject: subject,
            allowed: decision.allowed,
            basis: decision.basis,
            obligations: decision.obligations,
            reasons: decision.reasons,
            asOf: asOf
        )
        var details: [String: JSONValue] = [
            "subject": subject.map { .string($0.rawValue) } ?? .null, "system": .string(request.system.rawValue),
            "purpose": .string(request.purpose.rawValue), "recipient": request.recipient.map { .string($0.rawValue) } ?? .null,
            "categories": .array(request.categories.map { .string($0.rawValue) }),
            "channel": request.channel.map { .string($0.rawValue) } ?? .null,
            "basis": .array(decision.basis.map { .string($0) }), "reasons": .array(decision.reasons.map { .string($0) }),
            "justification": request.justification.map { .string(String(describing: $0)) } ?? .null,
        ]
        if let asOf {
            details["asOf"] = .string(asOf.description)
            details["allowed"] = .bool(decision.allowed)
        }
        let event = AuditEvent(
            actor: request.actor,
            action: asOf != nil ? .gateWhatIf : decision.allowed ? .gateAllow : .gateRefuse,
            object: "decision/\(id)",
            details: .object(details)
        )
        guard asOf == nil, decision.allowed, decision.isDisclosure, let subject, let recipient = request.recipient else {
            return (record, event, nil)
        }
        let disclosure = Disclosure(
            id: UUID().uuidString.lowercased(),
            decision: id,
            time: AuditChain.timestamp(),
            system: request.system,
            recipient: recipient,
            purpose: request.purpose,
            categories: request.categories,
            basis: decision.basis
        )
        return (record, event, DisclosureRecord(subject: subject, disclosure: disclosure, actor: request.actor))
    }

    // MARK: People and what they said

    /// Records a new person; identifiers are checked and normalised first.
    public func createSubject(
        identifiers: [Subject.Identifier],
        dateOfBirth: CalendarDate?,
        isAdultAtRisk: Bool,
        verifiedEmails: [String] = [],
        actor: String
    ) async throws -> Subject {
        let checked = try Subject.Identifier.checked(identifiers)
        let verified = try Subject.Identifier.normalisedEmails(verifiedEmails, at: "verifiedEmails")
        return try await repository.createSubject(
            identifiers: checked,
            dateOfBirth: dateOfBirth,
            isAdultAtRisk: isAdultAtRisk,
            verifiedEmails: verified,
            actor: actor
        )
    }

    /// The one person all the identifiers belong to, or nil.
    public func findSubject(identifiers: [Subject.Identifier]) async throws -> Subject? {
        try await repository.findSubject(identifiers: try Subject.Identifier.checked(identifiers))
    }

    /// A person by id; an error naming `id` when there is none.
    public func subject(_ id: Subject.ID) async throws -> Subject {
        guard let subject = try await repository.subject(id) else { throw StewardError(.notFound, "no subject with id '\(id)'", field: "id") }
        return subject
    }

    /// Merges `from` into `into`.
    public func mergeSubjects(from: Subject.ID, into: Subject.ID, actor: String) async throws -> Subject {
        guard from != into else { throw StewardError(.invalidInput, "a subject cannot be merged into itself", field: "from") }
        return try await repository.mergeSubjects(from: from, into: into, actor: actor)
    }

    /// Every preference a person has given, withdrawn ones included.
    public func preferences(of subject: Subject.ID) async throws -> [Preference] {
        try await repository.preferences(of: self.subject(subject).id)
    }

    /// Everything disclosed about a person outside the council.
    public func disclosures(of subject: Subject.ID) async throws -> [Disclosure] {
        try await repository.disclosures(of: self.subject(subject).id)
    }

    /// Records what a person said, checked against the rules for its kind and against the current
    /// data map (its purpose and recipient must be in it).
    public func addPreference(_ draft: Preference.Draft, to subject: Subject.ID, actor: String) async throws -> Preference {
        let map = try await dataMaps.current()?.dataMap
        let preference = try draft.validated(id: .init(UUID().uuidString.lowercased()), in: map, today: today())
        return try await repository.addPreference(preference, to: subject, actor: actor)
    }

    /// Withdraws a preference from `date` (today unless given), as `Preference.withdrawn` allows.
    public func withdrawPreference(
        _ id: Preference.ID,
        of subject: Subject.ID,
        on date: CalendarDate?,
        noticeGiven: CalendarDate?,
        actor: String
    ) async throws -> Preference {
        let date = date ?? today()
        return try await repository.withdrawPreference(id, of: subject, actor: actor) { preference in
            try preference.withdrawn(on: date, noticeGiven: noticeGiven)
        }
    }
}
