import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore

/// Recording a request that came by post, by phone or in person. The answers are read as the
/// portal reads its forms (`PortalController.Answers`), with what only staff give besides: the day
/// it was received, a postal address, and whether it was made under the 1998 Act. It is checked by
/// the intake's own rules, as the API's `POST /requests` is, and submitted by the same service.
extension ConsoleController {
    static let newRequestFields = ["kind", "received", "address", "dpa1998"]

    func newRequestPages(_ page: PageRegistrar) {
        page(.get, "/console/requests/new", .requestWorkers, nil) { _, _, signed in
            try await newRequestPage(signed, answers: ["kind": "access", "received": services.today().description], errors: [])
        }
        page(.post, "/console/requests/new", .requestWorkers, nil) { _, _, signed in try await newRequestPosted(signed) }
    }

    /// Errors in the order of the form's fields, as the summary lists them.
    static func ordered(_ errors: [(field: String, message: String)]) -> [(field: String, message: String)] {
        let order = ["kind", "received", "name", "email", "address", "description", "date", "from", "until", "location", "person", "dpa1998"]
        return errors.sorted { (order.firstIndex(of: $0.field) ?? order.count) < (order.firstIndex(of: $1.field) ?? order.count) }
    }

    func newRequestPage(_ signed: Signed, answers: [String: String], errors: [(field: String, message: String)]) async throws -> Response {
        var context = try await layout(title: "Record a request", session: signed.session, errors: errors, here: "requests")
        for (name, value) in answers { context[name] = value }
        for error in errors { context["\(error.field)Error"] = error.message }
        context["kinds"] = RightsRequest.Kind.allCases.map { kind -> [String: Any] in
            ["value": kind.rawValue, "label": Self.sentence(kind.words), "selected": kind.rawValue == answers["kind"]]
        }
        context["dpa1998Checked"] = answers["dpa1998"] == "yes"
        return try html("console-request-new", context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func newRequestPosted(_ signed: Signed) async throws -> Response {
        let form = signed.form
        let answers = PortalController.Answers(form)
        var values = answers.values
        for field in Self.newRequestFields { values[field] = form.text(field) ?? "" }
        var errors: [(field: String, message: String)] = []
        guard let kind = RightsRequest.Kind(rawValue: values["kind"]!) else {
            return try await newRequestPage(signed, answers: values, errors: [("kind", "Choose the right the person is exercising")])
        }
        // A right the portal does not offer (a request about something else) is read as any other.
        let right =
            PortalController.forms.first { $0.kind == kind }
            ?? .init(slug: kind.rawValue, kind: kind, title: "", intro: "", descriptionLabel: "", descriptionHint: "", descriptionCheck: "")

        let received = CalendarDate(iso: values["received"]!)
        if received == nil { errors.append(("received", "Enter the day the request was received as YYYY-MM-DD, like 2026-11-27")) }
        if answers["name"].isEmpty { errors.append(("name", "Enter the requester's full name")) }
        if right.isCCTV, CalendarDate(iso: answers["date"]) == nil { errors.append(("date", "Enter the date of the footage, like 2026-11-27")) }
        var intake = answers.intake(right)
        intake.received = received
        intake.requester.postalAddress = values["address"]!.nilIfEmpty
        intake.madeUnderDPA1998 = values["dpa1998"] == "yes"
        // The intake's own rules, as the API applies them, beside what the form found missing.
        do {
            _ = try intake.request(id: .init("SR-CHECK"), fromPublic: false, today: services.today())
        } catch let error as StewardError where error.code == .invalidInput {
            let field =
                switch error.field {
                case "received": "received"
                case "madeUnderDPA1998": "dpa1998"
                case "requester.postalAddress": "address"
                default: PortalController.formField(error.field)
                }
            if !errors.contains(where: { $0.field == field }) { errors.append((field, Self.sentence(error.message))) }
        }
        guard errors.isEmpty else { return try await newRequestPage(signed, answers: values, errors: Self.ordered(errors)) }
        let view = try await services.requests.submit(intake, actor: signed.session.account.actor, fromPublic: false)
        return .redirect(to: "/console/requests/\(view.request.id.rawValue)?changed=recorded", type: .normal)
    }
}
