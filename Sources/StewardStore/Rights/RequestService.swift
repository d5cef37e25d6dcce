import Foundation
import SQLKit
public import StewardCore

/// Runs rights requests: intake, identity, the workflow, tasks, letters and the Art 15 information.
/// Every change is one transaction holding the request, its audit entries and its letters, so the
/// audit log, the request and the outbox cannot disagree. HTTP and the command line both go through
/// here.
public struct RequestService: Sendable {
    public let store: Store
    public let dataMaps: DataMapCache
    public let taxonomy: Taxonomy
    public let adequacy: AdequacyList
    public let clock: StatutoryClock
    public let letters: any LetterRendering
    /// Collections under a legal hold by configuration, which no erasure touches.
    public let legalHolds: Set<String>
    /// Codes a resident may ask for on one request before staff must issue one.
    public static let publicCodeLimit = 3

    public init(
        store: Store, dataMaps: DataMapCache, taxonomy: Taxonomy, adequacy: AdequacyList, clock: StatutoryClock, letters: any LetterRendering,
        legalHolds: Set<String> = []
    ) {
        self.legalHolds = legalHolds
        self.store = store
        self.dataMaps = dataMaps
        self.taxonomy = taxonomy
        self.adequacy = adequacy
        self.clock = clock
        self.letters = letters
    }

    /// A new request as given by staff or a resident.
    public struct Intake: Sendable, Hashable, Codable {
        public var kind: RightsRequest.Kind
        /// Defaults to today; staff may give an earlier date for a request that came by post.
        public var received: CalendarDate?
        public var requester: Requester
        public var description: String
        public var identifiers: [Subject.Identifier]
        public var cctv: CCTVDetails?
        public var madeUnderDPA1998: Bool
        /// Staff only: the person, when already known.
        public var subject: Subject.ID?

        public init(
            kind: RightsRequest.Kind, received: CalendarDate? = nil, requester: Requester, description: String,
            identifiers: [Subject.Identifier] = [], cctv: CCTVDetails? = nil, madeUnderDPA1998: Bool = false, subject: Subject.ID? = nil
        ) {
            self.kind = kind
            self.received = received
            self.requester = requester
            self.description = description
            self.identifiers = identifiers
            self.cctv = cctv
            self.madeUnderDPA1998 = madeUnderDPA1998
            self.subject = subject
        }

