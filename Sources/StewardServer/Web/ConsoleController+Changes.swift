import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardStore

/// Making a rectification, erasure, restriction or objection in the council's sources from the
/// console: the corrections or the erasure's scope read into the API's own plan (`ChangePlan`),
/// a dry run that makes the changes in each source and rolls them back, then the run, each through
/// `RequestService.run` with the member of staff as actor; and the change report, collection by
/// collection, with the recipients to tell (UK GDPR Art 19).
extension ConsoleController {
    /// How many corrections one form takes.
    static let correctionRows = 5

    func changePages(_ page: PageRegistrar) {
        page(.get, "/console/requests/{id}/changes", .requestReaders, nil) { _, context, signed in
            try await changesPage(try context.parameter("id"), signed, answers: [:], errors: [], report: nil)
        }
        page(.post, "/console/requests/{id}/changes", .requestWorkers, nil) { _, context, signed in
            try await changesPosted(try context.parameter("id"), signed)
        }
    }

    /// The fields a correction can change: every field of the datasets with a registered source
    /// that the data map does not mark read-only, as `dataset|collection|field`.
    func correctableFields() async throws -> [(value: String, label: String)] {
        let map = try await currentMap().dataMap
        let held = Set(try await services.store.sources().map(\.dataset))
        return map.datasets.filter { held.contains($0.key) }.flatMap { dataset in
            dataset.collections.flatMap { collection in
                collection.allFields.filter { !$0.field.isReadOnly && !$0.field.isPrimaryKey && $0.field.fields.isEmpty }.map { path, _ in
                    ("\(dataset.key.rawValue)|\(collection.name)|\(path)", "\(dataset.name ?? dataset.key.rawValue): \(collection.name).\(path)")
                }
            }
        }
    }

