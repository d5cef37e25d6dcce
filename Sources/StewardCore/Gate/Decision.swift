/// A question for the gate: may this system use or disclose these data of this person, for this
/// purpose, to this recipient, by this channel?
public struct DecisionRequest: Sendable, Hashable, Codable {
    /// Who asks: a token or user name, never personal data.
    public var actor: String
    public var system: System.Key
    public var categories: [DataCategory.Key]
    public var purpose: Purpose.Key
    /// Nil for a use inside the council that goes to nobody.
    public var recipient: Recipient.Key?
    public var channel: Channel?
    public var justification: Justification?

    public init(
        actor: String,
        system: System.Key,
        categories: [DataCategory.Key],
        purpose: Purpose.Key,
        recipient: Recipient.Key? = nil,
        channel: Channel? = nil,
        justification: Justification? = nil
    ) {
        self.actor = actor
        self.system = system
        self.categories = categories
        self.purpose = purpose
        self.recipient = recipient
        self.channel = channel
        self.justification = justification
    }
}

/// Why a use or disclosure that would otherwise be refused is lawful, as stated by the caller and
/// recorded with the decision.
public enum Justification: Sendable, Hashable, Codable {
    /// Required by law or a court order (UK GDPR Art 9(2)(f), DPA 2018 Sch 1 para 6); the statute or
    /// order reference is recorded.
    case legalRequirement(reference: String)
    /// Life or death (UK GDPR Art 6(1)(d), 9(2)(c)); for special category data only when the person
    /// is physically or legally incapable of consenting.
    case vitalInterests(statement: String, personCannotConsent: Bool)
    /// Safeguarding a child or an adult at risk (DPA 2018 Sch 1 para 18) where consent cannot be
    /// given, cannot reasonably be obtained, or asking would undermine protection.
    case safeguarding(statement: String, consentNotObtainable: Bool)
    /// Health or social care by professionals under a duty of confidentiality (DPA 2018 Sch 1 para 2).
    case careUnderConfidentiality(statement: String)
    /// Establishing, exercising or defending legal claims (UK GDPR Art 18(2)).
    case legalClaims(reference: String)
    /// Protecting the rights of another person (UK GDPR Art 18(2)).
    case protectingAnotherPerson(statement: String)
    /// Important public interest (UK GDPR Art 18(2)).
    case importantPublicInterest(reference: String)
    /// A request from the police, HMRC or another body for the prevention or detection of crime,
    /// or the assessment or collection of tax, where not disclosing would prejudice that purpose
    /// (DPA 2018 Sch 2 para 2): the officer, their body, the request's reference, and why.
    case crimeAndTaxation(officer: String, organisation: String, reference: String, statement: String)

    /// The longest text a justification's field may hold: a reference or a statement of reasons,
    /// never a document.
    public static let maximumText = 2_000

    /// The name the API and docs/GATE.md give this kind of justification.
    public var type: Kind {
        switch self {
        case .legalRequirement: .legalRequirement
        case .vitalInterests: .vitalInterests
        case .safeguarding: .safeguarding
        case .careUnderConfidentiality: .careUnderConfidentiality
        case .legalClaims: .legalClaims
        case .protectingAnotherPerson: .protectingAnotherPerson
        case .importantPublicInterest: .importantPublicInterest
        case .crimeAndTaxation: .crimeAndTaxation
        }
    }

    /// The kinds of justification, with the fields each needs.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case legalRequirement = "legal_requirement"
        case vitalInterests = "vital_interests"
        case safeguarding
        case careUnderConfidentiality = "care_under_confidentiality"
        case legalClaims = "legal_claims"
        case protectingAnotherPerson = "protecting_another_person"
        case importantPublicInterest = "important_public_interest"
        case crimeAndTaxation = "crime_and_taxation"

        /// The text fields a justification of this kind must carry.
        public var requiredFields: [String] {
            switch self {
            case .legalRequirement, .legalClaims, .importantPublicInterest: ["reference"]
            case .vitalInterests, .safeguarding, .careUnderConfidentiality, .protectingAnotherPerson: ["statement"]
            case .crimeAndTaxation: ["officer", "organisation", "reference", "statement"]
            }
        }
    }
}

/// The gate's answer. A refusal is a value, not an error: it says why in words a person can read.
public struct Decision: Sendable, Hashable, Codable {
    public var allowed: Bool
    /// The law relied on: the lawful basis, and the Art 9 or Art 10 condition where one was needed.
    public var basis: [String]
    /// What the caller must do if it goes ahead.
    public var obligations: [Obligation]
    /// Why, in plain English: every reason for a refusal, or the notes that came with a yes.
    public var reasons: [String]
    /// True when data leaves the council, so it must be written to the subject's disclosure log.
    public var isDisclosure: Bool
}

/// Something the caller must do when a decision allows it to go ahead.
public struct Obligation: Sendable, Hashable, Codable {
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// Record the disclosure (Steward does this for decisions it makes).
        case logDisclosure = "log_disclosure"
        /// Send only encrypted.
        case encrypt
        /// Send only to an email address the person has verified.
        case sendToVerifiedAddressOnly = "send_to_verified_address_only"
        /// Tell the person what was done and on what basis.
        case notifyPerson = "notify_person"
        /// Keep the stated justification with the record.
        case recordJustification = "record_justification"
        /// Send by email only through the secure route the recipient's agreement sets.
        case useSecureRoute = "use_secure_route"
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// One disclosure of a person's data outside the council (for UK GDPR Art 15(1)(c) and Art 19).
public struct Disclosure: Sendable, Hashable, Codable {
    public var id: String
    public var decision: String
    public var time: String
    public var system: System.Key
    public var recipient: Recipient.Key
    public var purpose: Purpose.Key
    public var categories: [DataCategory.Key]
    public var basis: [String]

    public init(
        id: String,
        decision: String,
        time: String,
        system: System.Key,
        recipient: Recipient.Key,
        purpose: Purpose.Key,
        categories: [DataCategory.Key],
        basis: [String]
    ) {
        self.id = id
        self.decision = decision
        self.time = time
        self.system = system
        self.recipient = recipient
        self.purpose = purpose
        self.categories = categories
        self.basis = basis
    }
}
