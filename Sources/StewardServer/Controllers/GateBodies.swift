public import Foundation
public import StewardCore
public import StewardStore

/// An identifier as the API takes it.
struct IdentifierBody: Codable {
    var kind: String
    var value: String
    var system: String?

    var identifier: Subject.Identifier { .init(kind: kind, value: value, system: system.map { .init($0) }) }
}

/// `POST /api/v1/subjects`.
struct SubjectCreateBody: Decodable {
    var identifiers: [IdentifierBody]
    var dateOfBirth: String?
    var adultAtRisk: Bool?
    var verifiedEmails: [String]?
}

/// `POST /api/v1/subjects/search`: identifiers in the body, never in a URL that proxies log.
struct SubjectSearchBody: Decodable {
    var identifiers: [IdentifierBody]
}

struct MergeBody: Decodable {
    var from: String
}

/// A preference as the API shows and takes it: a flat object with the fields its kind needs.
struct PreferenceBody: Codable {
    var id: String?
    /// consent, explicit_consent, refusal, contact_condition, objection, restriction, marketing_opt_out.
    var kind: String
    var purpose: String?
    var recipient: String?
    var channels: [Channel]?
    /// For objections: pending, upheld, overridden, not_applicable.
    var outcome: String?
    var reason: String?
    var ground: String?
    var given: String?
    var expires: String?
    var withdrawn: String?

    init(_ preference: Preference) {
        id = preference.id.rawValue
        kind = preference.kind.name
        purpose = preference.purpose?.rawValue
        recipient = preference.recipient?.rawValue
        given = preference.given.description
        expires = preference.expires?.description
        withdrawn = preference.withdrawn?.description
        switch preference.kind {
        case .channels(let list): channels = list
        case .objection(let result):
            switch result {
            case .pending: outcome = "pending"
            case .upheld: outcome = "upheld"
            case .overridden(let text):
                outcome = "overridden"
                reason = text
            case .notApplicable: outcome = "not_applicable"
            }
        case .restriction(let text): ground = text
        default: break
        }
    }

    /// The kind this body describes, or an error naming the field at fault.
    func preferenceKind() throws -> Preference.Kind {
        switch kind {
        case "consent": return .consent(explicit: false)
        case "explicit_consent": return .consent(explicit: true)
        case "refusal": return .refusal
        case "contact_condition": return .channels(channels ?? [])
        case "marketing_opt_out": return .marketingOptOut
        case "restriction": return .restriction(ground: ground ?? "")
        case "objection":
            switch outcome ?? "pending" {
            case "pending": return .objection(.pending)
            case "upheld": return .objection(.upheld)
            case "overridden": return .objection(.overridden(reason: reason ?? ""))
            case "not_applicable": return .objection(.notApplicable)
            default:
                throw StewardError(.invalidInput, "outcome must be pending, upheld, overridden or not_applicable", field: "outcome")
            }
        default:
            throw StewardError(
                .invalidInput,
                "kind must be consent, explicit_consent, refusal, contact_condition, objection, restriction or marketing_opt_out",
                field: "kind"
            )
        }
    }
}

struct WithdrawBody: Decodable {
    var on: String?
    var noticeGiven: String?
}

/// A subject reference in a decision request: an id, or identifiers.
struct SubjectReferenceBody: Decodable {
    var id: String?
    var identifiers: [IdentifierBody]?

    func reference() throws -> SubjectReference {
        if let id { return .id(.init(id)) }
        if let identifiers, !identifiers.isEmpty { return .identifiers(identifiers.map(\.identifier)) }
        throw StewardError(.invalidInput, "subject needs an id or identifiers", field: "subject")
    }
}

/// A justification as the API takes it.
struct JustificationBody: Decodable {
    /// legal_requirement, vital_interests, safeguarding, care_under_confidentiality, legal_claims,
    /// protecting_another_person, important_public_interest.
    var type: String
    var reference: String?
    var statement: String?
    var personCannotConsent: Bool?
    var consentNotObtainable: Bool?

    func justification() throws -> Justification {
        func required(_ value: String?, _ field: String) throws -> String {
            guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw StewardError(.invalidInput, "a \(type) justification needs '\(field)'", field: "justification.\(field)")
            }
            return value
        }
        switch type {
        case "legal_requirement": return .legalRequirement(reference: try required(reference, "reference"))
        case "vital_interests":
            return .vitalInterests(statement: try required(statement, "statement"), personCannotConsent: personCannotConsent ?? false)
        case "safeguarding":
            return .safeguarding(statement: try required(statement, "statement"), consentNotObtainable: consentNotObtainable ?? false)
        case "care_under_confidentiality": return .careUnderConfidentiality(statement: try required(statement, "statement"))
        case "legal_claims": return .legalClaims(reference: try required(reference, "reference"))
        case "protecting_another_person": return .protectingAnotherPerson(statement: try required(statement, "statement"))
        case "important_public_interest": return .importantPublicInterest(reference: try required(reference, "reference"))
        default:
            throw StewardError(
                .invalidInput,
                "justification.type must be legal_requirement, vital_interests, safeguarding, care_under_confidentiality, legal_claims, protecting_another_person or important_public_interest",
                field: "justification.type"
            )
        }
    }
}

/// `POST /api/v1/decisions` and each item of a batch.
struct DecisionBody: Decodable {
    var system: String
    var subject: SubjectReferenceBody?
    var categories: [String]
    var purpose: String
    var recipient: String?
    var channel: Channel?
    var justification: JustificationBody?

    func request(actor: String) throws -> (DecisionRequest, SubjectReference?) {
        let request = DecisionRequest(
            actor: actor, system: .init(system), categories: categories, purpose: .init(purpose), recipient: recipient.map { .init($0) },
            channel: channel, justification: try justification?.justification()
        )
        return (request, try subject?.reference())
    }
}

/// Reads decision requests in the API's JSON form — one object, or an array of them — for the
/// command line's `steward gate check`.
public func decisionRequests(fromJSON data: Data, actor: String) throws -> [(DecisionRequest, SubjectReference?)] {
    do {
        if let many = try? JSONDecoder().decode([DecisionBody].self, from: data) {
            return try many.map { try $0.request(actor: actor) }
        }
        return [try JSONDecoder().decode(DecisionBody.self, from: data).request(actor: actor)]
    } catch let error as DecodingError {
        throw ErrorMiddleware<StewardRequestContext>.describe(error)
    }
}
