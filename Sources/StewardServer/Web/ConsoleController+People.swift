import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore

/// A person's page: how Steward knows them, what they have said (consents, refusals, objections,
/// restrictions, each dated and withdrawable), what was disclosed about them, and their requests.
/// A person is found by an identifier sent in a form, never in a URL; the page's address holds only
/// Steward's own id. Everything goes through `GateService`, as the API does.
extension ConsoleController {
    static let identifierKinds: [(value: String, label: String)] = [
        ("email", "Email address"), ("phone_number", "Phone number"), ("nhs_number", "NHS number"), ("ni_number", "National Insurance number"),
        ("uprn", "UPRN (property reference)"), ("steward_id", "Steward id"),
    ]

    static let preferenceKinds: [(value: String, label: String, hint: String)] = [
        ("consent", "Consent", "The person agreed to this use or sharing."),
        ("explicit_consent", "Explicit consent", "Consent given expressly, in words, which special category data needs (UK GDPR Art 9(2)(a))."),
        ("refusal", "Refusal", "The person said no to this use or sharing."),
        ("contact_condition", "Contact only by", "The ways the person agrees to be contacted."),
        ("objection", "Objection", "An objection to processing on public task or legitimate interests (Art 21(1))."),
        ("restriction", "Restriction", "Keep the data but do not use it (Art 18)."),
        ("marketing_opt_out", "No direct marketing", "An absolute objection to direct marketing (Art 21(2))."),
    ]

    static let objectionOutcomes: [(value: String, label: String)] = [
        ("pending", "Not yet decided"), ("upheld", "Upheld"), ("overridden", "Overridden on compelling grounds"),
        ("not_applicable", "The right does not apply"),
    ]

    func peoplePages(_ page: PageRegistrar) {
        page(.get, "/console/people", .subjectWriters, nil) { _, _, signed in try await findPage(signed, kind: "email", errors: []) }
        page(.post, "/console/people", .subjectWriters, nil) { _, _, signed in try await findPosted(signed) }
        page(.get, "/console/people/{id}", .subjectWriters, nil) { request, context, signed in
            try await personPage(request, try context.parameter("id"), signed)
        }
        page(.get, "/console/people/{id}/preferences/new", .subjectWriters, nil) { _, context, signed in
            try await preferencePage(try context.parameter("id"), signed, answers: ["kind": "consent"], errors: [])
        }
        page(.post, "/console/people/{id}/preferences/new", .subjectWriters, nil) { _, context, signed in
            try await preferencePosted(try context.parameter("id"), signed)
        }
        page(.get, "/console/people/{id}/preferences/{preference}/withdraw", .subjectWriters, nil) { _, context, signed in
            try await withdrawPage(try context.parameter("id"), try context.parameter("preference"), signed, answers: [:], errors: [])
        }
        page(.post, "/console/people/{id}/preferences/{preference}/withdraw", .subjectWriters, nil) { _, context, signed in
            try await withdrawPosted(try context.parameter("id"), try context.parameter("preference"), signed)
        }
    }

