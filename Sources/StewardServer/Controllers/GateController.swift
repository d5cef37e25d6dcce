import Foundation
import Hummingbird
import StewardCore

/// People, their wishes, and the gate's decisions over HTTP. Each handler decodes its input, calls
/// `GateService` once, and encodes the answer.
struct GateController: Sendable {
    let gate: GateService

    func register(on api: inout APIRoutes) {
        api.add(.post, "subjects", roles: .subjectWriters, use: createSubject)
        api.add(.post, "subjects/search", roles: .subjectWriters, use: findSubject)
        api.add(.get, "subjects/{id}", roles: .subjectWriters, use: subject)
        api.add(.post, "subjects/{id}/merge", roles: .subjectWriters, use: mergeSubject)
        api.add(.get, "subjects/{id}/preferences", roles: .subjectWriters, use: preferences)
        api.add(.post, "subjects/{id}/preferences", roles: .subjectWriters, use: addPreference)
        api.add(.post, "subjects/{id}/preferences/{preference}/withdraw", roles: .subjectWriters, use: withdrawPreference)
        api.add(.get, "subjects/{id}/disclosures", roles: .disclosureReaders, use: disclosures)
        api.add(.post, "decisions", roles: .decisionMakers, use: decide)
        api.add(.post, "decisions/what-if", roles: .whatIfAskers, use: decideWhatIf)
        api.add(.post, "decisions/batch", roles: .decisionMakers, use: decideBatch)
    }

    /// `POST /api/v1/subjects`.
    struct SubjectCreateBody: Decodable {
        var identifiers: [Subject.Identifier]
        var dateOfBirth: String?
        var adultAtRisk: Bool?
        var verifiedEmails: [String]?
    }

    /// `POST /api/v1/subjects/search`: identifiers in the body, never in a URL that proxies log.
    struct SubjectSearchBody: Decodable {
        var identifiers: [Subject.Identifier]
    }

    struct MergeBody: Decodable {
        var from: String
    }

    struct WithdrawBody: Decodable {
        var on: String?
        var noticeGiven: String?
    }

    @Sendable func createSubject(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: SubjectCreateBody.self, context: context)
        let subject = try await gate.createSubject(
            identifiers: body.identifiers,
            dateOfBirth: try CalendarDate(field: "dateOfBirth", body.dateOfBirth),
            isAdultAtRisk: body.adultAtRisk ?? false,
            verifiedEmails: body.verifiedEmails ?? [],
            actor: context.actor
        )
        return try JSONResponse.make(subject, status: .created)
    }

    @Sendable func findSubject(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: SubjectSearchBody.self, context: context)
        guard let subject = try await gate.findSubject(identifiers: body.identifiers) else {
            throw StewardError(.notFound, "no single subject has all the identifiers given", field: "identifiers")
        }
        return try JSONResponse.make(subject)
    }

    @Sendable func subject(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(try await gate.subject(.init(try context.parameter("id"))))
    }

    @Sendable func mergeSubject(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: MergeBody.self, context: context)
        let id = try context.parameter("id")
        return try JSONResponse.make(try await gate.mergeSubjects(from: .init(body.from), into: .init(id), actor: context.actor))
    }

    @Sendable func preferences(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let preferences = try await gate.preferences(of: .init(try context.parameter("id"))).map(Preference.Draft.init)
        return try JSONResponse.make(["preferences": preferences])
    }

    @Sendable func addPreference(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: Preference.Draft.self, context: context)
        let preference = try await gate.addPreference(body, to: .init(try context.parameter("id")), actor: context.actor)
        return try JSONResponse.make(Preference.Draft(preference), status: .created)
    }

    @Sendable func withdrawPreference(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: WithdrawBody.self, context: context)
        let preference = try await gate.withdrawPreference(
            .init(try context.parameter("preference")),
            of: .init(try context.parameter("id")),
            on: try CalendarDate(field: "on", body.on),
            noticeGiven: try CalendarDate(field: "noticeGiven", body.noticeGiven),
            actor: context.actor
        )
        return try JSONResponse.make(Preference.Draft(preference))
    }

    @Sendable func disclosures(_ request: Request, context: StewardRequestContext) async throws -> Response {
        try JSONResponse.make(["disclosures": try await gate.disclosures(of: .init(try context.parameter("id")))])
    }

    @Sendable func decide(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: DecisionBody.self, context: context)
        let (decisionRequest, subject) = try body.request(actor: context.actor)
        let asOf = try Self.whatIfDate(body, context: context)
        return try JSONResponse.make(try await gate.decide(decisionRequest, subject: subject, asOf: asOf))
    }

    /// `POST /api/v1/decisions/what-if`: for the DPO and auditors, whose questions must never
    /// permit anything; `asOf` is required.
    @Sendable func decideWhatIf(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: DecisionBody.self, context: context)
        let (decisionRequest, subject) = try body.request(actor: context.actor)
        guard let asOf = try Self.whatIfDate(body, context: context) else {
            throw StewardError(.invalidInput, "a what-if needs asOf, the day to decide as on", field: "asOf")
        }
        return try JSONResponse.make(try await gate.decide(decisionRequest, subject: subject, asOf: asOf))
    }

    /// The day a what-if is asked about: only the DPO and auditors may ask one.
    static func whatIfDate(_ body: DecisionBody, context: StewardRequestContext) throws -> CalendarDate? {
        let asOf = try body.whatIfDate()
        if asOf != nil, let role = context.token?.role, !Set<Role>.whatIfAskers.contains(role) {
            throw StewardError(.forbidden, "only the DPO and auditors may ask what the gate decides on another day", field: "asOf")
        }
        return asOf
    }

    /// `POST /api/v1/decisions/batch`: items are read as JSON first, so that each is decoded on its
    /// own. An item that is not a decision request (a field missing, mistyped, unknown) makes the
    /// whole batch a 400 naming it, as the document describes every item; an item that is well
    /// formed but breaks a rule (an unknown system) gets its own error without failing the others.
    struct BatchBody: Decodable {
        var requests: [JSONValue]
    }

    @Sendable func decideBatch(_ request: Request, context: StewardRequestContext) async throws -> Response {
        let body = try await request.decode(as: BatchBody.self, context: context)
        let today = gate.today()
        // Read every item first: one that is malformed refuses the batch before anything is decided.
        var items: [Result<(DecisionRequest, SubjectReference?, CalendarDate?), StewardError>] = []
        items.reserveCapacity(body.requests.count)
        for (index, item) in body.requests.enumerated() {
            do {
                let decoded = try StewardError.decodingInput(DecisionBody.self, from: item)
                let (decisionRequest, subject) = try decoded.request(actor: context.actor)
                items.append(.success((decisionRequest, subject, try Self.whatIfDate(decoded, context: context))))
            } catch let error as StewardError {
                let placed = error.at(field: error.field.map { "requests[\(index)].\($0)" } ?? "requests[\(index)]")
                if error.code == .malformedInput { throw placed }
                items.append(.failure(placed))
            }
        }
        var results: [BatchResult] = []
        results.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            do {
                let (decisionRequest, subject, asOf) = try item.get()
                results.append(BatchResult(decision: try await gate.decide(decisionRequest, subject: subject, today: today, asOf: asOf)))
            } catch let error as StewardError {
                let field = error.field.map { $0.hasPrefix("requests[") ? $0 : "requests[\(index)].\($0)" } ?? "requests[\(index)]"
                results.append(BatchResult(error: ErrorBody.Detail(code: error.code.rawValue, message: error.message, field: field)))
            }
        }
        return try JSONResponse.make(["results": results])
    }
}
