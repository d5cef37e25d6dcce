import Foundation
import Hummingbird
import StewardCore
import StewardFiles

/// The retention schedule over HTTP: plan a sweep, start one (carried on in the background) and
/// follow its progress, read disposal certificates (JSON, or a page), place and lift holds, decide
/// reviews, pause and resume sweeps, and the compliance view.
struct RetentionController: Sendable {
    let service: RetentionService
    let scheduler: RetentionScheduler
    let page: CertificatePage
    let dataMaps: DataMapCache

    func register(on api: inout APIRoutes) {
        api.add(.post, "retention/plan", roles: .retentionOperators, use: plan)
        api.add(.post, "retention/runs", roles: .retentionOperators, use: startRun)
        api.add(.get, "retention/runs", roles: .retentionReaders, use: runs)
        api.add(.get, "retention/runs/{id}", roles: .retentionReaders, use: run)
        api.add(.get, "retention/certificates", roles: .retentionReaders, use: certificates)
        api.add(.get, "retention/certificates/{id}", roles: .retentionReaders, use: certificate)
        api.add(.get, "retention/holds", roles: .retentionReaders, use: holds)
        api.add(.post, "retention/holds", roles: .retentionOperators, use: addHold)
        api.add(.post, "retention/holds/{id}/lift", roles: .retentionOperators, use: liftHold)
        api.add(.get, "retention/reviews", roles: .retentionReaders, use: reviews)
        api.add(.post, "retention/reviews/{id}/decision", roles: .retentionOperators, use: decide)
        api.add(.get, "retention/status", roles: .retentionReaders, use: status)
        api.add(.post, "retention/pause", roles: .retentionOperators, use: pause)
        api.add(.post, "retention/resume", roles: .retentionOperators, use: resume)
    }

    struct RuleBody: Decodable {
        var rule: String?
    }

    struct ReasonBody: Decodable {
        var reason: String
    }

    struct DecisionBody: Decodable {
        var decision: RetentionReview.Decision
        var keepUntil: CalendarDate?
        var reason: String
    }

    /// A body that may be left out entirely.
    func optionalBody<Body: Decodable>(_ type: Body.Type, _ request: Request, context: StewardRequestContext, empty: Body) async throws -> Body {
        guard request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.transferEncoding] != nil) else { return empty }
        return try await request.decode(as: type, context: context)
    }

    @Sendable func plan(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await optionalBody(RuleBody.self, request, context: context, empty: RuleBody())
        return try JSONResponse.make(try await service.plan(actor: context.actor, rule: body.rule))
    }

    @Sendable func startRun(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await optionalBody(RuleBody.self, request, context: context, empty: RuleBody())
        // Recorded as running before answering, so its progress can be read at once.
        let run = try await service.begin(actor: context.actor, rule: body.rule)
        scheduler.submit(run, actor: context.actor)
        return try JSONResponse.make(run, status: .accepted)
    }

    @Sendable func runs(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(["runs": try await service.runs()])
    }

    @Sendable func run(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await service.run(.init(try context.parameter("id"))))
    }

    @Sendable func certificates(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let list = try await service.certificates(run: query["run"].map { .init(String($0)) }, rule: query["rule"].map(String.init))
        return try JSONResponse.make(["certificates": list])
    }

    /// JSON, or with `?format=html` (or `Accept: text/html`) a page to print and file.
    @Sendable func certificate(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let certificate = try await service.certificate(.init(try context.parameter("id")))
        let format = request.uri.queryParameters["format"].map(String.init)
        if let format, format != "json", format != "html" {
            throw StewardError(.invalidInput, "format is json or html", field: "format")
        }
        let wantsPage = format == "html" || (format == nil && (request.headers[.accept]?.hasPrefix("text/html") ?? false))
        guard wantsPage else { return try JSONResponse.make(certificate) }
        let controller = try await dataMaps.current()?.dataMap.controller.name ?? "The council"
        return JSONResponse.text(page.render(certificate, controller: controller), contentType: "text/html; charset=utf-8")
    }

    @Sendable func holds(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let values = request.uri.queryParameters.getAll("all")
        guard values.count <= 1, values.allSatisfy({ $0 == "true" || $0 == "false" }) else {
            throw StewardError(.invalidInput, "all is true or false, given once", field: "all")
        }
        let all = values.first == "true"
        return try JSONResponse.make(["holds": try await service.holds(includingLifted: all)])
    }

    @Sendable func addHold(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let draft = try await request.decode(as: LegalHold.Draft.self, context: context)
        return try JSONResponse.make(try await service.addHold(draft, actor: context.actor), status: .created)
    }

    @Sendable func liftHold(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: ReasonBody.self, context: context)
        return try JSONResponse.make(try await service.liftHold(.init(try context.parameter("id")), reason: body.reason, actor: context.actor))
    }

    @Sendable func reviews(_ request: Request, context: StewardRequestContext) async throws -> Response {
        var state: RetentionReview.State?
        if let text = request.uri.queryParameters["state"].map(String.init) {
            guard let value = RetentionReview.State(rawValue: text) else {
                throw StewardError(.invalidInput, "state is open, disposed or kept", field: "state")
            }
            state = value
        }
        return try JSONResponse.make(["reviews": try await service.reviews(state: state)])
    }

    @Sendable func decide(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: DecisionBody.self, context: context)
        let review = try await service.decide(
            .init(try context.parameter("id")),
            decision: body.decision,
            keepUntil: body.keepUntil,
            reason: body.reason,
            actor: context.actor
        )
        return try JSONResponse.make(review)
    }

    @Sendable func status(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await service.status())
    }

    @Sendable func pause(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: ReasonBody.self, context: context)
        return try JSONResponse.make(try await service.pause(reason: body.reason, actor: context.actor))
    }

    @Sendable func resume(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try await service.resume(actor: context.actor)
        return Response(status: .noContent)
    }
}