    func changesPage(
        _ id: String,
        _ signed: Signed,
        answers: [String: String],
        errors: [(field: String, message: String)],
        report: ChangeReport?
    ) async throws -> Response {
        let view = try await services.requests.request(.init(id))
        let kind = view.request.kind
        guard [.rectification, .erasure, .restriction, .objection].contains(kind) else {
            throw StewardError(.conflict, "only a rectification, erasure, restriction or objection is made in the council's sources", field: "id")
        }
        var context = try await layout(title: "Make the change", session: signed.session, errors: errors, here: "requests")
        context["id"] = id
        context["kindTitle"] = Self.sentence(kind.words)
        context["canRun"] = Set<Role>.requestWorkers.contains(signed.session.account.role) && view.state == .inProgress
        context["notInProgress"] = view.state != .inProgress
        context["state"] = view.state.words
        for (name, value) in answers { context[name] = value }
        for error in errors { context["\(error.field)Error"] = error.message }
        let errorOf = Dictionary(errors.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
        switch kind {
        case .rectification:
            let fields = try await correctableFields()
            context["rectification"] = true
            context["rows"] = (1...Self.correctionRows).map { index -> [String: Any] in
                let chosen = answers["field-\(index)"]
                return [
                    "index": "\(index)", "value": answers["value-\(index)"] ?? "", "clear": answers["clear-\(index)"] == "on",
                    "options": [["value": "", "label": "Choose a field", "selected": chosen == nil || chosen == ""]]
                        + fields.map { ["value": $0.value, "label": $0.label, "selected": $0.value == chosen] },
                    "fieldError": errorOf["field-\(index)"] ?? "", "valueError": errorOf["value-\(index)"] ?? "", "first": index == 1,
                ]
            }
        case .erasure:
            context["erasure"] = true
            if answers["categories"] == nil { context["categories"] = ErasurePolicy.personalData.map(\.rawValue).joined(separator: ", ") }
        default:
            context["restriction"] = true
        }
        var shown = report
        if shown == nil { shown = try await services.requests.changeReport(.init(id)) }
        if let shown {
            context["report"] = [
                "dryRun": shown.dryRun, "complete": shown.isComplete, "rows": "\(shown.rowsChanged)", "ranAt": Self.readableTime(shown.ranAt),
                "fresh": report != nil,
                "steps": shown.steps.map { step -> [String: Any] in
                    [
                        "collection": "\(step.dataset).\(step.collection)", "action": step.action.rawValue, "rows": "\(step.rows)",
                        "fields": step.fields.joined(separator: ", "), "pseudonymised": step.pseudonymised.joined(separator: ", "),
                        "reason": step.reason ?? "",
                        "shared": step.shared > 0 ? "\(step.shared) shared with \(step.sharedWith.joined(separator: ", "))" : "",
                        "failed": step.action == .failed, "refused": step.action == .refused,
                    ]
                },
                "hasNotices": !shown.notices.isEmpty, "notices": shown.notices.map { "\($0.name): \($0.message)" },
                "unconfirmed": "\(shown.unconfirmed.reduce(0) { $0 + $1.rows })",
            ]
        }
        return try html("console-changes", context, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func changesPosted(_ id: String, _ signed: Signed) async throws -> Response {
        let form = signed.form
        let kind = try await services.requests.request(.init(id)).request.kind
        var answers: [String: String] = [:]
        var errors: [(field: String, message: String)] = []
        var corrections: [Correction]?
        var erasure: ErasurePolicy?
        // The form's row of each correction given (empty rows are left out).
        var rows: [Int] = []
        switch kind {
        case .rectification:
            var list: [Correction] = []
            for index in 1...Self.correctionRows {
                let field = form.text("field-\(index)") ?? ""
                let value = form["value-\(index)"] ?? ""
                let clear = form["clear-\(index)"] != nil
                answers["field-\(index)"] = field
                answers["value-\(index)"] = value
                if clear { answers["clear-\(index)"] = "on" }
                guard !field.isEmpty else { continue }
                let parts = field.split(separator: "|", maxSplits: 2).map(String.init)
                guard parts.count == 3 else {
                    errors.append(("field-\(index)", "Choose the field from the list"))
                    continue
                }
                list.append(Correction(dataset: parts[0], collection: parts[1], field: parts[2], value: clear ? nil : value))
                rows.append(index)
            }
            if list.isEmpty, errors.isEmpty { errors.append(("field-1", "Choose at least one field to correct")) }
            corrections = list
        case .erasure:
            let categories = form.text("categories") ?? ""
            let deleted = form.text("delete") ?? ""
            answers["categories"] = categories
            answers["delete"] = deleted
            func list(_ text: String) -> [String] { text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init) }
            erasure = ErasurePolicy(categories: list(categories).map { .init($0) }, deleteCollections: list(deleted))
        default: break
        }
        guard errors.isEmpty else { return try await changesPage(id, signed, answers: answers, errors: errors, report: nil) }
        do {
            guard let plan = try ChangePlan(kind: kind, corrections: corrections, erasure: erasure) else {
                throw StewardError(.conflict, "an access request is searched, not changed", field: "id")
            }
            let report = try await services.requests.run(.init(id), plan: plan, actor: signed.session.account.actor, dryRun: form["dry"] == "1")
            return try await changesPage(id, signed, answers: answers, errors: [], report: report)
        } catch let error as StewardError where error.code == .invalidInput || error.code == .conflict {
            let field = Self.changeField(error.field, rows: rows)
            return try await changesPage(id, signed, answers: answers, errors: [(field, Self.sentence(error.message))], report: nil)
        }
    }

    /// The form's field for a field of the plan: `corrections[2].value` is the value of the row
    /// the third correction came from.
    static func changeField(_ field: String?, rows: [Int]) -> String {
        guard let field else { return "run" }
        if field.hasPrefix("erasure.deleteCollections") { return "delete" }
        if field.hasPrefix("erasure") { return "categories" }
        if field.hasPrefix("corrections["), let close = field.firstIndex(of: "]"),
            let index = Int(field[field.index(field.startIndex, offsetBy: "corrections[".count)..<close]), rows.indices.contains(index)
        {
            return field.hasSuffix(".value") ? "value-\(rows[index])" : "field-\(rows[index])"
        }
        return field == "corrections" ? "field-1" : "run"
    }
}
