import Foundation
import HTTPTypes
import Hummingbird
import StewardCore
import StewardStore

/// Rights requests over HTTP: staff work them under `/api/v1/requests`; residents submit them and
/// confirm their identity under `/api/v1/public/requests`, which needs no token.
struct RequestsController: Sendable {
    let service: RequestService
    /// The outbox the letters wait in.
    let outbox: Store
    let limiter: PublicRateLimiter
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    let trustForwardedFor: Bool

    /// The answer to any code that does not work: the same whether the reference exists, the code
    /// is wrong, expired, used or locked, so nothing can be learned by guessing.
    static let codeRefused = StewardError(
        .invalidInput,
        "the code is not right, has expired, or has been locked after too many tries; ask for a new code",
        field: "code"
    )

    func register(on api: inout APIRoutes) {
        api.addPublic(.post, "public/requests", use: submitPublic)
        api.addPublic(.post, "public/requests/{id}/verify", use: verifyCode)
        api.addPublic(.post, "public/requests/{id}/code", use: resendCode)
        api.add(.post, "requests", roles: .requestWorkers, use: submit)
        api.add(.get, "requests", roles: .requestReaders, use: list)
        api.add(.get, "requests/{id}", roles: .requestReaders, use: show)
        api.add(.post, "requests/{id}/events", roles: .requestWorkers, use: applyChange)
        api.add(.post, "requests/{id}/identity-code", roles: .requestWorkers, use: issueCode)
        api.add(.put, "requests/{id}/tasks/{system}", roles: .requestWorkers, use: updateTask)
        api.add(.get, "requests/{id}/supplementary", roles: .requestReaders, use: supplementary)
        api.add(.get, "requests/{id}/letters/{kind}", roles: .requestWorkers, use: letter)
        api.add(.get, "outbox", roles: .requestWorkers, use: listOutbox)
        api.add(.post, "outbox/{id}/retry", roles: .requestWorkers, use: retryMessage)
    }

    static func id(_ context: StewardRequestContext) throws -> RightsRequest.ID {
        .init(try context.parameter("id"))
    }

    @Sendable func submit(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let intake = try await request.decode(as: RightsRequest.Intake.self, context: context)
        return try JSONResponse.make(try await service.submit(intake, actor: context.actor, fromPublic: false), status: .created)
    }

    @Sendable func list(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let states = try query["status"].map { try RightsRequest.State.parse(String($0)) }
        var kind: RightsRequest.Kind?
        if let text = query["kind"].map(String.init) {
            guard let value = RightsRequest.Kind(rawValue: text) else {
                throw StewardError(
                    .invalidInput,
                    "kind must be one of \(RightsRequest.Kind.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "kind"
                )
            }
            kind = value
        }
        if let within = query["dueWithin"].map(String.init) {
            guard states == nil, kind == nil, query["dueBefore"] == nil else {
                throw StewardError(.invalidInput, "dueWithin goes alone: it lists open requests with a running clock", field: "dueWithin")
            }
            return try JSONResponse.make(["requests": try await service.due(within: try RightsRequest.days(within, field: "dueWithin"))])
        }
        let dueBefore = try CalendarDate(field: "dueBefore", query["dueBefore"].map(String.init))
        return try JSONResponse.make(["requests": try await service.list(states: states, kind: kind, dueBefore: dueBefore)])
    }