    func findPage(_ signed: Signed, kind: String, errors: [(field: String, message: String)]) async throws -> Response {
        var context = try await layout(title: "Find a person", session: signed.session, errors: errors, here: "people")
        context["kinds"] = Self.identifierKinds.map { ["value": $0.value, "label": $0.label, "selected": $0.value == kind] }
        for error in errors { context["\(error.field)Error"] = error.message }
        return try html("console-people", context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func findPosted(_ signed: Signed) async throws -> Response {
        let kind = signed.form.text("kind") ?? "email"
        guard let value = signed.form.text("value") else {
            return try await findPage(signed, kind: kind, errors: [("value", "Enter what the person is known by")])
        }
        guard Self.identifierKinds.contains(where: { $0.value == kind }) else {
            return try await findPage(signed, kind: "email", errors: [("kind", "Choose what you are searching by")])
        }
        do {
            let found: Subject? =
                if kind == "steward_id" {
                    try await services.gate.subject(.init(value))
                } else {
                    try await services.gate.findSubject(identifiers: [.init(kind: .init(kind), value: value)])
                }
            guard let found else {
                return try await findPage(signed, kind: kind, errors: [("value", "No one is recorded with that identifier")])
            }
            return .redirect(to: "/console/people/\(found.id.rawValue)", type: .normal)
        } catch let error as StewardError where error.code == .invalidInput || error.code == .notFound {
            let message = error.code == .notFound ? "No one is recorded with that identifier" : Self.sentence(error.message)
            return try await findPage(signed, kind: kind, errors: [("value", message)])
        }
    }

    func personPage(_ request: Request, _ id: String, _ signed: Signed) async throws -> Response {
        let gate = services.gate
        let subject = try await gate.subject(.init(id))
        let map = try await services.dataMaps.current()?.dataMap
        let today = services.today()
        var context = try await layout(title: "Person \(subject.id.rawValue.prefix(8))", session: signed.session, errors: [], here: "people")
        if request.uri.queryParameters["added"] != nil { context["notice"] = "The preference is recorded. The gate honours it from now on." }
        if request.uri.queryParameters["withdrawn"] != nil { context["notice"] = "The preference is withdrawn." }
        context["id"] = subject.id.rawValue
        context["identifiers"] = subject.identifiers.map { identifier -> [String: String] in
            var row = [
                "kind": Self.identifierKinds.first { $0.value == identifier.kind.rawValue }?.label
                    ?? identifier.kind.rawValue.replacingOccurrences(of: "_", with: " "),
                "value": identifier.value,
            ]
            if let system = identifier.system { row["system"] = map?.system(system)?.name ?? system.rawValue }
            return row
        }
        context["born"] = subject.dateOfBirth?.longDescription ?? "Not recorded"
        context["child"] = subject.isChild(on: today)
        context["atRisk"] = subject.isAdultAtRisk
        context["verified"] = subject.verifiedEmails.isEmpty ? "None" : subject.verifiedEmails.joined(separator: ", ")
        let preferences = try await gate.preferences(of: subject.id)
        context["hasPreferences"] = !preferences.isEmpty
        context["preferences"] = preferences.map { preference -> [String: Any] in
            let draft = Preference.Draft(preference)
            var what = Self.preferenceKinds.first { $0.value == draft.kind }?.label ?? draft.kind
            if let channels = draft.channels {
                what += ": " + channels.map { $0.rawValue.replacingOccurrences(of: "_", with: " ") }.joined(separator: ", ")
            }
            if let outcome = draft.outcome { what += " (\(Self.objectionOutcomes.first { $0.value == outcome }?.label.lowercased() ?? outcome))" }
            if let ground = draft.ground { what += ": \(ground)" }
            let scope = [
                preference.purpose.map { "for \(map?.purpose($0)?.name ?? $0.rawValue)" },
                preference.recipient.map { "to \(map?.recipient($0)?.name ?? $0.rawValue)" },
            ].compactMap { $0 }
            return [
                "preference": preference.id.rawValue, "what": what,
                "scope": scope.isEmpty ? "Everything" : Self.sentence(scope.joined(separator: ", ")),
                "given": preference.given.description, "expires": preference.expires?.description ?? "",
                "withdrawn": preference.withdrawn?.description ?? "", "open": preference.withdrawn == nil,
            ]
        }
        let disclosures = try await gate.disclosures(of: subject.id)
        context["hasDisclosures"] = !disclosures.isEmpty
        context["disclosures"] = disclosures.reversed().map { disclosure -> [String: String] in
            [
                "time": Self.readableTime(disclosure.time), "recipient": map?.recipient(disclosure.recipient)?.name ?? disclosure.recipient.rawValue,
                "system": map?.system(disclosure.system)?.name ?? disclosure.system.rawValue,
                "purpose": map?.purpose(disclosure.purpose)?.name ?? disclosure.purpose.rawValue,
                "categories": disclosure.categories.map(\.rawValue).joined(separator: ", "), "basis": disclosure.basis.joined(separator: "; "),
            ]
        }
        let requests = try await services.requests.list(subject: subject.id, today: today)
        context["hasRequests"] = !requests.isEmpty
        context["requests"] = requests.map(Self.row)
        return try html("console-person", context)
    }

    /// The preference form's fields.
    static let preferenceFields = ["kind", "purpose", "recipient", "outcome", "reason", "ground", "given", "expires"]

    func preferencePage(
        _ id: String,
        _ signed: Signed,
        answers: [String: String],
        errors: [(field: String, message: String)]
    ) async throws
        -> Response
    {
        let subject = try await services.gate.subject(.init(id))
        let map = try await currentMap().dataMap
        var context = try await layout(title: "Record a preference", session: signed.session, errors: errors, here: "people")
        context["id"] = subject.id.rawValue
        for (name, value) in answers { context[name] = value }
        // A group's error is named for the group; the summary links to its first choice.
        for error in errors { context["\(error.field.split(separator: "-").first ?? "")Error"] = error.message }
        context["kinds"] = Self.preferenceKinds.map { kind -> [String: Any] in
            ["value": kind.value, "label": kind.label, "hint": kind.hint, "checked": kind.value == answers["kind"], "id": "kind-\(kind.value)"]
        }
        context["purposes"] = Self.options(map.purposes.map { ($0.key.rawValue, $0.name) }, chosen: answers["purpose"], none: "Every purpose")
        context["recipients"] = Self.options(map.recipients.map { ($0.key.rawValue, $0.name) }, chosen: answers["recipient"], none: "Every recipient")
        context["outcomes"] = Self.objectionOutcomes.map {
            ["value": $0.value, "label": $0.label, "selected": $0.value == (answers["outcome"] ?? "pending")]
        }
        context["channels"] = Channel.allCases.map { channel -> [String: Any] in
            [
                "value": channel.rawValue, "label": Self.sentence(channel.rawValue.replacingOccurrences(of: "_", with: " ")),
                "checked": answers["channel-\(channel.rawValue)"] != nil, "id": "channel-\(channel.rawValue)",
            ]
        }
        return try html("console-preference", context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func preferencePosted(_ id: String, _ signed: Signed) async throws -> Response {
        let form = signed.form
        var answers: [String: String] = [:]
        for field in Self.preferenceFields { answers[field] = form.text(field) ?? "" }
        let channels = Channel.allCases.filter { form["channel-\($0.rawValue)"] != nil }
        for channel in channels { answers["channel-\(channel.rawValue)"] = "on" }
        // Every rule of a preference is the domain's (`Preference.Draft.validated` and `checked`):
        // the form is read into the API's body, and the problem found is shown on its field.
        let kind = answers["kind"]!
        var body: [String: JSONValue] = ["kind": .string(kind)]
        for field in ["purpose", "recipient", "given", "expires"] { if let value = answers[field]?.nilIfEmpty { body[field] = .string(value) } }
        switch kind {
        case "contact_condition": body["channels"] = .array(channels.map { .string($0.rawValue) })
        case "restriction": body["ground"] = .string(answers["ground"]!)
        case "objection":
            body["outcome"] = .string(answers["outcome"]!.nilIfEmpty ?? "pending")
            if let reason = answers["reason"]?.nilIfEmpty { body["reason"] = .string(reason) }
        default: break
        }
        do {
            let draft = try StewardError.decodingInput(Preference.Draft.self, from: .object(body))
            _ = try await services.gate.addPreference(draft, to: .init(id), actor: signed.session.account.actor)
            return .redirect(to: "/console/people/\(id)?added=1", type: .normal)
        } catch let error as StewardError where error.code == .invalidInput || error.code == .malformedInput {
            let field =
                switch error.field {
                case "channels": "channel-email"
                case let field? where Self.preferenceFields.contains(field) && field != "kind": field
                default: "kind-consent"
                }
            return try await preferencePage(id, signed, answers: answers, errors: [(field, Self.sentence(error.message))])
        }
    }

    func withdrawPage(
        _ id: String,
        _ preferenceID: String,
        _ signed: Signed,
        answers: [String: String],
        errors: [(field: String, message: String)]
    )
        async throws -> Response
    {
        let preferences = try await services.gate.preferences(of: .init(id))
        guard let preference = preferences.first(where: { $0.id.rawValue == preferenceID }) else {
            throw StewardError(.notFound, "this person has no preference '\(preferenceID.prefix(40))'", field: "preference")
        }
        var context = try await layout(title: "Withdraw a preference", session: signed.session, errors: errors, here: "people")
        context["id"] = id
        context["preference"] = preferenceID
        let draft = Preference.Draft(preference)
        context["what"] = Self.preferenceKinds.first { $0.value == draft.kind }?.label ?? draft.kind
        context["given"] = preference.given.longDescription
        context["isRestriction"] = draft.kind == "restriction"
        context["on"] = answers["on"] ?? services.today().description
        context["notice"] = answers["notice"] ?? ""
        for error in errors { context["\(error.field)Error"] = error.message }
        return try html("console-withdraw", context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func withdrawPosted(_ id: String, _ preferenceID: String, _ signed: Signed) async throws -> Response {
        let answers = ["on": signed.form.text("on") ?? "", "notice": signed.form.text("notice") ?? ""]
        var errors: [(field: String, message: String)] = []
        let on = CalendarDate(iso: answers["on"]!)
        if on == nil { errors.append(("on", "Enter the date it is withdrawn as YYYY-MM-DD, like 2026-11-27")) }
        let notice = answers["notice"]!.isEmpty ? nil : CalendarDate(iso: answers["notice"]!)
        if !answers["notice"]!.isEmpty, notice == nil { errors.append(("notice", "Enter the date the person was told as YYYY-MM-DD")) }
        guard errors.isEmpty else { return try await withdrawPage(id, preferenceID, signed, answers: answers, errors: errors) }
        do {
            _ = try await services.gate.withdrawPreference(
                .init(preferenceID),
                of: .init(id),
                on: on,
                noticeGiven: notice,
                actor: signed.session.account.actor
            )
            return .redirect(to: "/console/people/\(id)?withdrawn=1", type: .normal)
        } catch let error as StewardError where error.code == .invalidInput || error.code == .conflict {
            let error: (field: String, message: String) =
                error.field == "noticeGiven"
                ? ("notice", "Enter the date the person was told it will be lifted, on or before the day it is lifted (UK GDPR Art 18(3))")
                : ("on", Self.sentence(error.message))
            return try await withdrawPage(id, preferenceID, signed, answers: answers, errors: [error])
        }
    }
}
