import Foundation
import HTTPTypes
import Hummingbird
import StewardCore
import StewardStore

/// Rights requests over HTTP: staff work them under `/api/v1/requests`; residents submit them and
/// confirm their identity under `/api/v1/public/requests`, which needs no token.
struct RequestsController: Sendable {
    let service: RequestService
    let limiter: PublicRateLimiter
    let today: @Sendable () -> CalendarDate
    /// Take the client's address from `X-Forwarded-For` (only behind a proxy that sets it).
    let trustForwardedFor: Bool

    /// The answer to any code that does not work: the same whether the reference exists, the code
    /// is wrong, expired, used or locked, so nothing can be learned by guessing.
    static let codeRefused = StewardError(
        .invalidInput, "the code is not right, has expired, or has been locked after too many tries; ask for a new code", field: "code")

    func register(on api: inout APIRoutes) {
        registerPublic(on: &api)
        api.add(.post, "requests", roles: .requestWorkers) { request, context in
            let intake = try await request.decodeJSON(as: RequestService.Intake.self, context: context)
            return try JSONResponse.make(try await service.submit(intake, actor: context.actor, fromPublic: false, today: today()), status: .created)
        }
        api.add(.get, "requests", roles: .requestReaders) { request, _ in
            let query = request.uri.queryParameters
            var states: Set<RightsRequest.State>?
            if let text = query["status"].map(String.init) {
                states = try RightsRequest.State.parse(text)
            }
            var kind: RightsRequest.Kind?
            if let text = query["kind"].map(String.init) {
                guard let value = RightsRequest.Kind(rawValue: text) else {
                    throw StewardError(
                        .invalidInput, "kind must be one of \(RightsRequest.Kind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
                }
                kind = value
            }
            let dueBefore = try GateController.date(query["dueBefore"].map(String.init), field: "dueBefore")
            return try JSONResponse.make(["requests": try await service.list(states: states, kind: kind, dueBefore: dueBefore, today: today())])
        }
        api.add(.get, "requests/{id}", roles: .requestReaders) { _, context in
            try JSONResponse.make(try await service.request(.init(try context.parameters.require("id")), today: today()))
        }
        api.add(.post, "requests/{id}/events", roles: .requestWorkers) { request, context in
            let input = try await request.decodeJSON(as: RequestService.ChangeInput.self, context: context)
            let id = RightsRequest.ID(try context.parameters.require("id"))
            return try JSONResponse.make(try await service.apply(input, to: id, actor: context.actor, today: today()))
        }
        api.add(.post, "requests/{id}/identity-code", roles: .requestWorkers) { _, context in
            let id = RightsRequest.ID(try context.parameters.require("id"))
            try await service.issueCode(for: id, actor: context.actor, fromPublic: false, today: today())
            return try JSONResponse.make(["status": "sent"], status: .accepted)
        }
        api.add(.put, "requests/{id}/tasks/{system}", roles: .requestWorkers) { request, context in
            let body = try await request.decodeJSON(as: TaskBody.self, context: context)
            guard body.status != nil || body.owner != nil || body.note != nil else {
                throw StewardError(.invalidInput, "give a status, an owner or a note", field: "status")
            }
            return try JSONResponse.make(
                try await service.updateTask(
                    .init(try context.parameters.require("system")), of: .init(try context.parameters.require("id")), status: body.status,
                    owner: body.owner, note: body.note, actor: context.actor, today: today()
                )
            )
        }
        api.add(.get, "requests/{id}/supplementary", roles: .requestReaders) { _, context in
            try JSONResponse.make(try await service.supplementaryInformation(for: .init(try context.parameters.require("id")), today: today()))
        }
        api.add(.get, "requests/{id}/letters/{kind}", roles: .requestWorkers) { request, context in
            let kindText = try context.parameters.require("kind")
            guard let kind = LetterKind(rawValue: kindText) else {
                throw StewardError(.invalidInput, "kind must be one of \(LetterKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
            }
            let letter = try await service.previewLetter(kind, for: .init(try context.parameters.require("id")), today: today())
            switch request.uri.queryParameters["format"].map(String.init) ?? "json" {
            case "json": return try JSONResponse.make(letter)
            case "text": return JSONResponse.text(letter.text, contentType: "text/plain; charset=utf-8")
            case "html": return JSONResponse.text(letter.html, contentType: "text/html; charset=utf-8")
            case let other: throw StewardError(.invalidInput, "format must be json, text or html, not '\(other)'", field: "format")
            }
        }
        api.add(.get, "outbox", roles: .requestWorkers) { request, _ in
            let query = request.uri.queryParameters
            var status: OutboxMessage.Status?
            if let text = query["status"].map(String.init) {
                guard let value = OutboxMessage.Status(rawValue: text) else {
                    throw StewardError(.invalidInput, "status must be pending, sent or failed", field: "status")
                }
                status = value
            }
            let messages = try await service.store.outbox(status: status, request: query["request"].map { .init(String($0)) })
            return try JSONResponse.make(["messages": messages])
        }
        api.add(.post, "outbox/{id}/retry", roles: .requestWorkers) { _, context in
            try JSONResponse.make(try await service.store.retryMessage(try context.parameters.require("id"), actor: context.actor))
        }
    }

    func registerPublic(on api: inout APIRoutes) {
        api.addPublic(.post, "public/requests") { request, context in
            try await limiter.admit(client(request, context), .submission)
            let intake = try await request.decodeJSON(as: RequestService.Intake.self, context: context, limit: Self.publicBodyLimit)
            // However many places ask, one address gets only a few codes an hour.
            if let email = try intake.requester.validated().email { try await limiter.admit(email, .address) }
            let view = try await service.submit(intake, actor: "public", fromPublic: true, today: today())
            return try JSONResponse.make(
                PublicAnswer(
                    reference: view.request.id.rawValue, status: "awaiting_identity",
                    message:
                        "We have your request. We have sent a code to the email address you gave; enter it within \(IdentityChallenge.lifetime / 60) minutes to confirm your identity. Keep your reference."
                ),
                status: .accepted
            )
        }
        api.addPublic(.post, "public/requests/{id}/verify") { request, context in
            try await limiter.admit(client(request, context), .verification)
            let body = try await request.decodeJSON(as: CodeBody.self, context: context, limit: Self.publicBodyLimit)
            let id = RightsRequest.ID(try context.parameters.require("id"))
            switch try await service.verifyCode(body.code, for: id, today: today()) {
            case .verified(let view):
                return try JSONResponse.make(
                    PublicAnswer(
                        reference: id.rawValue, status: view.state.rawValue,
                        message: "Thank you: your identity is confirmed and we are working on your request.", due: view.clock.due?.description
                    )
                )
            case .refused:
                throw Self.codeRefused
            }
        }
        api.addPublic(.post, "public/requests/{id}/code") { request, context in
            try await limiter.admit(client(request, context), .verification)
            let id = RightsRequest.ID(try context.parameters.require("id"))
            // Whether or not a code could be sent, the answer is the same.
            do {
                try await service.issueCode(for: id, actor: "requester", fromPublic: true, today: today())
            } catch let error as StewardError where error.code == .notFound || error.code == .conflict {}
            return try JSONResponse.make(
                PublicAnswer(
                    reference: id.rawValue, status: "received",
                    message: "If this request is waiting for a code, a new one has been sent. If none arrives, contact the council."
                ),
                status: .accepted
            )
        }
    }

    /// The most a resident's request body may hold.
    static let publicBodyLimit = 64 * 1024

    /// Who is calling, for the limits: the connection's address, or behind the council's proxy
    /// (`trust_forwarded_for`) the first address of `X-Forwarded-For`. IPv6 addresses count by
    /// their /64, which one household or device usually has to itself.
    func client(_ request: Request, _ context: StewardRequestContext) -> String {
        var address = context.remoteAddress
        if trustForwardedFor, let header = request.headers[HTTPField.Name("X-Forwarded-For")!],
            let first = header.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        {
            address = first
        }
        if address.contains(":") {
            let groups = address.split(separator: ":", omittingEmptySubsequences: false).prefix(4)
            return groups.joined(separator: ":") + "::/64"
        }
        return address
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

/// What a resident is told: never anything about the person or what the council holds.
struct PublicAnswer: Encodable {
    var reference: String
    var status: String
    var message: String
    var due: String?
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

    func admit(_ address: String, _ bucket: Bucket, now: Int64 = Store.epochSeconds()) throws {
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