        /// Only kind, requester and description are needed; the rest may be left out.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(RightsRequest.Kind.self, forKey: .kind)
            received = try container.decodeIfPresent(CalendarDate.self, forKey: .received)
            requester = try container.decode(Requester.self, forKey: .requester)
            description = try container.decodeIfPresent(String.self, forKey: .description) ?? ""
            identifiers = try container.decodeIfPresent([Subject.Identifier].self, forKey: .identifiers) ?? []
            cctv = try container.decodeIfPresent(CCTVDetails.self, forKey: .cctv)
            madeUnderDPA1998 = try container.decodeIfPresent(Bool.self, forKey: .madeUnderDPA1998) ?? false
            subject = try container.decodeIfPresent(Subject.ID.self, forKey: .subject)
        }
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
            request: request, state: state, clock: reading, overdue: !state.isClosed && (daysLeft ?? 0) < 0, daysLeft: state.isClosed ? nil : daysLeft
        )
    }

    // MARK: Intake

    /// Records a new request. From the public, the request must give an email address: a code is
    /// sent to it to confirm identity, and the clock starts when it is entered. The answer is the
    /// same whether or not the address belongs to anyone Steward knows.
    public func submit(_ intake: Intake, actor: String, fromPublic: Bool, today: CalendarDate) async throws -> View {
        let received = fromPublic ? today : (intake.received ?? today)
        guard received <= today else { throw StewardError(.invalidInput, "the request cannot be received after today (\(today))", field: "received") }
        let requester = try intake.requester.validated()
        if fromPublic, requester.email == nil {
            throw StewardError(.invalidInput, "give an email address so we can send you a code to confirm your identity", field: "requester.email")
        }
        let description = intake.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard description.count <= 20_000 else {
            throw StewardError(.invalidInput, "the description is over 20,000 characters", field: "description")
        }
        if description.isEmpty, intake.kind != .cctvAccess {
            throw StewardError(.invalidInput, "say what the request is about", field: "description")
        }
        var cctv: CCTVDetails?
        switch (intake.kind, intake.cctv) {
        case (.cctvAccess, nil): throw StewardError(.invalidInput, "a CCTV request needs the date, times, location and a description", field: "cctv")
        case (.cctvAccess, let details?): cctv = try details.validated(received: received)
        case (_, .some): throw StewardError(.invalidInput, "CCTV details only go with kind cctv_access", field: "cctv")
        default: break
        }
        if intake.madeUnderDPA1998, received >= CalendarDate(year: 2018, month: 5, day: 25)! {
            throw StewardError(
                .invalidInput, "the Data Protection Act 1998 only applies to requests received before 25 May 2018", field: "madeUnderDPA1998")
        }
        if fromPublic, intake.subject != nil || intake.madeUnderDPA1998 {
            throw StewardError(
                .invalidInput, "a resident cannot set subject or madeUnderDPA1998", field: intake.subject != nil ? "subject" : "madeUnderDPA1998")
        }
        guard intake.identifiers.count <= 20 else { throw StewardError(.invalidInput, "give at most 20 identifiers", field: "identifiers") }
        var identifiers: [Subject.Identifier] = []
        for (index, identifier) in intake.identifiers.enumerated() {
            guard identifier.value.count <= 200, identifier.kind.count <= 100 else {
                throw StewardError(.invalidInput, "an identifier is over 200 characters", field: "identifiers[\(index)]")
            }
            do {
                let normalised = try identifier.normalised()
                if !identifiers.contains(normalised) { identifiers.append(normalised) }
            } catch var error as StewardError {
                error.field = "identifiers[\(index)]"
                throw error
            }
        }
        // A person asking for themselves is findable by the address they wrote from.
        if requester.representative == nil, let email = requester.email, !identifiers.contains(where: { $0.kind == "email" && $0.value == email }) {
            identifiers.append(Subject.Identifier(kind: "email", value: email))
        }
        var request = RightsRequest(
            id: Self.newReference(), kind: intake.kind, received: received, madeUnderDPA1998: intake.madeUnderDPA1998, requester: requester,
            description: description, identifiers: identifiers, cctv: cctv
        )
        let map = try await dataMaps.current()?.dataMap
        if let subjectID = intake.subject {
            guard let subject = try await store.subject(subjectID) else {
                throw StewardError(.notFound, "no subject '\(subjectID)'", field: "subject")
            }
            request.subject = subject.id
            if let map {
                request.tasks = RequestScope.tasks(
                    for: request, dataMap: map, subject: subject, disclosures: try await store.disclosures(of: subject.id))
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
            acknowledgement = try acknowledge(&request, controller: map?.controller ?? Controller(name: "The council"), today: today)
        }
        let reading = clock.reading(for: request.timeline)
        let stored = request
        let letter = acknowledgement
        let service = self
        let now = AuditChain.timestamp()
        try await store.writeAudited { database in
            try await Store.insert(stored, reading: reading, createdAt: now, actor: actor, on: database)
            var events = [
                AuditEvent(
                    actor: actor, action: "request.create", object: "request/\(stored.id)",
                    details: [
                        "kind": .string(stored.kind.rawValue), "received": .string(stored.received.description), "public": .bool(fromPublic),
                        "identifierKinds": .array(Set(stored.identifiers.map(\.kind)).sorted().map { .string($0) }),
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
                    for: stored, to: email, codesIssued: 1, reading: reading, map: map, today: today, actor: "steward", on: database)
            } else if let letter {
                events.append(
                    try await Store.enqueue(
                        letter, to: stored.requester.email!, name: stored.requester.name, request: stored.id, code: nil, actor: actor, on: database))
            }
            return ((), events)
        }
        return try view(request, today: today)
    }

    /// The acknowledgement letter; for a complaint, sending it is the acknowledgement the law asks
    /// for, so it is recorded as an event too.
    func acknowledge(_ request: inout RightsRequest, controller: Controller, today: CalendarDate) throws -> RenderedLetter {
        if request.kind == .complaint { try request.apply(.init(date: today, change: .acknowledged, actor: "steward")) }
        return try letters.render(
            .acknowledgement,
            context: LetterContext(request: request, controller: controller, reading: clock.reading(for: request.timeline), today: today))
    }

    /// A reference that is hard to guess and easy to read out: `SR-` and twelve characters with no
    /// look-alikes (about 60 bits).
    static func newReference() -> RightsRequest.ID {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return .init("SR-\(String(characters[0..<4]))-\(String(characters[4..<8]))-\(String(characters[8..<12]))")
    }

    // MARK: Changes

    /// What staff may ask to happen to a request.
    public struct ChangeInput: Sendable, Hashable, Codable {
        public var change: String
        public var date: CalendarDate?
        public var reasons: String?
        public var ground: RightsRequest.RefusalGround?
        public var identity: IdentityCheck?

        public init(
            change: String, date: CalendarDate? = nil, reasons: String? = nil, ground: RightsRequest.RefusalGround? = nil,
            identity: IdentityCheck? = nil
        ) {
            self.change = change
            self.date = date
            self.reasons = reasons
            self.ground = ground
            self.identity = identity
        }

        /// The workflow change this input names, with its details checked.
        public func resolved() throws -> RightsRequest.Change {
            func reasonsGiven(_ what: String) throws -> String {
                guard let reasons = reasons?.trimmingCharacters(in: .whitespacesAndNewlines), !reasons.isEmpty else {
                    throw StewardError(.invalidInput, "\(what) needs reasons, which are sent to the requester", field: "reasons")
                }
                return reasons
            }
            switch change {
            case "identity_requested": return .identityRequested
            case "identity_verified":
                guard let identity else {
                    throw StewardError(.invalidInput, "say how identity was checked: method, evidence and checkedBy", field: "identity")
                }
                guard identity.method != .emailCode else {
                    throw StewardError(
                        .invalidInput, "an email code is confirmed by the requester entering it, not by staff", field: "identity.method")
                }
                return .identityVerified(try identity.validated())
            case "fee_received": return .feeReceived
            case "started": return .started
            case "clarification_requested": return .clarificationRequested
            case "clarification_received": return .clarificationReceived
            case "extended": return .extended(reasons: try reasonsGiven("an extension"))
            case "acknowledged": return .acknowledged
            case "completed": return .completed
            case "refused":
                guard let ground else {
                    throw StewardError(.invalidInput, "a refusal needs a ground: manifestly_unfounded or excessive", field: "ground")
                }
                return .refused(ground: ground, reasons: try reasonsGiven("a refusal"))
            case "withdrawn": return .withdrawn
            default:
                throw StewardError(
                    .invalidInput,
                    "unknown change '\(change)'; use identity_requested, identity_verified, fee_received, started, clarification_requested, clarification_received, extended, acknowledged, completed, refused or withdrawn",
                    field: "change"
                )
            }
        }
    }

    /// Applies a change and sends the letter it calls for. A change the workflow does not allow is
    /// refused and changes nothing.
    public func apply(_ input: ChangeInput, to id: RightsRequest.ID, actor: String, today: CalendarDate) async throws -> View {
        let change = try input.resolved()
        let date = input.date ?? today
        guard date <= today else { throw StewardError(.invalidInput, "the date cannot be after today (\(today))", field: "date") }
        // Clarification questions go in the letter; the reasons field carries them.
        if change == .clarificationRequested, (input.reasons ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw StewardError(.invalidInput, "say what information is needed; it is sent to the requester", field: "reasons")
        }
        let clock = self.clock
        return try await update(id, actor: actor, today: today) { request, map, database in
            if case .extended = change {
                let reading = clock.reading(for: request.timeline)
                let firstMonth = clock.firstMonthEnds(for: request.timeline)
                if reading.isExtended { throw StewardError(.conflict, "the request has already been extended", field: "change") }
                if reading.isAwaitingIdentity || reading.isPaused {
                    throw StewardError(
                        .conflict, "the clock is not running (\(reading.isPaused ? "paused" : "waiting for identity")); extend it once it runs",
                        field: "change")
                }
                if date > firstMonth {
                    throw StewardError(
                        .conflict, "the first month ended on \(firstMonth); an extension must be notified within it (UK GDPR Art 12(3))",
                        field: "date")
                }
            }
            try request.apply(.init(date: date, change: change, actor: actor))
            if case .identityVerified = change { try await link(&request, map: map, byEmailCode: false, on: database) }
            return LetterKind.sent(on: change).map { ($0, input.reasons, nil) }
        }
    }

    /// Sets a task's status, owner or note.
    public func updateTask(
        _ system: System.Key, of id: RightsRequest.ID, status: RequestTask.Status?, owner: String?, note: String?, actor: String, today: CalendarDate
    ) async throws -> View {
        try await update(id, actor: actor, today: today, action: "request.task") { request, _, _ in
            guard let index = request.tasks.firstIndex(where: { $0.system == system }) else {
                throw StewardError(.notFound, "the request has no task for system '\(system)'", field: "system")
            }
            guard !(try request.state().isClosed) else {
                throw StewardError(.conflict, "the request is closed; its tasks cannot change", field: "system")
            }
            if let status { request.tasks[index].status = status }
            if let owner {
                let trimmed = owner.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { throw StewardError(.invalidInput, "the owner cannot be empty", field: "owner") }
                request.tasks[index].owner = trimmed
            }
            if let note { request.tasks[index].note = note.isEmpty ? nil : note }
            return nil
        }
    }

    /// Loads a request for change, runs `body`, stores the result with its audit entries and the
    /// letter `body` asks for, in one transaction.
    func update(
        _ id: RightsRequest.ID, actor: String, today: CalendarDate, action: String? = nil,
        _ body:
            @escaping @Sendable (inout RightsRequest, DataMap?, any SQLDatabase) async throws -> (LetterKind, String?, RightsRequest.RefusalGround?)?
    ) async throws -> View {
        let map = try await dataMaps.current()?.dataMap
        let dialect = store.dialect
        let service = self
        let request = try await store.writeAudited { database in
            var request = try await Store.loadRequest(id, forUpdate: dialect == .postgres, on: database)
            let before = request
            let letterKind = try await body(&request, map, database)
            let reading = service.clock.reading(for: request.timeline)
            try await Store.save(request, reading: reading, on: database)
            var events: [AuditEvent] = []
            for event in request.events.dropFirst(before.events.count) {
                events.append(Self.auditEvent(for: event, request: request, reading: reading))
            }
            if let action {
                let changed = zip(before.tasks, request.tasks).filter { $0 != $1 }.map(\.1)
                events.append(
                    AuditEvent(
                        actor: actor, action: action, object: "request/\(id)",
                        details: .array(changed.map { .object(["system": .string($0.system.rawValue), "status": .string($0.status.rawValue)]) })
                    )
                )
            }
            if before.subject != request.subject, let subject = request.subject {
                events.append(
                    AuditEvent(
                        actor: actor, action: "request.subject_linked", object: "request/\(id)", details: ["subject": .string(subject.rawValue)]))
            }
            if let (kind, reasons, ground) = letterKind, let email = request.requester.email {
                var disclosures: [Disclosure] = []
                if kind == .completion, let subjectID = request.subject, let subject = try await Store.subject(subjectID, on: database) {
                    disclosures = try await Store.disclosures(of: subject, on: database)
                }
                let letter = try service.render(
                    kind, for: request, reading: reading, map: map, today: today, reasons: reasons, ground: ground, disclosures: disclosures)
                events.append(try await Store.enqueue(letter, to: email, name: request.requester.name, request: id, actor: actor, on: database))
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
    func link(_ request: inout RightsRequest, map: DataMap?, byEmailCode: Bool, on database: any SQLDatabase) async throws {
        if request.subject == nil {
            if byEmailCode {
                if request.requester.representative == nil, let email = request.requester.email {
                    request.subject = try await Store.owner(of: Subject.Identifier(kind: "email", value: email), on: database).map { .init($0) }
                }
            } else {
                request.subject = try await Store.owner(ofAll: request.identifiers, on: database)
            }
        }
        guard let map, let subjectID = request.subject, let subject = try await Store.subject(subjectID, on: database) else { return }
        request.subject = subject.id
        let disclosures = try await Store.disclosures(of: subject, on: database)
        let fresh = RequestScope.tasks(for: request, dataMap: map, subject: subject, disclosures: disclosures)
        var tasks = request.tasks
        for task in fresh {
            if let index = tasks.firstIndex(where: { $0.system == task.system }) {
                tasks[index].reasons = task.reasons
            } else {
                tasks.append(task)
            }
        }
        request.tasks = tasks
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
        return AuditEvent(actor: event.actor, action: "request.\(event.change.name)", object: "request/\(request.id)", details: .object(details))
    }

    func render(
        _ kind: LetterKind, for request: RightsRequest, reading: ClockReading, map: DataMap?, today: CalendarDate, reasons: String?,
        ground: RightsRequest.RefusalGround?, code: String? = nil, disclosures: [Disclosure] = []
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
                request: request, controller: map?.controller ?? Controller(name: "The council"), reading: reading, today: today, code: code,
                reasons: reasons, refusalGround: groundGiven, supplementary: supplementary
            )
        )
    }

    // MARK: Identity codes

    /// Emails a new code. Residents may ask for a few; after that, or once a code is locked, staff
    /// issue one (`fromPublic: false`).
    public func issueCode(for id: RightsRequest.ID, actor: String, fromPublic: Bool, today: CalendarDate) async throws {
        let map = try await dataMaps.current()?.dataMap
        let dialect = store.dialect
        let service = self
        try await store.writeAudited { database in
            let request = try await Store.loadRequest(id, forUpdate: dialect == .postgres, on: database)
            guard try request.state() == .awaitingIdentity else {
                throw StewardError(.conflict, "the request is not waiting for identity", field: "id")
            }
            guard let email = request.requester.email else {
                throw StewardError(.conflict, "the requester gave no email address, so a code cannot be sent", field: "requester.email")
            }
            let existing = try await Store.challenge(for: id, on: database)
            let issued = (existing?.codesIssued ?? 0) + 1
            if fromPublic {
                // Residents may ask again only on a request that began with a code; one where staff
                // asked for documents stays with the documents.
                guard let existing, !existing.challenge.isLocked, existing.codesIssued < Self.publicCodeLimit else {
                    throw StewardError(.conflict, "no more codes can be sent for this request; contact the council", field: "id")
                }
            }
            let events = try await service.queueCode(
                for: request, to: email, codesIssued: issued, reading: service.clock.reading(for: request.timeline), map: map, today: today,
                actor: actor, on: database)
            return ((), events)
        }
    }

    /// Issues a new code and queues the identity email carrying it: the challenge is kept as a
    /// keyed hash, the code sealed beside its waiting email and put in only as it is sent. Returns
    /// the audit entries (the code issued, the email queued).
    func queueCode(
        for request: RightsRequest, to email: String, codesIssued: Int, reading: ClockReading, map: DataMap?, today: CalendarDate,
        actor: String, on database: any SQLDatabase
    ) async throws -> [AuditEvent] {
        let (challenge, code) = IdentityChallenge.issue(at: Store.epochSeconds(), key: store.codeKey)
        try await Store.saveChallenge(challenge, codesIssued: codesIssued, request: request.id, on: database)
        let letter = try render(
            .identityRequest, for: request, reading: reading, map: map, today: today, reasons: nil, ground: nil, code: OutboxMessage.codeMarker)
        let mail = try await Store.enqueue(
            letter, to: email, name: request.requester.name, request: request.id,
            code: (try store.seal.seal(code, context: request.id.rawValue), challenge.expiresAt), actor: actor, on: database)
        let issued = AuditEvent(
            actor: actor, action: "request.identity.code_issued", object: "request/\(request.id)", details: ["codesIssued": .int(codesIssued)])
        return [issued, mail]
    }

    /// Checks a code a resident typed. Every try is recorded and audited before the answer is
    /// given, so a failed try is never lost to a rolled-back transaction.
    public func verifyCode(_ code: String, for id: RightsRequest.ID, today: CalendarDate) async throws -> CodeResult {
        let map = try await dataMaps.current()?.dataMap
        let dialect = store.dialect
        let service = self
        return try await store.writeAudited { database in
            // The request's row is locked first, so tries on one code are counted one at a time.
            let request: RightsRequest
            do {
                request = try await Store.loadRequest(id, forUpdate: dialect == .postgres, on: database)
            } catch let error as StewardError where error.code == .notFound {
                return (.refused(nil), [])
            }
            guard let stored = try await Store.challenge(for: id, on: database) else { return (.refused(nil), []) }
            var challenge = stored.challenge
            let outcome = challenge.check(code, at: Store.epochSeconds(), key: service.store.codeKey)
            if outcome == .used || outcome == .expired || (outcome == .locked && stored.challenge.isLocked) {
                return (.refused(outcome), [])
            }
            try await Store.saveChallenge(challenge, codesIssued: stored.codesIssued, request: id, on: database)
            switch outcome {
            case .verified:
                var request = request
                guard try request.state() == .awaitingIdentity else { return (.refused(.used), []) }
                let before = request.events.count
                try request.apply(.init(date: today, change: .identityVerified(IdentityCheck(method: .emailCode)), actor: "requester"))
                try await service.link(&request, map: map, byEmailCode: true, on: database)
                // The address is proved: now the acknowledgement, with the deadline, can go to it.
                let acknowledgement = try service.acknowledge(&request, controller: map?.controller ?? Controller(name: "The council"), today: today)
                let reading = service.clock.reading(for: request.timeline)
                try await Store.save(request, reading: reading, on: database)
                var events = request.events.dropFirst(before).map { Self.auditEvent(for: $0, request: request, reading: reading) }
                if let subject = request.subject {
                    events.append(
                        AuditEvent(
                            actor: "requester", action: "request.subject_linked", object: "request/\(id)",
                            details: ["subject": .string(subject.rawValue)]))
                }
                if let email = request.requester.email {
                    events.append(
                        try await Store.enqueue(
                            acknowledgement, to: email, name: request.requester.name, request: id, actor: "requester", on: database))
                }
                return (.verified(try service.view(request, today: today)), events)
            case .locked:
                let event = AuditEvent(
                    actor: "requester", action: "request.identity.code_locked", object: "request/\(id)",
                    details: ["attempts": .int(challenge.attempts)])
                return (.refused(.locked), [event])
            default:
                let event = AuditEvent(
                    actor: "requester", action: "request.identity.code_failed", object: "request/\(id)",
                    details: ["attempts": .int(challenge.attempts)])
                return (.refused(outcome), [event])
            }
        }
    }

    // MARK: Reading

    /// One request.
    public func request(_ id: RightsRequest.ID, today: CalendarDate) async throws -> View {
        let request = try await store.handle.read { database in try await Store.loadRequest(id, forUpdate: false, on: database) }
        return try view(request, today: today)
    }

    /// Requests by state, kind and deadline: open requests first, soonest (most overdue) deadline
    /// first, paused ones after, then closed ones newest first.
    public func list(
        states: Set<RightsRequest.State>? = nil, kind: RightsRequest.Kind? = nil, dueBefore: CalendarDate? = nil, today: CalendarDate,
        limit: Int = 500
    ) async throws -> [Summary] {
        let requests = try await store.handle.read { database in
            var query = SQLQueryString("SELECT document FROM rights_requests WHERE 1 = 1")
            if let states {
                let list = states.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ")
                query = query + SQLQueryString(" AND state IN (\(list))")
            }
            if let kind { query = query + " AND kind = " + "\(bind: kind.rawValue)" }
            if let dueBefore { query = query + " AND due IS NOT NULL AND due <= " + "\(bind: dueBefore.description)" }
            return try await database.raw(query).all().map { try Store.decodeRequest(from: $0) }
        }
        let summaries = try requests.map { request in
            let view = try view(request, today: today)
            return Summary(
                id: request.id, kind: request.kind, state: view.state, received: request.received, due: view.clock.due, overdue: view.overdue,
                daysLeft: view.daysLeft, requesterName: request.requester.name, openTasks: request.tasks.filter { $0.status == .open }.count
            )
        }
        return Array(
            summaries.sorted { lhs, rhs in
                let left = (lhs.state.isClosed ? 2 : lhs.due == nil ? 1 : 0, lhs.due ?? lhs.received, lhs.id.rawValue)
                let right = (rhs.state.isClosed ? 2 : rhs.due == nil ? 1 : 0, rhs.due ?? rhs.received, rhs.id.rawValue)
                if left.0 != right.0 { return left.0 < right.0 }
                if left.0 == 2 { return left.1 > right.1 }
                return left.1 != right.1 ? left.1 < right.1 : left.2 < right.2
            }.prefix(limit))
    }

    /// The Art 15 information for the person: the systems searched that hold or may hold their
    /// data (tasks not marked `not_held`) and everything the disclosure log holds about them.
    public func supplementaryInformation(for id: RightsRequest.ID, today: CalendarDate) async throws -> SupplementaryInformation {
        guard let map = try await dataMaps.current()?.dataMap else {
            throw StewardError(.conflict, "no data map has been loaded, so there is nothing to say what the council holds")
        }
        let request = try await self.request(id, today: today).request
        var disclosures: [Disclosure] = []
        if let subject = request.subject { disclosures = try await store.disclosures(of: subject) }
        return supplementaryInformation(for: request, map: map, disclosures: disclosures, today: today)
    }

    func supplementaryInformation(
        for request: RightsRequest, map: DataMap, disclosures: [Disclosure], today: CalendarDate
    ) -> SupplementaryInformation {
        SupplementaryInformation(
            dataMap: map, taxonomy: taxonomy, adequacy: adequacy, systems: request.tasks.filter { $0.status != .notHeld }.map(\.system),
            disclosures: disclosures, on: today
        )
    }

    /// A letter as it would be sent now, for staff to read or print.
    public func previewLetter(_ kind: LetterKind, for id: RightsRequest.ID, today: CalendarDate) async throws -> RenderedLetter {
        let request = try await self.request(id, today: today).request
        let map = try await dataMaps.current()?.dataMap
        var reasons: String?
        switch request.events.last?.change {
        case .extended(let given), .refused(_, let given): reasons = given
        default: break
        }
        var disclosures: [Disclosure] = []
        if let subject = request.subject { disclosures = try await store.disclosures(of: subject) }
        return try render(
            kind, for: request, reading: clock.reading(for: request.timeline), map: map, today: today, reasons: reasons, ground: nil,
            disclosures: disclosures)
    }
}
