import Foundation
import Hummingbird
import StewardCore
import StewardFiles
import StewardStore

/// The council's own databases over HTTP: register a source for a dataset, check it, and run an
/// access request's search across every source, then download the bundle.
struct SourcesController: Sendable {
    let requests: RequestService
    let taxonomy: Taxonomy
    var store: Store { requests.store }

    struct SourceBody: Decodable {
        var id: String
        var name: String
        var kind: DataSource.Kind
        var dataset: String
        var location: String
    }

    struct ExecuteBody: Decodable {
        var dryRun: Bool?
        /// For rectification.
        var corrections: [Correction]?
        /// For erasure; every field masked with null when left out.
        var erasure: ErasurePolicy?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case dryRun, corrections, erasure
        }

        /// Any name not among the body's fields.
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// A misspelt field is refused: an erasure whose policy went unread would mask everything
        /// with null.
        init(from decoder: any Decoder) throws {
            let known = Set(CodingKeys.allCases.map(\.rawValue))
            if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
                throw StewardError(.invalidInput, "unknown field '\(unknown)'; the body takes dryRun, corrections and erasure", field: unknown)
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun)
            corrections = try container.decodeIfPresent([Correction].self, forKey: .corrections)
            erasure = try container.decodeIfPresent(ErasurePolicy.self, forKey: .erasure)
        }
    }

    /// A rectification's or erasure's answer.
    struct ChangeAnswer: Encodable {
        var complete: Bool
        var rowsChanged: Int
        var report: ChangeReport
    }

    /// A dry run's answer: what would be handed over, without the values.
    struct DryRun: Encodable {
        var rows: Int
        var collections: [String: Int]
        var redactions: [AccessResult.Redaction]
        var unconfirmed: [PersonSearch.Unconfirmed]
    }

    func register(on api: inout APIRoutes) {
        api.add(.post, "sources", roles: .sourceAdministrators) { request, context in
            let body = try await request.decodeJSON(as: SourceBody.self, context: context, limit: 64 * 1024)
            let source = try await store.addSource(
                id: body.id, name: body.name, kind: body.kind, dataset: .init(body.dataset), location: body.location, actor: context.actor)
            return try JSONResponse.make(source, status: .created)
        }
        api.add(.get, "sources", roles: .sourceReaders) { _, _ in
            try JSONResponse.make(["sources": try await store.sources()])
        }
        api.add(.delete, "sources/{id}", roles: .sourceAdministrators) { _, context in
            try await store.removeSource(.init(try context.parameters.require("id")), actor: context.actor)
            return Response(status: .noContent)
        }
        api.add(.post, "sources/{id}/test", roles: .sourceAdministrators) { _, context in
            try JSONResponse.make(
                try await store.checkSource(.init(try context.parameters.require("id")), actor: context.actor, logger: context.logger))
        }
        api.add(.post, "requests/{id}/execute", roles: .requestWorkers) { request, context in
            let body = try await request.decodeJSON(as: ExecuteBody.self, context: context, limit: 64 * 1024)
            let id = RightsRequest.ID(try context.parameters.require("id"))
            let kind = try await requests.request(id, today: .today).request.kind
            if body.corrections != nil, kind != .rectification {
                throw StewardError(.invalidInput, "corrections are for a rectification request; this one is \(kind.rawValue)", field: "corrections")
            }
            if body.erasure != nil, kind != .erasure {
                throw StewardError(.invalidInput, "an erasure policy is for an erasure request; this one is \(kind.rawValue)", field: "erasure")
            }
            if kind != .access {
                let dryRun = body.dryRun ?? false
                let report: ChangeReport =
                    switch kind {
                    case .rectification:
                        try await requests.runRectification(
                            id, corrections: body.corrections ?? [], actor: context.actor, dryRun: dryRun, logger: context.logger)
                    case .erasure:
                        try await requests.runErasure(
                            id, policy: body.erasure ?? ErasurePolicy(), actor: context.actor, dryRun: dryRun, logger: context.logger)
                    default:
                        try await requests.runRestriction(id, actor: context.actor, dryRun: dryRun, logger: context.logger)
                    }
                return try JSONResponse.make(ChangeAnswer(complete: report.isComplete, rowsChanged: report.rowsChanged, report: report))
            }
            if body.dryRun == true {
                let result = try await requests.runAccess(id, actor: context.actor, dryRun: true, logger: context.logger)
                return try JSONResponse.make(
                    DryRun(
                        rows: result.rowCount,
                        collections: Dictionary(uniqueKeysWithValues: result.collections.map { ("\($0.dataset).\($0.collection)", $0.rows.count) }),
                        redactions: result.redactions, unconfirmed: result.unconfirmed))
            }
            // Checked and marked running before answering: a request that cannot run is a 4xx, and
            // the run's progress can be read at once.
            try await requests.beginAccess(id)
            let service = requests
            let actor = context.actor
            let logger = context.logger
            Task { _ = try? await service.runAccess(id, actor: actor, begun: true, logger: logger) }
            return try JSONResponse.make(["status": "running"], status: .accepted)
        }
        api.add(.get, "requests/{id}/execution", roles: .requestReaders) { _, context in
            let id = RightsRequest.ID(try context.parameters.require("id"))
            guard var status = try await requests.runStatus(id) else {
                throw StewardError(.notFound, "the request has not been run", field: "id")
            }
            if status.status == .done { status.unconfirmed = try await requests.accessResult(id)?.unconfirmed }
            return try JSONResponse.make(status)
        }
        api.add(.get, "requests/{id}/bundle", roles: .requestWorkers) { _, context in
            let id = RightsRequest.ID(try context.parameters.require("id"))
            let (archive, _) = try await requests.handOver(id, actor: context.actor) { result, request, map, supplementary in
                try AccessBundle.archive(result, request: request, dataMap: map, taxonomy: taxonomy, supplementary: supplementary)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(id.rawValue).zip\""],
                body: .init(byteBuffer: ByteBuffer(bytes: archive)))
        }
    }
}
