import Foundation
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// The council's own databases over HTTP: register a source for a dataset, check it, and run a
/// request across every source — an access request's search in the background, a change at once —
/// then download the bundle.
struct SourcesController: Sendable {
    let services: StewardServices
    /// Runs access searches beside the server.
    let runner: AccessRunner

    var requests: RequestService { services.requests }
    /// Where sources are registered (their locations sealed).
    var store: Store { services.store }

    func register(on api: inout APIRoutes) {
        api.add(.post, "sources", roles: .sourceAdministrators, use: addSource)
        api.add(.get, "sources", roles: .sourceReaders, use: listSources)
        api.add(.delete, "sources/{id}", roles: .sourceAdministrators, use: removeSource)
        api.add(.post, "sources/{id}/test", roles: .sourceAdministrators, use: checkSource)
        api.add(.post, "requests/{id}/execute", roles: .requestWorkers, use: execute)
        api.add(.get, "requests/{id}/execution", roles: .requestReaders, use: execution)
        api.add(.get, "requests/{id}/bundle", roles: .requestWorkers, use: bundle)
    }

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

        /// A misspelt field is refused: an erasure whose policy went unread would mask everything
        /// with null.
        init(from decoder: any Decoder) throws {
            try decoder.refuseUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun)
            corrections = try container.decodeIfPresent([Correction].self, forKey: .corrections)
            erasure = try container.decodeIfPresent(ErasurePolicy.self, forKey: .erasure)
        }
    }

    @Sendable func addSource(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: SourceBody.self, context: context)
        let source = try await store.addSource(
            id: body.id,
            name: body.name,
            kind: body.kind,
            dataset: .init(body.dataset),
            location: body.location,
            actor: context.actor
        )
        return try JSONResponse.make(source, status: .created)
    }

    @Sendable func listSources(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(["sources": try await store.sources()])
    }

    @Sendable func removeSource(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try await store.removeSource(.init(try context.parameter("id")), actor: context.actor)
        return Response(status: .noContent)
    }

    @Sendable func checkSource(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await store.checkSource(.init(try context.parameter("id")), actor: context.actor))
    }

    @Sendable func execute(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: ExecuteBody.self, context: context)
        let id = RightsRequest.ID(try context.parameter("id"))
        let kind = try await requests.request(id).request.kind
        if let plan = try ChangePlan(kind: kind, corrections: body.corrections, erasure: body.erasure) {
            let report = try await requests.run(id, plan: plan, actor: context.actor, dryRun: body.dryRun ?? false)
            return try JSONResponse.make(ChangeAnswer(complete: report.isComplete, rowsChanged: report.rowsChanged, report: report))
        }
        if body.dryRun == true {
            let result = try await requests.runAccess(id, actor: context.actor, dryRun: true)
            return try JSONResponse.make(
                DryRun(
                    rows: result.rowCount,
                    collections: Dictionary(uniqueKeysWithValues: result.collections.map { ("\($0.dataset).\($0.collection)", $0.rows.count) }),
                    redactions: result.redactions,
                    unconfirmed: result.unconfirmed
                )
            )
        }
        // Checked and marked running before answering: a request that cannot run is a 4xx, and
        // the run's progress can be read at once.
        try await requests.beginAccess(id)
        runner.submit(id, actor: context.actor)
        return try JSONResponse.make(["status": "running"], status: .accepted)
    }

    @Sendable func execution(_ request: Request, context: StewardRequestContext) async throws -> Response {
        guard let status = try await requests.runStatus(.init(try context.parameter("id"))) else {
            throw StewardError(.notFound, "the request has not been run", field: "id")
        }
        return try JSONResponse.make(status)
    }

    @Sendable func bundle(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let id = RightsRequest.ID(try context.parameter("id"))
        let headers: HTTPFields = [.contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(id.rawValue).zip\""]
        // HEAD says whether there is a bundle to download, without making one or recording a download.
        if request.method == .head {
            guard try await requests.accessResult(id) != nil else {
                throw StewardError(.conflict, "there is no completed search for this request to hand over", field: "id")
            }
            return Response(status: .ok, headers: headers)
        }
        let archive = try await services.bundle(for: id, actor: context.actor)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: archive)))
    }
}
