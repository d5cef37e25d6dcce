import Foundation

/// Runs rights requests: intake, identity, the workflow, tasks, letters and the Art 15 information;
/// and, in `RequestService+Access` and `RequestService+Changes`, the searches and changes in the
/// council's own sources. Every change is one unit of work holding the request, its audit entries
/// and its letters, so the audit log, the request and the outbox cannot disagree. HTTP and the
/// command line both go through here.
///
/// The rules it applies are Core's pure functions (`RightsRequest.Intake.request`,
/// `RightsRequest.apply`, `StatutoryClock`, `ChangePlanner`, …); this type loads what they need,
/// calls them, and records what they decided.
public struct RequestService: Sendable {
    public let requests: any RequestRepository
    /// The register of people, for linking a request to the person and reading their disclosures.
    public let people: any GateRepository
    /// The council's own databases.
    public let sources: any SourceRepository
    public let dataMaps: DataMapCache
    public let taxonomy: Taxonomy
    public let adequacy: AdequacyList
    public let clock: StatutoryClock
    public let letters: any LetterRendering
    /// Keys identity codes are checked against.
    public let codeKey: Secret.Key
    /// Keys erasure's HMAC and encrypted masking.
    public let erasureKeys: ErasureKeys
    /// Collections under a legal hold by configuration, which no erasure touches.
    public let legalHolds: Set<String>
    /// Today's date; tests move it to walk a request through the calendar.
    public let today: @Sendable () -> CalendarDate
    /// Codes a resident may ask for on one request before staff must issue one.
    public static let publicCodeLimit = 3

    public init(
        requests: any RequestRepository,
        people: any GateRepository,
        sources: any SourceRepository,
        dataMaps: DataMapCache,
        taxonomy: Taxonomy,
        adequacy: AdequacyList,
        clock: StatutoryClock,
        letters: any LetterRendering,
        codeKey: Secret.Key,
        erasureKeys: ErasureKeys,
        legalHolds: Set<String> = [],
        today: @escaping @Sendable () -> CalendarDate = { .today }
    ) {
        self.requests = requests
        self.people = people
        self.sources = sources
        self.dataMaps = dataMaps
        self.taxonomy = taxonomy
        self.adequacy = adequacy
        self.clock = clock
        self.letters = letters
        self.codeKey = codeKey
        self.erasureKeys = erasureKeys
        self.legalHolds = legalHolds
        self.today = today
    }

    /// A request with where it stands.
    public struct View: Sendable, Hashable, Codable {
        public var request: RightsRequest
        public var state: RightsRequest.State
        public var clock: ClockReading
        public var overdue: Bool
        /// Days until the deadline (negative when overdue); nil while paused.
        public var daysLeft: Int?
    }

    /// One line of a list of requests.
    public struct Summary: Sendable, Hashable, Codable {
        public var id: RightsRequest.ID
        public var kind: RightsRequest.Kind
        public var state: RightsRequest.State
        public var received: CalendarDate
        public var due: CalendarDate?
        public var overdue: Bool
        public var daysLeft: Int?
        public var requesterName: String
        public var openTasks: Int
    }

    /// What happened to a code typed by a resident.
    public enum CodeResult: Sendable, Hashable {
        case verified(View)
        case refused(IdentityChallenge.Outcome?)
    }

    func view(_ request: RightsRequest, today: CalendarDate) throws -> View {
        let state = try request.state()
        let reading = clock.reading(for: request.timeline)
        let daysLeft = reading.due.map { today.days(until: $0) }
        return View(
            request: request,
            state: state,
            clock: reading,
            overdue: !state.isClosed && (daysLeft ?? 0) < 0,
            daysLeft: state.isClosed ? nil : daysLeft
        )
    }

    /// The council as the current data map names it, for letters.
    static func controller(of map: DataMap?) -> Controller {
        map?.controller ?? Controller(name: "The council")
    }

    // MARK: Intake

