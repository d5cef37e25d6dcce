import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore

/// What staff do to a request from its page: each change the workflow allows (verify identity,
/// ask for clarification and resume, extend, refuse, complete, …) on a page of its own that says
/// what will happen and asks what the change needs; and, for an access request, the search of the
/// council's sources, as a dry run or for real, with its progress and the bundle it makes. Every
/// change goes through `RequestService.apply`, `runAccess` and `handOver`, as the API's do, with
/// the member of staff as the actor.
extension ConsoleController {
    /// A change as the console offers it.
    struct Action {
        var name: RightsRequest.Change.Name
        /// The link's words on the request's page, and the heading of the change's page.
        var label: String
        /// What doing it means, in a sentence.
        var explanation: String
        var button: String
        /// The fields the change's form asks for.
        var asksReasons = false
        var asksGround = false
        var asksIdentity = false
        var reasonsLabel = "Reasons"
        var reasonsHint = ""
        /// Shown as a warning: the change closes the request.
        var closes = false
    }

    /// The changes the console offers, in the order it lists them; a fee is left to the API.
    static let actions: [Action] = [
        Action(
            name: .identityVerified,
            label: "Confirm the requester's identity",
            explanation: "Record how you know the requester is the person the data is about. The clock starts from today.",
            button: "Confirm identity",
            asksIdentity: true
        ),
        Action(
            name: .identityRequested,
            label: "Ask for proof of identity",
            explanation:
                "Steward writes to the requester asking them to confirm who they are. The clock does not start until they have.",
            button: "Ask for proof of identity"
        ),
        Action(
            name: .started,
            label: "Start work",
            explanation: "Record that work has started without asking for identity, for a requester you already know.",
            button: "Start work"
        ),
        Action(
            name: .acknowledged,
            label: "Acknowledge the complaint",
            explanation: "Record that the complaint has been acknowledged (DPA 2018 s.164A asks for this within 30 days).",
            button: "Acknowledge"
        ),
        Action(
            name: .clarificationRequested,
            label: "Ask for clarification",
            explanation:
                "Steward writes to the requester asking what you need to find the information. The clock stops until they answer (UK GDPR Art 12A).",
            button: "Ask and stop the clock",
            asksReasons: true,
            reasonsLabel: "What do you need to know?",
            reasonsHint: "This goes in the letter to the requester."
        ),
        Action(
            name: .clarificationReceived,
            label: "Record the clarification received",
            explanation: "The requester has answered. The clock runs again and the deadline moves by the days it was stopped.",
            button: "Restart the clock"
        ),
        Action(
            name: .extended,
            label: "Extend by two months",
            explanation:
                "For a complex or numerous request. Steward writes to the requester with your reasons, which must be within the first month (UK GDPR Art 12(3)).",
            button: "Extend and tell the requester",
            asksReasons: true,
            reasonsLabel: "Why does the request need more time?",
            reasonsHint: "This goes in the letter to the requester."
        ),
        Action(
            name: .completed,
            label: "Complete the request",
            explanation: "Steward writes to the requester that the request is done; for access, with the information Art 15 asks for.",
            button: "Complete the request",
            closes: true
        ),
        Action(
            name: .refused,
            label: "Refuse the request",
            explanation:
                "Steward writes to the requester with your reasons, their right to complain to the ICO and to go to court (UK GDPR Art 12(4)).",
            button: "Refuse and tell the requester",
            asksReasons: true,
            asksGround: true,
            reasonsLabel: "Why is the request refused?",
            reasonsHint: "This goes in the letter to the requester.",
            closes: true
        ),
        Action(
            name: .withdrawn,
            label: "Record that the requester withdrew",
            explanation: "The requester no longer wants the request answered.",
            button: "Record the withdrawal",
            closes: true
        ),
    ]

    static func action(_ text: String) throws -> Action {
        guard let action = actions.first(where: { $0.name.rawValue == text }) else {
            throw StewardError(.notFound, "there is no such change of a request")
        }
        return action
    }

    // MARK: Changes