    @Sendable func show(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await service.request(try Self.id(context)))
    }

    @Sendable func applyChange(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let input = try await request.decode(as: RightsRequest.ChangeInput.self, context: context)
        return try JSONResponse.make(try await service.apply(input, to: try Self.id(context), actor: context.actor))
    }

    @Sendable func issueCode(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try await service.issueCode(for: try Self.id(context), actor: context.actor, fromPublic: false)
        return try JSONResponse.make(["status": "sent"], status: .accepted)
    }

    @Sendable func updateTask(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: TaskBody.self, context: context)
        return try JSONResponse.make(
            try await service.updateTask(
                .init(try context.parameter("system")),
                of: try Self.id(context),
                status: body.status,
                owner: body.owner,
                note: body.note,
                actor: context.actor
            )
        )
    }

    @Sendable func supplementary(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await service.supplementaryInformation(for: try Self.id(context)))
    }

    @Sendable func letter(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let kindText = try context.parameter("kind")
        guard let kind = LetterKind(rawValue: kindText) else {
            throw StewardError(.invalidInput, "kind must be one of \(LetterKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        let letter = try await service.previewLetter(kind, for: try Self.id(context))
        switch request.uri.queryParameters["format"].map(String.init) ?? "json" {
        case "json": return try JSONResponse.make(letter)
        case "text": return JSONResponse.text(letter.text, contentType: "text/plain; charset=utf-8")
        case "html": return JSONResponse.text(letter.html, contentType: "text/html; charset=utf-8")
        case let other: throw StewardError(.invalidInput, "format must be json, text or html, not '\(other)'", field: "format")
        }
    }

    @Sendable func listOutbox(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var status: OutboxMessage.Status?
        if let text = query["status"].map(String.init) {
            guard let value = OutboxMessage.Status(rawValue: text) else {
                throw StewardError(.invalidInput, "status must be pending, sent or failed", field: "status")
            }
            status = value
        }
        return try JSONResponse.make(["messages": try await outbox.outbox(status: status, request: query["request"].map { .init(String($0)) })])
    }

    @Sendable func retryMessage(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await outbox.retryMessage(try context.parameter("id"), actor: context.actor))
    }

    // MARK: Residents

    @Sendable func submitPublic(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try await limiter.admit(client(request, context), .submission)
        let intake = try await request.decode(as: RightsRequest.Intake.self, context: context, limit: Self.publicBodyLimit, formAllowed: false)
        // However many places ask, one address gets only a few codes an hour.
        if let email = try intake.requester.validated().email { try await limiter.admit(email, .address) }
        let view = try await service.submit(intake, actor: "public", fromPublic: true)
        return try JSONResponse.make(
            PublicAnswer(
                reference: view.request.id.rawValue,
                status: "awaiting_identity",
                message:
                    "We have your request. We have sent a code to the email address you gave; enter it within \(IdentityChallenge.lifetime / 60) minutes to confirm your identity. Keep your reference."
            ),
            status: .accepted
        )
    }

    @Sendable func verifyCode(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try await limiter.admit(client(request, context), .verification)
        let body = try await request.decode(as: CodeBody.self, context: context, limit: Self.publicBodyLimit, formAllowed: false)
        let id = try Self.id(context)
        switch try await service.verifyCode(body.code, for: id) {
        case .verified(let view):
            return try JSONResponse.make(
                PublicAnswer(
                    reference: id.rawValue,
                    status: view.state.rawValue,
                    message: "Thank you: your identity is confirmed and we are working on your request.",
                    due: view.clock.due?.description
                )
            )
        case .refused:
            throw Self.codeRefused
        }
    }

    @Sendable func resendCode(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try await limiter.admit(client(request, context), .verification)
        let id = try Self.id(context)
        // Whether or not a code could be sent, the answer is the same.
        do {
            try await service.issueCode(for: id, actor: "requester", fromPublic: true)
        } catch let error as StewardError where error.code == .notFound || error.code == .conflict {}
        return try JSONResponse.make(
            PublicAnswer(
                reference: id.rawValue,
                status: "received",
                message: "If this request is waiting for a code, a new one has been sent. If none arrives, contact the council."
            ),
            status: .accepted
        )
    }

    /// The most a resident's request body may hold.
    static let publicBodyLimit = 256 * 1024

    func client(_ request: Request, _ context: StewardRequestContext) -> String {
        context.caller(of: request, trustForwardedFor: trustForwardedFor)
    }
}

/// `PUT /api/v1/requests/{id}/tasks/{system}`.
struct TaskBody: Decodable {
    var status: RequestTask.Status?
    var owner: String?
    var note: String?
}

/// `POST /api/v1/public/requests/{id}/verify`.
struct CodeBody: Decodable {
    var code: String
}

/// Limits how often one address may use the public routes, so codes cannot be guessed across many
/// requests and the intake cannot be flooded. Counts are kept per process in fixed windows.
actor PublicRateLimiter {
    enum Bucket: Sendable {
        case submission
        case verification
        /// Submissions naming one email address.
        case address

        /// How many in how many seconds.
        var limit: (count: Int, seconds: Int64) {
            switch self {
            case .submission: (20, 3600)
            case .verification: (60, 900)
            case .address: (5, 3600)
            }
        }
    }

    private var counts: [String: (window: Int64, count: Int)] = [:]

    func admit(_ address: String, _ bucket: Bucket, now: Int64 = IdentityChallenge.now()) throws {
        let (limit, seconds) = bucket.limit
        let window = now / seconds
        let key = "\(bucket):\(address)"
        var entry = counts[key] ?? (window, 0)
        if entry.window != window { entry = (window, 0) }
        entry.count += 1
        counts[key] = entry
        if counts.count > 100_000 { counts = counts.filter { $0.value.window == window } }
        guard entry.count <= limit else {
            throw StewardError(.tooManyRequests, "too many requests from this address; try again later")
        }
    }
}
