public import Foundation

extension Preference {
    /// A preference as the API shows and takes it: a flat object with the fields its kind needs.
    public struct Draft: Codable, Sendable {
        public var id: String?
        /// consent, explicit_consent, refusal, contact_condition, objection, restriction, marketing_opt_out.
        public var kind: String
        public var purpose: String?
        public var recipient: String?
        public var channels: [Channel]?
        /// For objections: pending, upheld, overridden, not_applicable.
        public var outcome: String?
        public var reason: String?
        public var ground: String?
        public var given: String?
        public var expires: String?
        public var withdrawn: String?

        public init(_ preference: Preference) {
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

        /// The preference this body describes, checked: its kind's rules, its dates, and that its
        /// purpose and recipient are in the data map. Dates left out are today.
        public func validated(id: Preference.ID, in map: DataMap?, today: CalendarDate) throws -> Preference {
            if withdrawn != nil {
                throw StewardError(
                    .invalidInput,
                    "a preference is recorded in force and withdrawn afterwards (…/preferences/{id}/withdraw), never recorded withdrawn",
                    field: "withdrawn"
                )
            }
            if let purpose, map?.purpose(.init(purpose)) == nil {
                throw StewardError(.invalidInput, "unknown purpose '\(purpose)'", field: "purpose")
            }
            if let recipient, map?.recipient(.init(recipient)) == nil {
                throw StewardError(.invalidInput, "unknown recipient '\(recipient)'", field: "recipient")
            }
            let given = try CalendarDate(field: "given", given) ?? today
            let expires = try CalendarDate(field: "expires", expires)
            return try Preference(
                id: id,
                kind: try preferenceKind(),
                purpose: purpose.map { .init($0) },
                recipient: recipient.map { .init($0) },
                given: given,
                expires: expires
            ).checked()
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
}

/// A subject reference in a decision request: an id, or identifiers.
struct SubjectReferenceBody: Decodable {
    var id: String?
    var identifiers: [Subject.Identifier]?

    func reference() throws -> SubjectReference {
        // As the document says (minItems 1): a list given empty is malformed, whatever else is given.
        if identifiers?.isEmpty == true {
            throw StewardError(.malformedInput, "subject.identifiers takes at least one identifier", field: "subject.identifiers")
        }
        if let id { return .id(.init(id)) }
        if let identifiers, !identifiers.isEmpty { return .identifiers(identifiers) }
        throw StewardError(.invalidInput, "subject needs an id or identifiers", field: "subject")
    }
}

/// A justification as the API takes it: its type, and the fields that type needs
/// (`Justification.Kind.requiredFields`).
struct JustificationBody: Decodable {
    var type: String
    var reference: String?
    var statement: String?
    var officer: String?
    var organisation: String?
    var personCannotConsent: Bool?
    var consentNotObtainable: Bool?

    func justification() throws -> Justification {
        // A type the document does not list is malformed, as any value outside an enum is.
        guard let kind = Justification.Kind(rawValue: type) else {
            throw StewardError(
                .malformedInput,
                "justification.type must be \(RightsRequest.listed(Justification.Kind.allCases.map(\.rawValue)))",
                field: "justification.type"
            )
        }
        let given = ["reference": reference, "statement": statement, "officer": officer, "organisation": organisation]
        var text: [String: String] = [:]
        for field in kind.requiredFields {
            guard let value = given[field] ?? nil, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw StewardError(.invalidInput, "a \(type) justification needs '\(field)'", field: "justification.\(field)")
            }
            guard value.count <= Justification.maximumText else {
                throw StewardError(
                    .invalidInput,
                    "justification.\(field) is longer than \(Justification.maximumText) characters",
                    field: "justification.\(field)"
                )
            }
            text[field] = value
        }
        if let extra = given.keys.sorted().first(where: { given[$0]! != nil && !kind.requiredFields.contains($0) }) {
            throw StewardError(.invalidInput, "a \(type) justification takes no '\(extra)'", field: "justification.\(extra)")
        }
        switch kind {
        case .legalRequirement: return .legalRequirement(reference: text["reference"]!)
        case .vitalInterests: return .vitalInterests(statement: text["statement"]!, personCannotConsent: personCannotConsent ?? false)
        case .safeguarding: return .safeguarding(statement: text["statement"]!, consentNotObtainable: consentNotObtainable ?? false)
        case .careUnderConfidentiality: return .careUnderConfidentiality(statement: text["statement"]!)
        case .legalClaims: return .legalClaims(reference: text["reference"]!)
        case .protectingAnotherPerson: return .protectingAnotherPerson(statement: text["statement"]!)
        case .importantPublicInterest: return .importantPublicInterest(reference: text["reference"]!)
        case .crimeAndTaxation:
            return .crimeAndTaxation(
                officer: text["officer"]!,
                organisation: text["organisation"]!,
                reference: text["reference"]!,
                statement: text["statement"]!
            )
        }
    }
}

/// `POST /api/v1/decisions` and each item of a batch, and `steward gate check`.
public struct DecisionBody: Decodable, Sendable {
    var system: String
    var subject: SubjectReferenceBody?
    var categories: [DataCategory.Key]
    var purpose: String
    var recipient: String?
    var channel: Channel?
    var justification: JustificationBody?
    /// For a what-if or retrospective check: decide as on this day, record it as a what-if, and
    /// write nothing to the disclosure log. A day that is not YYYY-MM-DD does not decode (400).
    var asOf: CalendarDate?

