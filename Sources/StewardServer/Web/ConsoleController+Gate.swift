import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardStore

/// The console's gate: the decision log, filtered by system, purpose, recipient, outcome and
/// date, and a form to ask what the gate would decide, with its reasons. The log is read from
/// the audit entries the gate wrote; the form is read as the API's decision body and decided by
/// the same `GateService.decide`, as a what-if, so it permits nothing and logs no disclosure.
extension ConsoleController {
    static let outcomes: [(value: String, label: String)] = [("any", "Any outcome"), ("allowed", "Allowed"), ("refused", "Refused")]

    func gatePages(_ page: PageRegistrar) {
        page(.get, "/console/gate", .auditReaders, nil) { request, _, signed in try await decisionLogPage(request, signed) }
        page(.get, "/console/gate/try", .whatIfAskers, nil) { _, _, signed in try await tryPage(signed, answers: [:], errors: [], decision: nil) }
        page(.post, "/console/gate/try", .whatIfAskers, nil) { _, _, signed in try await tryPosted(signed) }
    }

    /// The data map's systems, purposes and recipients as a select's options, the chosen one marked.
    static func options(_ items: [(key: String, name: String)], chosen: String?, none: String) -> [[String: Any]] {
        [["value": "", "label": none, "selected": chosen == nil || chosen == ""]]
            + items.map { ["value": $0.key, "label": $0.name, "selected": $0.key == chosen] }
    }

    func decisionLogPage(_ request: Request, _ signed: Signed) async throws -> Response {
        let parameters = request.uri.queryParameters
        func text(_ name: String) -> String? { parameters[name[...]].map { String($0).trimmingCharacters(in: .whitespaces) }?.nilIfEmpty }
        var errors: [(field: String, message: String)] = []
        func date(_ name: String, _ label: String) -> CalendarDate? {
            guard let value = text(name) else { return nil }
            guard let date = CalendarDate(iso: value) else {
                errors.append((name, "Enter the \(label) date as YYYY-MM-DD, like 2026-11-27"))
                return nil
            }
            return date
        }
        let outcomeText = text("outcome") ?? "any"
        let outcome = DecisionLog.Query.Outcome(rawValue: outcomeText)
        if outcome == nil, outcomeText != "any" { errors.append(("outcome", "Choose an outcome from the list")) }
        let from = date("from", "first")
        let until = date("until", "last")
        if let from, let until, until < from { errors.append(("until", "The last date must be the same as or after the first date")) }
        var before: Int64?
        if let value = text("before") {
            guard let seq = Int64(value), seq > 0 else { throw StewardError(.invalidInput, "before must be an entry number", field: "before") }
            before = seq
        }
        let map = try await services.dataMaps.current()?.dataMap
        let system = text("system")
        let purpose = text("purpose")
        let recipient = text("recipient")
        var context = try await layout(title: "Gate decisions", session: signed.session, errors: errors, here: "gate")
        context["systems"] = Self.options(map?.systems.map { ($0.key.rawValue, $0.name) } ?? [], chosen: system, none: "Any system")
        context["purposes"] = Self.options(map?.purposes.map { ($0.key.rawValue, $0.name) } ?? [], chosen: purpose, none: "Any purpose")
        context["recipients"] = Self.options(map?.recipients.map { ($0.key.rawValue, $0.name) } ?? [], chosen: recipient, none: "Any recipient")
        context["outcomes"] = Self.outcomes.map { ["value": $0.value, "label": $0.label, "selected": $0.value == outcomeText] }
        context["from"] = text("from") ?? ""
        context["until"] = text("until") ?? ""
        for error in errors { context["\(error.field)Error"] = error.message }
        context["canTry"] = Set<Role>.whatIfAskers.contains(signed.session.account.role)
        guard errors.isEmpty else {
            context["shown"] = "Fix the filters to see decisions."
            return try html("console-gate", context, status: .unprocessableContent)
        }
        let query = DecisionLog.Query(
            system: system.map { .init($0) },
            purpose: purpose.map { .init($0) },
            recipient: recipient.map { .init($0) },
            outcome: outcome,
            from: from,
            until: until,
            before: before,
            limit: 50
        )
        let entries = try await services.store.decisionLog(query)
        func name(_ key: String?, _ lookup: (String) -> String?) -> String { key.map { lookup($0) ?? $0 } ?? "" }
        context["hasDecisions"] = !entries.isEmpty
        context["shown"] =
            entries.isEmpty
            ? "No decisions match."
            : "\(entries.count) decision\(entries.count == 1 ? "" : "s")\(before == nil ? ", newest first" : " before entry \(before!)")."
        context["decisions"] = entries.map { entry -> [String: Any] in
            [
                "seq": "\(entry.seq)", "time": Self.readableTime(entry.time), "allowed": entry.allowed, "actor": entry.actor,
                "system": name(entry.system.rawValue) { map?.system(.init($0))?.name },
                "purpose": name(entry.purpose.rawValue) { map?.purpose(.init($0))?.name },
                "recipient": entry.recipient.map { key in map?.recipient(key)?.name ?? key.rawValue } ?? "Inside the council",
                "categories": entry.categories.joined(separator: ", "), "basis": entry.basis.joined(separator: "; "),
                "reasons": entry.reasons,
            ]
        }
        if entries.count == query.limit, let last = entries.last {
            var next = URLComponents()
            next.path = "/console/gate"
            next.queryItems =
                [
                    ("system", system), ("purpose", purpose), ("recipient", recipient), ("outcome", outcome?.rawValue), ("from", text("from")),
                    ("until", text("until")),
                ].compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
                + [URLQueryItem(name: "before", value: "\(last.seq)")]
            context["older"] = next.string ?? ""
        }
        return try html("console-gate", context)
    }