    /// Records a new request, checked by `RightsRequest.Intake.request`. From the public, a code is
    /// sent to the address given to confirm identity, and the clock starts when it is entered. The
    /// answer is the same whether or not the address belongs to anyone Steward knows.
    public func submit(_ intake: RightsRequest.Intake, actor: String, fromPublic: Bool, today date: CalendarDate? = nil) async throws -> View {
        let today = date ?? self.today()
        var generator = SystemRandomNumberGenerator()
        var request = try intake.request(id: RightsRequest.newReference(using: &generator), fromPublic: fromPublic, today: today)
        let map = try await dataMaps.current()?.dataMap
        if let subjectID = intake.subject {
            guard let subject = try await people.subject(subjectID) else {
                throw StewardError(.notFound, "no subject '\(subjectID)'", field: "subject")
            }
            request.subject = subject.id
            if let map {
                request.tasks = RequestScope.tasks(
                    for: request,
                    dataMap: map,
                    subject: subject,
                    disclosures: try await people.disclosures(of: subject.id)
                )
            }
        } else if let map {
            request.tasks = RequestScope.tasks(for: request, dataMap: map, subject: nil, disclosures: [])
        }
        // From the public, the address is proved by a code first, and until then gets only the
        // code: nothing the requester wrote. Otherwise the requester is acknowledged at once.
        var acknowledgement: RenderedLetter?
        if fromPublic {
            try request.apply(.init(date: today, change: .identityRequested, actor: "steward"))
        } else if request.requester.email != nil {
            acknowledgement = try acknowledge(&request, controller: Self.controller(of: map), today: today)
        }
        let reading = clock.reading(for: request.timeline)
        let stored = request
        let letter = acknowledgement
        let service = self
        let now = AuditChain.timestamp()
        try await requests.transaction { work in
            try await work.insert(stored, reading: reading, createdAt: now, actor: actor)
            var events = [
                AuditEvent(
                    actor: actor,
                    action: .requestCreate,
                    object: "request/\(stored.id)",
                    details: [
                        "kind": .string(stored.kind.rawValue), "received": .string(stored.received.description), "public": .bool(fromPublic),
                        "identifierKinds": .array(Set(stored.identifiers.map(\.kind)).sorted().map { .string($0.rawValue) }),
                        "representative": stored.requester.representative.map { .string($0.authority.rawValue) } ?? .null,
                        "subject": stored.subject.map { .string($0.rawValue) } ?? .null,
                        "tasks": .array(stored.tasks.map { .string($0.system.rawValue) }),
                        "due": reading.due.map { .string($0.description) } ?? .null,
                    ]
                )
            ]
            for event in stored.events { events.append(Self.auditEvent(for: event, request: stored, reading: reading)) }
            if fromPublic, let email = stored.requester.email {
                events += try await service.queueCode(
                    for: stored,
                    to: email,
                    codesIssued: 1,
                    reading: reading,
                    map: map,
                    today: today,
                    actor: "steward",
                    in: work
                )
            } else if let letter, let email = stored.requester.email {
                events.append(
                    try await work.enqueue(
                        OutgoingLetter(letter: letter, address: email, name: stored.requester.name, request: stored.id),
                        actor: actor
                    )
                )
            }
            return ((), events)
        }
        return try view(request, today: today)
    }

    /// The acknowledgement letter; for a complaint, sending it is the acknowledgement the law asks
    /// for (DPA 2018 s.164A), so it is recorded as an event too.
    func acknowledge(_ request: inout RightsRequest, controller: Controller, today: CalendarDate) throws -> RenderedLetter {
        if request.kind == .complaint { try request.apply(.init(date: today, change: .acknowledged, actor: "steward")) }
        return try letters.render(
            .acknowledgement,
            context: LetterContext(request: request, controller: controller, reading: clock.reading(for: request.timeline), today: today)
        )
    }

    // MARK: Changes

    /// Applies a change and sends the letter it calls for. A change the workflow does not allow is
    /// refused and changes nothing.
    public func apply(
        _ input: RightsRequest.ChangeInput,
        to id: RightsRequest.ID,
        actor: String,
        today date: CalendarDate? = nil
    ) async throws -> View {
        let today = date ?? self.today()
        let (change, date) = try input.resolved(today: today)
        let clock = self.clock
        return try await update(id, actor: actor, today: today) { request, map, work in
            if case .extended = change { try clock.checkExtension(for: request.timeline, notifiedOn: date) }
            try request.apply(.init(date: date, change: change, actor: actor))
            if case .identityVerified = change { try await link(&request, map: map, byEmailCode: false, in: work) }
            return LetterKind.sent(on: change).map { ($0, input.reasons, nil) }
        }
    }

    /// Sets a task's status, owner or note.
    public func updateTask(
        _ system: System.Key,
        of id: RightsRequest.ID,
        status: RequestTask.Status?,
        owner: String?,
        note: String?,
        actor: String,
        today date: CalendarDate? = nil
    ) async throws -> View {
        try await update(id, actor: actor, today: date ?? today(), action: .requestTask) { request, _, _ in
            try request.updateTask(system, status: status, owner: owner, note: note)
            return nil
        }
    }

