/// Reading requests: one, lists and what is due, the Art 15 information, and letters as they
/// would be sent.
extension RequestService {
    /// One request.
    public func request(_ id: RightsRequest.ID, today date: CalendarDate? = nil) async throws -> View {
        try view(try await requests.request(id), today: date ?? today())
    }

    /// Requests by state, kind and deadline: open requests first, soonest (most overdue) deadline
    /// first, paused ones after, then closed ones newest first.
    public func list(
        states: Set<RightsRequest.State>? = nil,
        kind: RightsRequest.Kind? = nil,
        dueBefore: CalendarDate? = nil,
        subject: Subject.ID? = nil,
        today date: CalendarDate? = nil,
        limit: Int = 500
    ) async throws -> [Summary] {
        let today = date ?? self.today()
        let found = try await requests.requests(states: states, kind: kind, dueBefore: dueBefore, subject: subject)
        let summaries = try found.map { request in
            let view = try view(request, today: today)
            return Summary(
                id: request.id,
                kind: request.kind,
                state: view.state,
                received: request.received,
                due: view.clock.due,
                overdue: view.overdue,
                daysLeft: view.daysLeft,
                requesterName: request.requester.name,
                openTasks: request.tasks.filter { $0.status == .open }.count
            )
        }
        return Array(summaries.sorted(by: Summary.precedes).prefix(limit))
    }

    /// Requests whose clock is running and that fall due within `days` of today, with every
    /// overdue one, soonest first. A paused request has no deadline until it runs again, so it is
    /// not due (`RightsRequest.State.clockRunning`).
    public func due(within days: Int, today date: CalendarDate? = nil) async throws -> [Summary] {
        let today = date ?? self.today()
        guard days >= 0 else { throw StewardError(.invalidInput, "the period must not be negative", field: "within") }
        return try await list(states: RightsRequest.State.clockRunning, dueBefore: today.adding(days: days), today: today)
    }

    /// The Art 15 information for the person: the systems searched that hold or may hold their
    /// data (tasks not marked `not_held`) and everything the disclosure log holds about them.
    public func supplementaryInformation(for id: RightsRequest.ID, today date: CalendarDate? = nil) async throws -> SupplementaryInformation {
        guard let map = try await dataMaps.current()?.dataMap else {
            throw StewardError(.conflict, "no data map has been loaded, so there is nothing to say what the council holds")
        }
        let request = try await requests.request(id)
        return supplementaryInformation(for: request, map: map, disclosures: try await disclosures(of: request), today: date ?? today())
    }

    func supplementaryInformation(
        for request: RightsRequest,
        map: DataMap,
        disclosures: [Disclosure],
        today: CalendarDate
    ) -> SupplementaryInformation {
        SupplementaryInformation(
            dataMap: map,
            taxonomy: taxonomy,
            adequacy: adequacy,
            systems: request.tasks.filter { $0.status != .notHeld }.map(\.system),
            disclosures: disclosures,
            on: today
        )
    }

    /// What the disclosure log holds about the person a request is linked to.
    func disclosures(of request: RightsRequest) async throws -> [Disclosure] {
        guard let subject = request.subject else { return [] }
        return try await people.disclosures(of: subject)
    }

    /// A letter as it would be sent now, for staff to read or print.
    public func previewLetter(_ kind: LetterKind, for id: RightsRequest.ID, today date: CalendarDate? = nil) async throws -> RenderedLetter {
        let today = date ?? self.today()
        let request = try await requests.request(id)
        let map = try await dataMaps.current()?.dataMap
        var reasons: String?
        switch request.events.last?.change {
        case .extended(let given), .refused(_, let given): reasons = given
        default: break
        }
        return try render(
            kind,
            for: request,
            reading: clock.reading(for: request.timeline),
            map: map,
            today: today,
            reasons: reasons,
            ground: nil,
            disclosures: try await disclosures(of: request)
        )
    }
}

extension RequestService.Summary {
    /// The order lists are read in: open requests by deadline, soonest (most overdue) first, then
    /// paused ones (no deadline while paused), then closed ones, newest first.
    static func precedes(_ lhs: Self, _ rhs: Self) -> Bool {
        let left = (lhs.state.isClosed ? 2 : lhs.due == nil ? 1 : 0, lhs.due ?? lhs.received, lhs.id.rawValue)
        let right = (rhs.state.isClosed ? 2 : rhs.due == nil ? 1 : 0, rhs.due ?? rhs.received, rhs.id.rawValue)
        if left.0 != right.0 { return left.0 < right.0 }
        if left.0 == 2 { return left.1 > right.1 }
        return left.1 != right.1 ? left.1 < right.1 : left.2 < right.2
    }
}

/// Requests received and closed in one week (Monday to Sunday), by kind: what the console's chart
/// draws.
public struct WeekActivity: Sendable, Hashable {
    /// The Monday the week begins.
    public var week: CalendarDate
    public var received: [RightsRequest.Kind: Int]
    public var closed: [RightsRequest.Kind: Int]
}

extension RightsRequest {
    /// The day the request was completed, refused or withdrawn, if it has been.
    public var closedOn: CalendarDate? {
        events.last { event in
            switch event.change {
            case .completed, .refused, .withdrawn: true
            default: false
            }
        }?.date
    }
}

extension RequestService {
    /// The last `weeks` weeks, oldest first, ending with the week of `today`, with every week
    /// present (empty ones too).
    public func weeklyActivity(weeks: Int = 8, today date: CalendarDate? = nil) async throws -> [WeekActivity] {
        guard (1...104).contains(weeks) else { throw StewardError(.invalidInput, "weeks must be from 1 to 104", field: "weeks") }
        let today = date ?? self.today()
        let thisWeek = today.adding(days: -today.weekdayIndex)
        let first = thisWeek.adding(days: -7 * (weeks - 1))
        var activity = (0..<weeks).map { WeekActivity(week: first.adding(days: 7 * $0), received: [:], closed: [:]) }
        func index(of day: CalendarDate) -> Int? {
            let offset = first.days(until: day)
            guard offset >= 0, offset < 7 * weeks else { return nil }
            return offset / 7
        }
        for request in try await requests.requests(states: nil, kind: nil, dueBefore: nil, subject: nil) {
            if let week = index(of: request.received) { activity[week].received[request.kind, default: 0] += 1 }
            if let closed = request.closedOn, let week = index(of: closed) { activity[week].closed[request.kind, default: 0] += 1 }
        }
        return activity
    }
}

extension RequestService {
    /// The changes a request can take today: those its workflow allows (`RightsRequest.allowedChanges`),
    /// less an extension the clock would refuse (already extended, not running, or past the first month).
    public func allowedChanges(of request: RightsRequest, today date: CalendarDate? = nil) -> [RightsRequest.Change.Name] {
        let today = date ?? self.today()
        return request.allowedChanges(on: today).filter { name in
            name != .extended || (try? clock.checkExtension(for: request.timeline, notifiedOn: today)) != nil
        }
    }
}