    func changePage(
        _ id: String,
        _ action: Action,
        _ signed: Signed,
        values: [String: String] = [:],
        errors: [(field: String, message: String)] = [],
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let view = try await services.requests.request(.init(id), today: services.today())
        guard services.requests.allowedChanges(of: view.request).contains(action.name) else {
            return try await errorPage(
                .conflict,
                heading: "This request cannot take that change",
                message: "A request that is \(view.state.words) cannot take it now. Its page lists what it can.",
                session: signed.session,
                next: ("/console/requests/\(id)", "Back to the request")
            )
        }
        var context = try await layout(title: action.label, session: signed.session, errors: errors, here: "requests")
        context["id"] = id
        context["action"] = [
            "name": action.name.rawValue, "label": action.label, "explanation": action.explanation, "button": action.button,
            "asksReasons": action.asksReasons, "asksGround": action.asksGround, "asksIdentity": action.asksIdentity,
            "reasonsLabel": action.reasonsLabel, "reasonsHint": action.reasonsHint, "closes": action.closes,
        ]
        context["reasons"] = values["reasons"] ?? ""
        context["evidence"] = values["evidence"] ?? ""
        context["methods"] = [
            [
                "value": IdentityCheck.Method.documentSeen.rawValue, "label": "I saw a document", "id": "method",
                "checked": values["method"] == IdentityCheck.Method.documentSeen.rawValue,
            ],
            [
                "value": IdentityCheck.Method.knownToStaff.rawValue, "label": "The person is known to us from a case", "id": "method-known",
                "checked": values["method"] == IdentityCheck.Method.knownToStaff.rawValue,
            ],
        ]
        context["grounds"] = [
            [
                "value": RightsRequest.RefusalGround.manifestlyUnfounded.rawValue, "label": "Manifestly unfounded", "id": "ground",
                "checked": values["ground"] == RightsRequest.RefusalGround.manifestlyUnfounded.rawValue,
            ],
            [
                "value": RightsRequest.RefusalGround.excessive.rawValue, "label": "Manifestly excessive", "id": "ground-excessive",
                "checked": values["ground"] == RightsRequest.RefusalGround.excessive.rawValue,
            ],
        ]
        for error in errors { context["\(error.field)Error"] = error.message }
        return try html("console-change", context, status: status)
    }

    func changePosted(_ id: String, _ action: Action, _ signed: Signed) async throws -> Response {
        let form = signed.form
        var values: [String: String] = [:]
        for field in ["reasons", "evidence", "method", "ground"] { values[field] = form.text(field).map { String($0.prefix(4_000)) } }
        var errors: [(field: String, message: String)] = []
        if action.asksIdentity {
            if values["method"] == nil { errors.append(("method", "Say how you checked the requester's identity")) }
            if values["evidence"] == nil { errors.append(("evidence", "Say what you saw, or how the person is known")) }
        }
        if action.asksGround, values["ground"] == nil { errors.append(("ground", "Choose why the request is refused")) }
        if action.asksReasons, values["reasons"] == nil { errors.append(("reasons", "Enter the reasons")) }
        var input = RightsRequest.ChangeInput(change: action.name, reasons: values["reasons"])
        if action.asksGround, let text = values["ground"] {
            guard let ground = RightsRequest.RefusalGround(rawValue: text) else {
                throw StewardError(.invalidInput, "choose a ground listed", field: "ground")
            }
            input.ground = ground
        }
        if action.asksIdentity, let text = values["method"] {
            guard let method = IdentityCheck.Method(rawValue: text), method != .emailCode else {
                throw StewardError(.invalidInput, "choose a way of checking listed", field: "method")
            }
            input.identity = IdentityCheck(method: method, evidence: values["evidence"], checkedBy: signed.session.account.email)
        }
        if errors.isEmpty {
            do {
                _ = try await services.requests.apply(input, to: .init(id), actor: signed.session.account.actor)
                return .redirect(to: "/console/requests/\(id)?changed=\(action.name.rawValue)", type: .normal)
            } catch let error as StewardError where error.code == .invalidInput || error.code == .conflict {
                errors.append((Self.changeField(error.field, action), Self.sentence(error.message)))
            }
        }
        return try await changePage(id, action, signed, values: values, errors: errors, status: .unprocessableContent)
    }

