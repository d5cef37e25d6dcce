import Foundation

/// A request from a person to exercise a right, or a complaint, as the events that happened to it.
/// Its state and its statutory clock are both worked out from those events, so they cannot disagree.
public struct RightsRequest: Sendable, Hashable, Codable {
    public typealias ID = Key<RightsRequest>

    /// The rights and other requests Steward handles.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case access
        case rectification
        case erasure
        case restriction
        case objection
        case cctvAccess = "cctv_access"
        /// A data protection complaint (DPA 2018 s.164A).
        case complaint
        case other
    }

    /// Where a request stands.
    public enum State: String, Sendable, Hashable, Codable {
        case received
        case awaitingIdentity = "awaiting_identity"
        case inProgress = "in_progress"
        case paused
        case completed
        case refused
        case withdrawn

        /// True once nothing more can happen to the request.
        public var isClosed: Bool { self == .completed || self == .refused || self == .withdrawn }

        public static let open: Set<State> = [.received, .awaitingIdentity, .inProgress, .paused]
        /// Open requests whose deadline is watched: all but paused ones, whose clock is stopped
        /// until the information asked for arrives (UK GDPR Art 12A).
        public static let clockRunning: Set<State> = [.received, .awaitingIdentity, .inProgress]
        public static let closed: Set<State> = [.completed, .refused, .withdrawn]

        /// `open`, `closed`, or states separated by commas, as lists are filtered by.
        public static func parse(_ text: String) throws -> Set<State> {
            if text == "open" { return open }
            if text == "closed" { return closed }
            var states: Set<State> = []
            for part in text.split(separator: ",") {
                guard let state = State(rawValue: String(part)) else {
                    throw StewardError(
                        .invalidInput,
                        "status must be open, closed or one of received, awaiting_identity, in_progress, paused, completed, refused, withdrawn (comma-separated), not '\(part)'",
                        field: "status"
                    )
                }
                states.insert(state)
            }
            guard !states.isEmpty else { throw StewardError(.invalidInput, "status must name at least one state", field: "status") }
            return states
        }
    }

    /// Why a request may be refused (UK GDPR Art 12(5)).
    public enum RefusalGround: String, Sendable, Hashable, Codable, CaseIterable {
        case manifestlyUnfounded = "manifestly_unfounded"
        case excessive
    }

    /// Something that happened to the request. Events write it by name (`Event`); its own
    /// decoding reads the shape requests stored by earlier releases hold (`{"extended":{"reasons":…}}`).
    public enum Change: Sendable, Hashable, Decodable {
        case identityRequested
        /// Identity confirmed: by an emailed code, or by staff who saw a document (who and what).
        case identityVerified(IdentityCheck)
        case feeReceived
        /// Work started without needing identity (the person is already known).
        case started
        /// Information needed to identify what the request covers was asked for: the clock stops.
        case clarificationRequested
        case clarificationReceived
        /// Two more months, with the reasons told to the requester (UK GDPR Art 12(3)).
        case extended(reasons: String)
        /// A complaint's acknowledgement was sent (DPA 2018 s.164A(3)).
        case acknowledged
        case completed
        case refused(ground: RefusalGround, reasons: String)
        case withdrawn
    }

    /// A change on a date, by someone. It is written as the change was asked for
    /// (`RightsRequest.ChangeInput`): the change's name, and its details beside it.
    public struct Event: Sendable, Hashable, Codable {
        public var date: CalendarDate
        public var change: Change
        public var actor: String

        public init(date: CalendarDate, change: Change, actor: String) {
            self.date = date
            self.change = change
            self.actor = actor
        }

        enum CodingKeys: String, CodingKey {
            case date, change, actor, reasons, ground, identity
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            date = try container.decode(CalendarDate.self, forKey: .date)
            actor = try container.decode(String.self, forKey: .actor)
            guard let name = try? container.decode(Change.Name.self, forKey: .change) else {
                // Requests stored before events were written by name hold the change as an object
                // with one property named after its case.
                change = try container.decode(Change.self, forKey: .change)
                return
            }
            switch name {
            case .identityRequested: change = .identityRequested
            case .identityVerified: change = .identityVerified(try container.decode(IdentityCheck.self, forKey: .identity))
            case .feeReceived: change = .feeReceived
            case .started: change = .started
            case .clarificationRequested: change = .clarificationRequested
            case .clarificationReceived: change = .clarificationReceived
            case .extended: change = .extended(reasons: try container.decode(String.self, forKey: .reasons))
            case .acknowledged: change = .acknowledged
            case .completed: change = .completed
            case .refused:
                change = .refused(
                    ground: try container.decode(RefusalGround.self, forKey: .ground),
                    reasons: try container.decode(String.self, forKey: .reasons)
                )
            case .withdrawn: change = .withdrawn
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(date, forKey: .date)
            try container.encode(change.name, forKey: .change)
            try container.encode(actor, forKey: .actor)
            switch change {
            case .identityVerified(let check): try container.encode(check, forKey: .identity)
            case .extended(let reasons): try container.encode(reasons, forKey: .reasons)
            case .refused(let ground, let reasons):
                try container.encode(ground, forKey: .ground)
                try container.encode(reasons, forKey: .reasons)
            default: break
            }
        }
    }

    public var id: ID
    public var kind: Kind
    public var received: CalendarDate
    /// True for a request made under the Data Protection Act 1998.
    public var madeUnderDPA1998: Bool
    public var events: [Event]
    /// Who asked, and on whose behalf.
    public var requester: Requester
    /// What the person asked for, in their words.
    public var description: String
    /// The identifiers the requester gave, normalised; the searches start from them.
    public var identifiers: [Subject.Identifier]
    /// The person in Steward's register, once identity is confirmed and they are found.
    public var subject: Subject.ID?
    /// For CCTV access: where and when, and what the person looks like.
    public var cctv: CCTVDetails?
    /// One task per system the person may appear in.
    public var tasks: [RequestTask]

    public init(
        id: ID,
        kind: Kind,
        received: CalendarDate,
        madeUnderDPA1998: Bool = false,
        events: [Event] = [],
        requester: Requester = Requester(name: ""),
        description: String = "",
        identifiers: [Subject.Identifier] = [],
        subject: Subject.ID? = nil,
        cctv: CCTVDetails? = nil,
        tasks: [RequestTask] = []
    ) {
        self.id = id
        self.kind = kind
        self.received = received
        self.madeUnderDPA1998 = madeUnderDPA1998
        self.events = events
        self.requester = requester
        self.description = description
        self.identifiers = identifiers
        self.subject = subject
        self.cctv = cctv
        self.tasks = tasks
    }

    /// The state after every event, or an error naming the first change that was not allowed.
    public func state() throws -> State {
        var state = State.received
        for (index, event) in events.enumerated() {
            state = try Self.next(after: state, applying: event, at: index, kind: kind, received: received)
        }
        return state
    }

    /// Adds an event if the workflow allows it from the current state; otherwise throws and changes
    /// nothing.
    public mutating func apply(_ event: Event) throws {
        _ = try Self.next(after: try state(), applying: event, at: events.count, kind: kind, received: received)
        if event.change == .acknowledged, events.contains(where: { $0.change == .acknowledged }) {
            throw StewardError(.conflict, "the complaint has already been acknowledged", field: "change")
        }
        if event.change == .completed {
            let open = tasks.filter { $0.status == .open }
            guard open.isEmpty else {
                throw StewardError(
                    .conflict,
                    "the request cannot be completed while \(open.count) task\(open.count == 1 ? " is" : "s are") open: \(open.map(\.system.rawValue).joined(separator: ", "))",
                    field: "tasks"
                )
            }
        }
        if let last = events.last, event.date < last.date {
            throw StewardError(.invalidInput, "the event is dated \(event.date), before the request's last event on \(last.date)", field: "date")
        }
        events.append(event)
    }

    /// The date of the last event, or of receipt.
    public var lastActivity: CalendarDate { events.last?.date ?? received }

    /// The changes the workflow would take next, on `date`: each tried on a copy, with stand-in
    /// details, by the same rules `apply` uses, so what a page offers is what it would accept.
    public func allowedChanges(on date: CalendarDate) -> [Change.Name] {
        Change.Name.allCases.filter { name in
            var copy = self
            return (try? copy.apply(.init(date: max(date, lastActivity), change: name.standIn, actor: "check"))) != nil
        }
    }

    /// The workflow: received → awaiting identity → in progress ⇄ paused → completed, refused or
    /// withdrawn.
    static func next(after state: State, applying event: Event, at index: Int, kind: Kind, received: CalendarDate) throws -> State {
        func refuse(_ why: String) -> StewardError {
            StewardError(.conflict, "event \(index + 1) (\(event.change.name)) is not allowed: \(why)", field: "change")
        }
        if event.date < received { throw refuse("it is dated before the request was received") }
        if state.isClosed { throw refuse("the request is already \(state.rawValue.replacingUnderscores)") }
        switch (state, event.change) {
        case (.received, .identityRequested): return .awaitingIdentity
        case (.received, .started), (.awaitingIdentity, .identityVerified): return .inProgress
        case (.received, .identityVerified): return .inProgress
        case (_, .feeReceived): return state
        case (.received, .acknowledged), (.inProgress, .acknowledged), (.awaitingIdentity, .acknowledged):
            guard kind == .complaint else { throw refuse("only a complaint is acknowledged") }
            return state == .received ? .inProgress : state
        case (.inProgress, .clarificationRequested): return .paused
        case (.paused, .clarificationReceived): return .inProgress
        case (.inProgress, .extended(let reasons)), (.paused, .extended(let reasons)):
            guard !reasons.trimmingCharacters(in: .whitespaces).isEmpty else { throw refuse("an extension must give the requester its reasons") }
            return state
        case (.inProgress, .completed): return .completed
        case (_, .refused(_, let reasons)):
            guard !reasons.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw refuse("a refusal must give its reasons (UK GDPR Art 12(4))")
            }
            return .refused
        case (_, .withdrawn): return .withdrawn
        default:
            throw refuse("a request that is \(state.rawValue.replacingUnderscores) cannot take it")
        }
    }

    /// The events that move the statutory clock, for `StatutoryClock`.
    public var timeline: RequestTimeline {
        var timeline = RequestTimeline(kind: kind == .complaint ? .complaint : .rightsRequest, received: received, madeUnderDPA1998: madeUnderDPA1998)
        var openPause: CalendarDate?
        for event in events {
            switch event.change {
            case .identityVerified: timeline.idReceived = max(timeline.idReceived ?? event.date, event.date)
            case .feeReceived: timeline.feeReceived = event.date
            case .clarificationRequested: openPause = event.date
            case .clarificationReceived:
                if let asked = openPause { timeline.pauses.append(.init(asked: asked, answered: event.date)) }
                openPause = nil
            case .extended: timeline.extensionNotified = timeline.extensionNotified ?? event.date
            case .acknowledged: timeline.acknowledged = timeline.acknowledged ?? event.date
            default: break
            }
        }
        if let asked = openPause { timeline.pauses.append(.init(asked: asked)) }
        // Identity only moves the clock when it was asked for.
        if !events.contains(where: { $0.change == .identityRequested }) { timeline.idReceived = nil }
        timeline.awaitingIdentity = events.contains(where: { $0.change == .identityRequested }) && timeline.idReceived == nil
        return timeline
    }
}

