import Foundation
import Hummingbird
import StewardApp
import StewardCore
import StewardStore

/// The console's requests: a list filtered by status and right, and a request's own page with its
/// clock, timeline and tasks. What they show is what `RequestService` says; nothing is worked out
/// here but words.
extension ConsoleController {
    static let statusFilters: [(value: String, label: String)] = [("open", "Open"), ("closed", "Closed"), ("all", "All")]

    func requestsPage(_ request: Request, _ signed: Signed) async throws -> Response {
        let query = request.uri.queryParameters
        let status = query["status"].map(String.init) ?? "open"
        guard Self.statusFilters.contains(where: { $0.value == status }) else {
            throw StewardError(.invalidInput, "status must be open, closed or all", field: "status")
        }
        let kindText = query["kind"].map(String.init) ?? "any"
        let kind = RightsRequest.Kind(rawValue: kindText)
        guard kind != nil || kindText == "any" else {
            throw StewardError(.invalidInput, "the right must be one of those listed", field: "kind")
        }
        let states: Set<RightsRequest.State>? =
            switch status {
            case "open": RightsRequest.State.open
            case "closed": RightsRequest.State.closed
            default: nil
            }
        let found = try await services.requests.list(states: states, kind: kind, today: services.today())
        var context = try await layout(title: "Requests", session: signed.session, errors: [], here: "requests")
        context["canRecord"] = Set<Role>.requestWorkers.contains(signed.session.account.role)
        context["statuses"] = Self.statusFilters.map { ["value": $0.value, "label": $0.label, "selected": $0.value == status] }
        context["kinds"] =
            [["value": "any", "label": "Any right", "selected": kind == nil]]
            + RightsRequest.Kind.allCases.map { ["value": $0.rawValue, "label": Self.sentence($0.words), "selected": $0 == kind] }
        context["hasRequests"] = !found.isEmpty
        context["shown"] = found.isEmpty ? "No requests match." : "\(found.count) request\(found.count == 1 ? "" : "s")."
        context["requests"] = found.map(Self.row)
        return try html("console-requests", context)
    }

    /// A request as a row of a table: the dashboard's and the list's.
    static func row(_ summary: RequestService.Summary) -> [String: Any] {
        let days = summary.daysLeft ?? 0
        let paused = summary.state == .paused
        let soon = !summary.overdue && !paused && !summary.state.isClosed && (0...7).contains(days)
        return [
            "id": summary.id.rawValue, "kind": summary.kind.words, "received": summary.received.description,
            "due": summary.due?.description ?? (summary.state.isClosed ? "-" : "clock stopped"), "overdue": summary.overdue, "paused": paused,
            "soon": soon, "plain": !summary.overdue && !paused && !soon, "state": summary.state.words,
            "days": summary.overdue ? "by \(-days) day\(days == -1 ? "" : "s")" : "\(days) day\(days == 1 ? "" : "s")",
            "tasks": "\(summary.openTasks)",
        ]
    }