    /// Loads a request for change, runs `body`, stores the result with its audit entries and the
    /// letter `body` asks for, in one unit of work.
    func update(
        _ id: RightsRequest.ID,
        actor: String,
        today: CalendarDate,
        action: AuditAction? = nil,
        _ body:
            @escaping @Sendable (inout RightsRequest, DataMap?, any RequestTransaction) async throws -> (
                LetterKind, String?, RightsRequest.RefusalGround?
            )?
    ) async throws -> View {
        let map = try await dataMaps.current()?.dataMap
        let service = self
        let request = try await requests.transaction { work in
            var request = try await work.requestForUpdate(id)
            let before = request
            let letterKind = try await body(&request, map, work)
            let reading = service.clock.reading(for: request.timeline)
            try await work.save(request, reading: reading)
            var events: [AuditEvent] = []
            for event in request.events.dropFirst(before.events.count) {
                events.append(Self.auditEvent(for: event, request: request, reading: reading))
            }
            if let action {
                let changed = zip(before.tasks, request.tasks).filter { $0 != $1 }.map(\.1)
                events.append(
                    AuditEvent(
                        actor: actor,
                        action: action,
                        object: "request/\(id)",
                        // An object, as every entry's details are: the tasks changed, by system.
                        details: [
                            "tasks": .array(changed.map { .object(["system": .string($0.system.rawValue), "status": .string($0.status.rawValue)]) })
                        ]
                    )
                )
            }
            if before.subject != request.subject, let subject = request.subject {
                events.append(
                    AuditEvent(actor: actor, action: .requestSubjectLinked, object: "request/\(id)", details: ["subject": .string(subject.rawValue)])
                )
            }
            if let (kind, reasons, ground) = letterKind, let email = request.requester.email {
                var disclosures: [Disclosure] = []
                if kind == .completion, let subjectID = request.subject, let subject = try await work.subject(subjectID) {
                    disclosures = try await work.disclosures(of: subject)
                }
                let letter = try service.render(
                    kind,
                    for: request,
                    reading: reading,
                    map: map,
                    today: today,
                    reasons: reasons,
                    ground: ground,
                    disclosures: disclosures
                )
                events.append(
                    try await work.enqueue(OutgoingLetter(letter: letter, address: email, name: request.requester.name, request: id), actor: actor)
                )
            }
            return (request, events)
        }
        return try view(request, today: today)
    }

    /// Links the person once their identity is confirmed: the subject all the request's
    /// identifiers belong to, or the one its email address belongs to. Tasks are worked out again
    /// with what is known of them, keeping the status of tasks already there.
    ///
    /// An emailed code proves only that the requester controls the address they gave, so it links
    /// only the person that address belongs to, and only when the requester asks for themselves.
    /// Staff checks (a document seen, a person known) link the person all the identifiers belong to.
    func link(_ request: inout RightsRequest, map: DataMap?, byEmailCode: Bool, in work: any RequestTransaction) async throws {
        if request.subject == nil {
            if byEmailCode {
                if request.requester.representative == nil, let email = request.requester.email {
                    request.subject = try await work.owner(of: Subject.Identifier(kind: .email, value: email))
                }
            } else {
                request.subject = try await work.owner(ofAll: request.identifiers)
            }
        }
        guard let map, let subjectID = request.subject, let subject = try await work.subject(subjectID) else { return }
        request.subject = subject.id
        let disclosures = try await work.disclosures(of: subject)
        request.mergeTasks(RequestScope.tasks(for: request, dataMap: map, subject: subject, disclosures: disclosures))
    }

    static func auditEvent(for event: RightsRequest.Event, request: RightsRequest, reading: ClockReading) -> AuditEvent {
        var details: [String: JSONValue] = [
            "date": .string(event.date.description), "state": .string((try? request.state().rawValue) ?? "invalid"),
            "due": reading.due.map { .string($0.description) } ?? .null, "paused": .bool(reading.isPaused),
        ]
        switch event.change {
        case .identityVerified(let check):
            details["method"] = .string(check.method.rawValue)
            details["checkedBy"] = check.checkedBy.map { .string($0) } ?? .null
        case .refused(let ground, _): details["ground"] = .string(ground.rawValue)
        case .extended: details["extended"] = .bool(reading.isExtended)
        default: break
        }
        return AuditEvent(actor: event.actor, action: .request(event.change.name), object: "request/\(request.id)", details: .object(details))
    }

    func render(
        _ kind: LetterKind,
        for request: RightsRequest,
        reading: ClockReading,
        map: DataMap?,
        today: CalendarDate,
        reasons: String?,
        ground: RightsRequest.RefusalGround?,
        code: String? = nil,
        disclosures: [Disclosure] = []
    ) throws -> RenderedLetter {
        var supplementary: SupplementaryInformation?
        if kind == .completion, request.kind == .access || request.kind == .cctvAccess, let map {
            supplementary = supplementaryInformation(for: request, map: map, disclosures: disclosures, today: today)
        }
        var groundGiven = ground
        if case .refused(let refusal, _) = request.events.last?.change { groundGiven = groundGiven ?? refusal }
        return try letters.render(
            kind,
            context: LetterContext(
                request: request,
                controller: Self.controller(of: map),
                reading: reading,
                today: today,
                code: code,
                reasons: reasons,
                refusalGround: groundGiven,
                supplementary: supplementary
            )
        )
    }
}