    /// The form's field for an error the service named, or the button when it names none shown.
    static func changeField(_ field: String?, _ action: Action) -> String {
        switch field {
        case "reasons" where action.asksReasons: "reasons"
        case "ground" where action.asksGround: "ground"
        case "identity" where action.asksIdentity, "evidence" where action.asksIdentity: "evidence"
        default: "confirm"
        }
    }

    // MARK: Tasks

    /// A system's task marked searched (`done`) or the person not there (`not_held`).
    func taskPosted(_ id: String, system: String, _ signed: Signed) async throws -> Response {
        guard let text = signed.form["status"], let status = RequestTask.Status(rawValue: text), status != .open else {
            throw StewardError(.invalidInput, "a task is marked done or not held", field: "status")
        }
        _ = try await services.requests.updateTask(
            .init(system),
            of: .init(id),
            status: status,
            owner: nil,
            note: nil,
            actor: signed.session.account.actor
        )
        return .redirect(to: "/console/requests/\(id)#tasks", type: .normal)
    }

    // MARK: Runs

    /// The search of the council's sources: a dry run counts what would be found and keeps nothing;
    /// a run goes on beside the server, and its page follows it.
    func runPosted(_ id: String, _ signed: Signed) async throws -> Response {
        let reference = RightsRequest.ID(id)
        if signed.form["dry"] == "1" {
            let result = try await services.requests.runAccess(reference, actor: signed.session.account.actor, dryRun: true)
            var context = try await layout(title: "Dry run of \(id)", session: signed.session, errors: [], here: "requests")
            context["id"] = id
            context["rows"] = "\(result.rowCount)"
            context["collections"] = result.collections.map { ["name": "\($0.dataset).\($0.collection)", "rows": "\($0.rows.count)"] }
            context["unconfirmed"] = "\(result.unconfirmed.count)"
            context["redactions"] = "\(result.redactions.count)"
            return try html("console-dry-run", context)
        }
        try await services.requests.beginAccess(reference)
        runner.submit(reference, actor: signed.session.account.actor)
        return .redirect(to: "/console/requests/\(id)/run", type: .normal)
    }

    /// Where the search stands. While it runs, the page reloads itself every few seconds (a refresh
    /// inside `noscript`, so only without script) unless asked not to (`?updates=off`, WCAG 2.2.1);
    /// where script runs, `/assets/progress.js` updates the count in place instead.
    func runPage(_ request: Request, _ id: String, _ signed: Signed) async throws -> Response {
        guard let status = try await services.requests.runStatus(.init(id)) else {
            return .redirect(to: "/console/requests/\(id)", type: .normal)
        }
        let updating = status.status == .running && request.uri.queryParameters["updates"] != "off"
        var context = try await layout(title: "Search for \(id)", session: signed.session, errors: [], here: "requests")
        context["id"] = id
        context["running"] = status.status == .running
        context["done"] = status.status == .done
        context["failed"] = status.status == .failed
        context["updating"] = updating
        context["progress"] = Self.progress(status)
        context["error"] = status.error ?? ""
        context["unconfirmed"] = "\(status.unconfirmed?.count ?? 0)"
        return try html("console-run", context)
    }

    /// The search's progress as the page's script reads it.
    func runProgress(_ id: String) async throws -> Response {
        guard let status = try await services.requests.runStatus(.init(id)) else {
            throw StewardError(.notFound, "the request has not been run", field: "id")
        }
        return try JSONResponse.make(["status": status.status.rawValue, "progress": Self.progress(status)])
    }

    static func progress(_ status: RunStatus) -> String {
        switch status.status {
        case .running: "Searched \(status.done) of \(status.total) collections so far."
        case .done: "Searched all \(status.total) collections."
        case .failed: "Stopped after \(status.done) of \(status.total) collections."
        }
    }

    func bundleDownload(_ id: String, _ signed: Signed) async throws -> Response {
        let archive = try await services.bundle(for: .init(id), actor: signed.session.account.actor)
        return Response(
            status: .ok,
            headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(id).zip\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: archive))
        )
    }
}