extension RightsRequest.Change {
    /// The name of each kind of change, as the API, the command line and the audit log write it.
    public enum Name: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case identityRequested = "identity_requested"
        case identityVerified = "identity_verified"
        case feeReceived = "fee_received"
        case started
        case clarificationRequested = "clarification_requested"
        case clarificationReceived = "clarification_received"
        case extended
        case acknowledged
        case completed
        case refused
        case withdrawn

        public var description: String { rawValue }

        /// Every name, for messages listing what may be given.
        public static var list: String { RightsRequest.listed(allCases.map(\.rawValue)) }

        public init(parsing text: String) throws {
            guard let name = Name(rawValue: text) else {
                throw StewardError(.invalidInput, "unknown change '\(text)'; use \(Self.list)", field: "change")
            }
            self = name
        }

        public init(from decoder: any Decoder) throws {
            self = try Name(parsing: try decoder.singleValueContainer().decode(String.self))
        }
    }

    /// This change's name.
    public var name: Name {
        switch self {
        case .identityRequested: .identityRequested
        case .identityVerified: .identityVerified
        case .feeReceived: .feeReceived
        case .started: .started
        case .clarificationRequested: .clarificationRequested
        case .clarificationReceived: .clarificationReceived
        case .extended: .extended
        case .acknowledged: .acknowledged
        case .completed: .completed
        case .refused: .refused
        case .withdrawn: .withdrawn
        }
    }
}

extension RightsRequest.Change.Name {
    /// A change of this kind with stand-in details, for asking whether the workflow would take it.
    var standIn: RightsRequest.Change {
        switch self {
        case .identityRequested: .identityRequested
        case .identityVerified: .identityVerified(IdentityCheck(method: .knownToStaff, evidence: "-", checkedBy: "-"))
        case .feeReceived: .feeReceived
        case .started: .started
        case .clarificationRequested: .clarificationRequested
        case .clarificationReceived: .clarificationReceived
        case .extended: .extended(reasons: "-")
        case .acknowledged: .acknowledged
        case .completed: .completed
        case .refused: .refused(ground: .manifestlyUnfounded, reasons: "-")
        case .withdrawn: .withdrawn
        }
    }
}

extension RightsRequest {
    /// `a, b or c`, for messages that list the values a field takes.
    public static func listed(_ values: [String]) -> String {
        guard values.count > 1 else { return values.first ?? "" }
        return values.dropLast().joined(separator: ", ") + " or " + values.last!
    }
}