    func requestPage(_ httpRequest: Request, _ id: String, _ signed: Signed) async throws -> Response {
        let view = try await services.requests.request(.init(id), today: services.today())
        let request = view.request
        var context = try await layout(title: "Request \(request.id.rawValue)", session: signed.session, errors: [], here: "requests")
        if httpRequest.uri.queryParameters["changed"] == "recorded" {
            context["notice"] = "The request is recorded, received on \(request.received.longDescription)."
        } else if let changed = httpRequest.uri.queryParameters["changed"].map(String.init),
            let action = Self.actions.first(where: { $0.name.rawValue == changed })
        {
            context["notice"] = "Done: \(action.label.prefix(1).lowercased() + action.label.dropFirst())."
        }
        let works = Set<Role>.requestWorkers.contains(signed.session.account.role)
        if works {
            let allowed = services.requests.allowedChanges(of: request)
            let actions = Self.actions.filter { allowed.contains($0.name) }
            context["hasActions"] = !actions.isEmpty
            context["actions"] = actions.map { ["label": $0.label, "href": "/console/requests/\(id)/change/\($0.name.rawValue)"] }
        }
        let changes: [RightsRequest.Kind: String] = [
            .rectification: "Correct the person's records in every registered source, with a dry run first.",
            .erasure: "Erase the person's data in every registered source where the law allows, with a dry run first.",
            .restriction: "Mark the person restricted in the gate and flag their records in every registered source.",
            .objection: "Mark the person's objection in the gate and flag their records in every registered source.",
        ]
        if let words = changes[request.kind], view.state == .inProgress || view.state.isClosed {
            context["changeable"] = words
            context["changeReported"] = try await services.requests.changeReport(request.id) != nil
        }
        let run = try await services.requests.runStatus(request.id)
        context["runnable"] = works && request.kind == .access && view.state == .inProgress && run?.status != .running
        if let run {
            context["run"] = [
                "progress": Self.progress(run), "done": run.status == .done, "running": run.status == .running, "failed": run.status == .failed,
            ]
        }
        let letters = try await services.store.outbox(request: request.id)
        context["hasLetters"] = !letters.isEmpty
        context["letters"] = letters.map { message -> [String: String] in
            [
                "subject": message.subject, "to": message.toAddress, "status": message.status.rawValue,
                "kind": message.letter.replacingOccurrences(of: "_", with: " "),
            ]
        }
        let days = view.daysLeft ?? 0
        context["id"] = request.id.rawValue
        context["kindTitle"] = Self.sentence(request.kind.words)
        context["state"] = Self.sentence(view.state.words)
        context["overdue"] = view.overdue
        context["days"] = "by \(-days) day\(days == -1 ? "" : "s")"
        context["requester"] = request.requester.name
        context["received"] = request.received.longDescription
        context["due"] = view.clock.due?.longDescription ?? (view.state.isClosed ? "Closed" : "No deadline runs while the clock is stopped")
        context["clock"] = Self.explanation(view.clock)
        context["description"] = request.description
        context["events"] = request.events.map { ["date": $0.date.description, "what": $0.change.words, "actor": $0.actor] }
        context["hasTasks"] = !request.tasks.isEmpty
        context["tasks"] = request.tasks.map { task -> [String: Any] in
            [
                "system": task.systemName, "owner": task.owner, "status": task.status.rawValue.replacingOccurrences(of: "_", with: " "),
                "reasons": task.reasons.joined(separator: "; "), "key": task.system.rawValue,
                "open": task.status == .open && works && !view.state.isClosed,
            ]
        }
        return try html("console-request", context)
    }

    /// Why the clock says what it says, a line each.
    static func explanation(_ clock: ClockReading) -> [String] {
        var lines: [String] = []
        switch clock.regime {
        case .dataUseAndAccessAct:
            lines.append(
                "One calendar month from day 1, under UK GDPR as the Data (Use and Access) Act 2025 amended it, moved to the next working day when it falls on a weekend or bank holiday."
            )
        case .ukGDPRBeforeDUAA:
            lines.append(
                "One calendar month from day 1, under UK GDPR before the 2025 Act (the request was received before 5 February 2026): no pause stops it."
            )
        case .dpa1998:
            lines.append("40 days, under the Data Protection Act 1998.")
        case .complaintAcknowledgement:
            lines.append("A complaint is acknowledged within 30 days beginning on the day it was received (DPA 2018 s.164A).")
        }
        if clock.isAwaitingIdentity {
            lines.append("No deadline runs yet: the requester's identity has been asked for and not confirmed.")
        } else {
            lines.append("Day 1 is \(clock.start.longDescription).")
        }
        if clock.isPaused { lines.append("The clock is stopped until the information asked for arrives; the deadline is then worked out again.") }
        if clock.pausedDays > 0 {
            lines.append("It was stopped for \(clock.pausedDays) day\(clock.pausedDays == 1 ? "" : "s"), which the deadline moves by.")
        }
        if clock.isExtended { lines.append("It has been extended by two further months, and the requester told why.") }
        return lines + clock.notes
    }
}

extension RightsRequest.State {
    var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

extension RightsRequest.Change {
    /// What happened, as the timeline says it.
    var words: String {
        switch self {
        case .identityRequested: "Identity asked for"
        case .identityVerified(let check):
            switch check.method {
            case .emailCode: "Identity confirmed by the emailed code"
            case .documentSeen: "Identity confirmed: a document was seen"
            case .knownToStaff: "Identity confirmed: known to staff"
            }
        case .feeReceived: "Fee received"
        case .started: "Work started"
        case .clarificationRequested: "Clarification asked for (clock stopped)"
        case .clarificationReceived: "Clarification received (clock running)"
        case .extended(let reasons): "Extended: \(reasons)"
        case .acknowledged: "Acknowledged"
        case .completed: "Completed"
        case .refused(let ground, let reasons): "Refused as \(ground.rawValue.replacingOccurrences(of: "_", with: " ")): \(reasons)"
        case .withdrawn: "Withdrawn"
        }
    }
}