    /// The what-if form's fields.
    static let tryFields = [
        "system", "purpose", "recipient", "categories", "subject", "channel", "justification", "reference", "statement", "officer", "organisation",
        "asOf",
    ]

    func tryPage(
        _ signed: Signed,
        answers: [String: String],
        errors: [(field: String, message: String)],
        decision: DecisionRecord?
    ) async throws
        -> Response
    {
        let map = try await currentMap().dataMap
        var context = try await layout(title: "Ask the gate", session: signed.session, errors: errors, here: "gate")
        for (name, value) in answers { context[name] = value }
        context["cannotConsent"] = answers["personCannotConsent"] == "on"
        context["notObtainable"] = answers["consentNotObtainable"] == "on"
        if answers["asOf"] == nil { context["asOf"] = services.today().description }
        for error in errors { context["\(error.field)Error"] = error.message }
        context["systems"] = Self.options(map.systems.map { ($0.key.rawValue, $0.name) }, chosen: answers["system"], none: "Choose a system")
        context["purposes"] = Self.options(map.purposes.map { ($0.key.rawValue, $0.name) }, chosen: answers["purpose"], none: "Choose a purpose")
        context["recipients"] = Self.options(
            map.recipients.map { ($0.key.rawValue, $0.name) },
            chosen: answers["recipient"],
            none: "No one: a use inside the council"
        )
        context["channels"] = Self.options(
            Channel.allCases.map { ($0.rawValue, $0.rawValue.replacingOccurrences(of: "_", with: " ")) },
            chosen: answers["channel"],
            none: "Not said"
        )
        context["justifications"] = Self.options(
            Justification.Kind.allCases.map { ($0.rawValue, Self.sentence($0.rawValue.replacingOccurrences(of: "_", with: " "))) },
            chosen: answers["justification"],
            none: "None"
        )
        if let decision {
            context["decision"] = [
                "allowed": decision.allowed, "basis": decision.basis, "hasBasis": !decision.basis.isEmpty, "reasons": decision.reasons,
                "obligations": decision.obligations.map { "\($0.code.rawValue.replacingOccurrences(of: "_", with: " ")): \($0.detail)" },
                "hasObligations": !decision.obligations.isEmpty, "asOf": decision.asOf?.longDescription ?? "",
            ]
        }
        return try html("console-gate-try", context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func tryPosted(_ signed: Signed) async throws -> Response {
        var answers: [String: String] = [:]
        for field in Self.tryFields { answers[field] = signed.form.text(field) ?? "" }
        for box in ["personCannotConsent", "consentNotObtainable"] where signed.form[box] != nil { answers[box] = "on" }
        var errors: [(field: String, message: String)] = []
        if answers["system"]!.isEmpty { errors.append(("system", "Choose the system that holds the data")) }
        if answers["purpose"]!.isEmpty { errors.append(("purpose", "Choose the purpose the data would be used for")) }
        let categories = answers["categories"]!.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
        if categories.isEmpty { errors.append(("categories", "Enter at least one data category, like user.contact.email")) }
        if CalendarDate(iso: answers["asOf"]!) == nil { errors.append(("asOf", "Enter the day to decide as on as YYYY-MM-DD, like 2026-11-27")) }
        // What a justification of each kind must carry is `JustificationBody`'s to say, below.
        let justification = answers["justification"]!
        if !justification.isEmpty, Justification.Kind(rawValue: justification) == nil {
            errors.append(("justification", "Choose a justification from the list"))
        }
        guard errors.isEmpty else { return try await tryPage(signed, answers: answers, errors: errors, decision: nil) }
        var body: [String: JSONValue] = [
            "system": .string(answers["system"]!), "purpose": .string(answers["purpose"]!), "categories": .array(categories.map { .string($0) }),
            "asOf": .string(answers["asOf"]!),
        ]
        if let recipient = answers["recipient"]?.nilIfEmpty { body["recipient"] = .string(recipient) }
        if let channel = answers["channel"]?.nilIfEmpty { body["channel"] = .string(channel) }
        if let subject = answers["subject"]?.nilIfEmpty {
            body["subject"] =
                subject.contains("@")
                ? .object(["identifiers": .array([.object(["kind": "email", "value": .string(subject)])])]) : .object(["id": .string(subject)])
        }
        if let kind = Justification.Kind(rawValue: justification) {
            // The fields its kind needs, empty ones included so the first missing is named; and
            // the facts vital interests and safeguarding turn on.
            var fields: [String: JSONValue] = ["type": .string(kind.rawValue)]
            for field in kind.requiredFields { fields[field] = .string(answers[field]!) }
            if kind == .vitalInterests { fields["personCannotConsent"] = .bool(signed.form["personCannotConsent"] != nil) }
            if kind == .safeguarding { fields["consentNotObtainable"] = .bool(signed.form["consentNotObtainable"] != nil) }
            body["justification"] = .object(fields)
        }
        do {
            let decoded = try StewardError.decodingInput(DecisionBody.self, from: .object(body))
            let (request, subject) = try decoded.request(actor: signed.session.account.actor)
            let decision = try await services.gate.decide(request, subject: subject, asOf: try decoded.whatIfDate())
            return try await tryPage(signed, answers: answers, errors: [], decision: decision)
        } catch let error as StewardError where [.invalidInput, .malformedInput, .notFound].contains(error.code) {
            let field = Self.tryField(error.field)
            return try await tryPage(signed, answers: answers, errors: [(field, Self.sentence(error.message))], decision: nil)
        }
    }

    /// The form's field for a field of the decision body.
    static func tryField(_ field: String?) -> String {
        guard let field else { return "system" }
        if field.hasPrefix("categories") { return "categories" }
        if field.hasPrefix("subject") { return "subject" }
        if field.hasPrefix("justification.") {
            let name = String(field.dropFirst("justification.".count))
            return ["reference", "statement", "officer", "organisation"].contains(name) ? name : "justification"
        }
        return tryFields.contains(field) ? field : "system"
    }
}
