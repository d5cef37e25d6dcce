import Foundation
import Hummingbird
import StewardCore
import StewardStore

/// People, their wishes, and the gate's decisions over HTTP.
struct GateController: Sendable {
    let gate: GateService
    var store: Store { gate.store }

    /// The most requests one batch may carry.
    static let maximumBatch = 1000

    func register(on api: inout APIRoutes) {
        api.add(.post, "subjects", roles: .subjectWriters) { request, context in
            let body = try await request.decodeJSON(as: SubjectCreateBody.self, context: context)
            var born: CalendarDate?
            if let text = body.dateOfBirth {
                guard let date = CalendarDate(iso: text) else {
                    throw StewardError(.invalidInput, "dateOfBirth must be a date in the form YYYY-MM-DD", field: "dateOfBirth")
                }
                born = date
            }
            let subject = try await store.createSubject(
                identifiers: body.identifiers.map(\.identifier), dateOfBirth: born, isAdultAtRisk: body.adultAtRisk ?? false,
                verifiedEmails: body.verifiedEmails ?? [], actor: context.actor
            )
            return try JSONResponse.make(subject, status: .created)
        }
        api.add(.post, "subjects/search", roles: .subjectWriters) { request, context in
            let body = try await request.decodeJSON(as: SubjectSearchBody.self, context: context)
            guard let subject = try await store.findSubject(identifiers: body.identifiers.map(\.identifier)) else {
                throw StewardError(.notFound, "no single subject has all the identifiers given", field: "identifiers")
            }
            return try JSONResponse.make(subject)
        }
        api.add(.get, "subjects/{id}", roles: .subjectWriters) { _, context in
            try JSONResponse.make(try await Self.subject(context, store))
        }
        api.add(.post, "subjects/{id}/merge", roles: .subjectWriters) { request, context in
            let body = try await request.decodeJSON(as: MergeBody.self, context: context)
            let id = try context.parameters.require("id")
            return try JSONResponse.make(try await store.mergeSubjects(from: .init(body.from), into: .init(id), actor: context.actor))
        }
        api.add(.get, "subjects/{id}/preferences", roles: .subjectWriters) { _, context in
            let subject = try await Self.subject(context, store)
            let preferences = try await store.preferences(of: subject.id).map(PreferenceBody.init)
            return try JSONResponse.make(["preferences": preferences])
        }
        api.add(.post, "subjects/{id}/preferences", roles: .subjectWriters) { request, context in
            let body = try await request.decodeJSON(as: PreferenceBody.self, context: context)
            let kind = try body.preferenceKind()
            let map = try await gate.dataMaps.current()?.dataMap
            if let purpose = body.purpose, map?.purpose(.init(purpose)) == nil {
                throw StewardError(.invalidInput, "unknown purpose '\(purpose)'", field: "purpose")
            }
            if let recipient = body.recipient, map?.recipient(.init(recipient)) == nil {
                throw StewardError(.invalidInput, "unknown recipient '\(recipient)'", field: "recipient")
            }
            let given = try Self.date(body.given, field: "given") ?? .today
            let preference = try await store.addPreference(
                to: .init(try context.parameters.require("id")), kind: kind, purpose: body.purpose.map { .init($0) },
                recipient: body.recipient.map { .init($0) }, given: given, expires: try Self.date(body.expires, field: "expires"),
                actor: context.actor
            )
            return try JSONResponse.make(PreferenceBody(preference), status: .created)
        }
        api.add(.post, "subjects/{id}/preferences/{preference}/withdraw", roles: .subjectWriters) { request, context in
            let body = try await request.decodeJSON(as: WithdrawBody.self, context: context)
            let preference = try await store.withdrawPreference(
                .init(try context.parameters.require("preference")), of: .init(try context.parameters.require("id")),
                on: try Self.date(body.on, field: "on") ?? .today, noticeGiven: try Self.date(body.noticeGiven, field: "noticeGiven"),
                actor: context.actor
            )
            return try JSONResponse.make(PreferenceBody(preference))
        }
        api.add(.get, "subjects/{id}/disclosures", roles: .disclosureReaders) { _, context in
            let id = try context.parameters.require("id")
            return try JSONResponse.make(["disclosures": try await store.disclosures(of: .init(id))])
        }
        api.add(.post, "decisions", roles: .decisionMakers) { request, context in
            let body = try await request.decodeJSON(as: DecisionBody.self, context: context)
            let (decisionRequest, subject) = try body.request(actor: context.actor)
            return try JSONResponse.make(try await gate.decide(decisionRequest, subject: subject, today: .today))
        }
        api.add(.post, "decisions/batch", roles: .decisionMakers) { request, context in
            let body = try await request.decodeJSON(as: BatchBody.self, context: context)
            guard body.requests.count <= Self.maximumBatch else {
                throw StewardError(
                    .invalidInput, "a batch holds at most \(Self.maximumBatch) requests, not \(body.requests.count)", field: "requests")
            }
            let today = CalendarDate.today
            var results: [BatchResult] = []
            results.reserveCapacity(body.requests.count)
            for (index, item) in body.requests.enumerated() {
                do {
                    let data = try JSONEncoder().encode(item)
                    let decoded: DecisionBody
                    do {
                        decoded = try JSONDecoder().decode(DecisionBody.self, from: data)
                    } catch let error as DecodingError {
                        throw ErrorMiddleware<StewardRequestContext>.describe(error)
                    }
                    let (decisionRequest, subject) = try decoded.request(actor: context.actor)
                    results.append(BatchResult(decision: try await gate.decide(decisionRequest, subject: subject, today: today)))
                } catch let error as StewardError {
                    var field = error.field.map { "requests[\(index)].\($0)" }
                    if field == nil { field = "requests[\(index)]" }
                    results.append(BatchResult(error: ErrorBody.Detail(code: error.code.rawValue, message: error.message, field: field)))
                }
            }
            return try JSONResponse.make(["results": results])
        }
    }

    static func subject(_ context: StewardRequestContext, _ store: Store) async throws -> Subject {
        let id = try context.parameters.require("id")
        guard let subject = try await store.subject(.init(id)) else { throw StewardError(.notFound, "no subject with id '\(id)'", field: "id") }
        return subject
    }

    static func date(_ text: String?, field: String) throws -> CalendarDate? {
        guard let text else { return nil }
        guard let date = CalendarDate(iso: text) else {
            throw StewardError(.invalidInput, "\(field) must be a date in the form YYYY-MM-DD", field: field)
        }
        return date
    }
}

/// `POST /api/v1/decisions/batch`: items are kept as raw JSON so that one malformed item gets its own
/// error without failing the others.
struct BatchBody: Decodable {
    var requests: [JSONValue]
}

/// One result of a batch, in request order: a decision or an error.
struct BatchResult: Encodable {
    var decision: DecisionRecord?
    var error: ErrorBody.Detail?
}