    /// The day asked about, for a what-if; nil for a real decision.
    public func whatIfDate() throws -> CalendarDate? { asOf }

    public func request(actor: String) throws -> (DecisionRequest, SubjectReference?) {
        // What is malformed is found before what breaks a rule.
        let subject = try subject?.reference()
        let request = DecisionRequest(
            actor: actor,
            system: .init(system),
            categories: categories,
            purpose: .init(purpose),
            recipient: recipient.map { .init($0) },
            channel: channel,
            justification: try justification?.justification()
        )
        return (request, subject)
    }
}

/// Reads decision requests in the API's JSON form — one object, or an array of them — for the
/// command line's `steward gate check`: each request, its subject, and its `asOf` for a what-if.
public func decisionRequests(fromJSON data: Data, actor: String) throws -> [(DecisionRequest, SubjectReference?, asOf: CalendarDate?)] {
    let tree = try StewardError.decodingInput(JSONValue.self, from: data)
    let bodies =
        if case .array = tree {
            try StewardError.decodingInput([DecisionBody].self, from: tree)
        } else {
            [try StewardError.decodingInput(DecisionBody.self, from: tree)]
        }
    return try bodies.map { body in
        let (request, subject) = try body.request(actor: actor)
        return (request, subject, try body.whatIfDate())
    }
}

extension CalendarDate {
    /// A date given as text in the field named, or nil when none was given; text that is not a
    /// date is an error naming the field.
    public init?(field: String, _ text: String?) throws {
        guard let text else { return nil }
        guard let date = CalendarDate(iso: text) else {
            throw StewardError(.invalidInput, "\(field) must be a date in the form YYYY-MM-DD", field: field)
        }
        self = date
    }
}

extension Subject.Identifier {
    /// Identifiers given to record or find a person: at least one, each normalised.
    public static func checked(_ identifiers: [Subject.Identifier]) throws -> [Subject.Identifier] {
        guard !identifiers.isEmpty else { throw StewardError(.invalidInput, "give at least one identifier", field: "identifiers") }
        return try normalised(identifiers, at: "identifiers")
    }
}

extension SubjectReference {
    /// The reference with its identifiers normalised; no identifiers at all is an error.
    public func normalised() throws -> SubjectReference {
        switch self {
        case .id: return self
        case .identifiers(let identifiers):
            guard !identifiers.isEmpty else { throw StewardError(.invalidInput, "give at least one identifier", field: "subject.identifiers") }
            return .identifiers(try Subject.Identifier.normalised(identifiers, at: "subject.identifiers"))
        }
    }
}

extension DecisionRequest {
    /// Refuses a request about a system, purpose, recipient or category that does not exist: the
    /// caller asked about something the data map does not hold, so there is nothing to decide.
    public func checkKnown(in index: GateIndex, taxonomy: Taxonomy) throws {
        if index.system(system) == nil { throw StewardError(.invalidInput, "unknown system '\(system)'", field: "system") }
        if index.purpose(purpose) == nil { throw StewardError(.invalidInput, "unknown purpose '\(purpose)'", field: "purpose") }
        if let recipient, index.recipient(recipient) == nil {
            throw StewardError(.invalidInput, "unknown recipient '\(recipient)'", field: "recipient")
        }
        if let unknown = categories.first(where: { taxonomy.categories[$0] == nil }) {
            throw StewardError(.invalidInput, "unknown data category '\(unknown)'", field: "categories")
        }
    }
}
