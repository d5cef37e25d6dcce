import Foundation
import HTTPTypes
import Hummingbird
import StewardApp
import StewardCore
import StewardStore

/// The console's sources and outbox: the council databases registered for each dataset (never
/// their credentials), a check of one against its dataset, and the letters waiting to go or that
/// failed, each of which can be sent again. Both call the store's own operations, as the API does.
extension ConsoleController {
    func sourcePages(_ page: PageRegistrar) {
        page(.get, "/console/sources", .sourceReaders, nil) { _, _, signed in try await sourcesPage(signed, check: nil) }
        page(.post, "/console/sources/{id}/test", .sourceAdministrators, nil) { _, context, signed in
            let check = try await services.store.checkSource(.init(try context.parameter("id")), actor: signed.session.account.actor)
            return try await sourcesPage(signed, check: check)
        }
        page(.get, "/console/outbox", .requestWorkers, nil) { request, _, signed in
            try await outboxPage(signed, retried: request.uri.queryParameters["retried"] != nil)
        }
        page(.post, "/console/outbox/{id}/retry", .requestWorkers, nil) { _, context, signed in
            _ = try await services.store.retryMessage(try context.parameter("id"), actor: signed.session.account.actor)
            return .redirect(to: "/console/outbox?retried=1", type: .normal)
        }
    }

    func sourcesPage(_ signed: Signed, check: SourceCheck?) async throws -> Response {
        let sources = try await services.store.sources()
        let map = try await services.dataMaps.current()?.dataMap
        var context = try await layout(title: "Sources", session: signed.session, errors: [], here: "sources")
        let canTest = Set<Role>.sourceAdministrators.contains(signed.session.account.role)
        context["hasSources"] = !sources.isEmpty
        context["sources"] = sources.map { source -> [String: Any] in
            [
                "id": source.id.rawValue, "name": source.name, "kind": source.kind.rawValue,
                "dataset": map?.dataset(source.dataset)?.name ?? source.dataset.rawValue, "location": source.shownLocation,
                "added": "\(Self.readableTime(source.createdAt)) by \(source.createdBy)", "canTest": canTest,
            ]
        }
        if let check {
            func lines(_ problems: [SourceCheck.Problem]) -> [String] {
                problems.map { problem in
                    let place = [problem.collection, problem.field].compactMap { $0 }.joined(separator: ".")
                    return place.isEmpty ? problem.message : "\(place): \(problem.message)"
                }
            }
            context["check"] = [
                "name": sources.first { $0.id == check.source }?.name ?? check.source.rawValue, "ok": check.ok, "reachable": check.reachable,
                "problems": lines(check.problems), "notes": lines(check.notes), "hasNotes": !check.notes.isEmpty,
            ]
        }
        return try html("console-sources", context)
    }

    func outboxPage(_ signed: Signed, retried: Bool) async throws -> Response {
        let store = services.store
        let waiting = try await store.outbox(status: .pending) + (try await store.outbox(status: .failed))
        var context = try await layout(title: "Outbox", session: signed.session, errors: [], here: "outbox")
        if retried { context["notice"] = "The letter is queued to be sent again." }
        context["hasMessages"] = !waiting.isEmpty
        context["messages"] = waiting.map { message -> [String: Any] in
            [
                "id": message.id, "request": message.request?.rawValue ?? "", "kind": message.letter.replacingOccurrences(of: "_", with: " "),
                "subject": message.subject, "to": message.toAddress, "failed": message.status == .failed, "attempts": "\(message.attempts)",
                "created": Self.readableTime(message.createdAt), "error": message.lastError ?? "",
            ]
        }
        return try html("console-outbox", context)
    }
}
