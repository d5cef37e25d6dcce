/// Why data is used, and the law that allows it.
public struct Purpose: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<Purpose>
    public var key: Key
    public var name: String
    public var description: String?
    /// The taxonomy data use this purpose is a case of.
    public var dataUse: String
    public var lawfulBasis: LawfulBasis
    /// The legislation relied on, where the basis is a legal obligation or a public task.
    public var legislation: String?
    public var specialCondition: SpecialCondition?
    public var criminalOffenceCondition: SpecialCondition?
    public var dataCategories: [DataCategory.Key]
    public var dataSubjects: [String]
    /// Where the data comes from when not from the person (UK GDPR Art 14(2)(f), 15(1)(g)).
    public var sources: [String]?

    public init(
        key: Key,
        name: String,
        description: String?,
        dataUse: String,
        lawfulBasis: LawfulBasis,
        legislation: String?,
        specialCondition: SpecialCondition?,
        criminalOffenceCondition: SpecialCondition?,
        dataCategories: [DataCategory.Key],
        dataSubjects: [String],
        sources: [String]? = nil
    ) {
        self.sources = sources
        self.key = key
        self.name = name
        self.description = description
        self.dataUse = dataUse
        self.lawfulBasis = lawfulBasis
        self.legislation = legislation
        self.specialCondition = specialCondition
        self.criminalOffenceCondition = criminalOffenceCondition
        self.dataCategories = dataCategories
        self.dataSubjects = dataSubjects
    }
}

extension Purpose {
    /// True for equality monitoring (DPA 2018 Sch 1 para 8), by its data use or its condition.
    public var isEqualityMonitoring: Bool {
        dataUse == "public_service.equality_monitoring" || dataUse.hasPrefix("public_service.equality_monitoring.")
            || specialCondition == .equalityMonitoring
    }
}

/// The lawful bases for processing in UK GDPR Art 6(1).
public enum LawfulBasis: String, Sendable, Hashable, Codable, CaseIterable {
    case consent = "consent"
    case contract = "contract"
    case legalObligation = "legal_obligation"
    case vitalInterests = "vital_interests"
    case publicTask = "public_task"
    case legitimateInterests = "legitimate_interests"

    /// The article that sets out the basis.
    public var article: String {
        switch self {
        case .consent: "UK GDPR Art 6(1)(a)"
        case .contract: "UK GDPR Art 6(1)(b)"
        case .legalObligation: "UK GDPR Art 6(1)(c)"
        case .vitalInterests: "UK GDPR Art 6(1)(d)"
        case .publicTask: "UK GDPR Art 6(1)(e)"
        case .legitimateInterests: "UK GDPR Art 6(1)(f)"
        }
    }

    /// A person's name for the basis.
    public var title: String {
        switch self {
        case .consent: "Consent"
        case .contract: "Contract"
        case .legalObligation: "Legal obligation"
        case .vitalInterests: "Vital interests"
        case .publicTask: "Public task"
        case .legitimateInterests: "Legitimate interests"
        }
    }
}

/// The conditions for processing special category data (UK GDPR Art 9(2), DPA 2018 Sch 1) and
/// criminal offence data (UK GDPR Art 10, DPA 2018 s.10(5)).
public enum SpecialCondition: String, Sendable, Hashable, Codable, CaseIterable {
    case explicitConsent = "explicit_consent"
    case employmentSocialSecurity = "employment_social_security"
    case vitalInterests = "vital_interests"
    case notForProfitBody = "not_for_profit_body"
    case madePublic = "made_public"
    case legalClaims = "legal_claims"
    case statutoryPurposes = "statutory_purposes"
    case equalityMonitoring = "equality_monitoring"
    case preventingCrime = "preventing_crime"
    case preventingFraud = "preventing_fraud"
    case safeguarding = "safeguarding"
    case healthSocialCare = "health_social_care"
    case publicHealth = "public_health"
    case archivingResearch = "archiving_research"

    /// The condition in words.
    public var title: String {
        switch self {
        case .explicitConsent: "Explicit consent"
        case .employmentSocialSecurity: "Employment, social security and social protection"
        case .vitalInterests: "Vital interests"
        case .notForProfitBody: "A not-for-profit body's members"
        case .madePublic: "Made public by the person"
        case .legalClaims: "Legal claims and courts"
        case .statutoryPurposes: "Statutory and government purposes"
        case .equalityMonitoring: "Equality of opportunity or treatment"
        case .preventingCrime: "Preventing or detecting unlawful acts"
        case .preventingFraud: "Preventing fraud"
        case .safeguarding: "Safeguarding of children and individuals at risk"
        case .healthSocialCare: "Health or social care"
        case .publicHealth: "Public health"
        case .archivingResearch: "Archiving, research and statistics"
        }
    }

    /// The provision that sets out the condition.
    public var provision: String {
        switch self {
        case .explicitConsent: "UK GDPR Art 9(2)(a)"
        case .employmentSocialSecurity: "UK GDPR Art 9(2)(b); DPA 2018 Sch 1 para 1"
        case .vitalInterests: "UK GDPR Art 9(2)(c)"
        case .notForProfitBody: "UK GDPR Art 9(2)(d)"
        case .madePublic: "UK GDPR Art 9(2)(e)"
        case .legalClaims: "UK GDPR Art 9(2)(f)"
        case .statutoryPurposes: "UK GDPR Art 9(2)(g); DPA 2018 Sch 1 para 6"
        case .equalityMonitoring: "UK GDPR Art 9(2)(g); DPA 2018 Sch 1 para 8"
        case .preventingCrime: "UK GDPR Art 9(2)(g); DPA 2018 Sch 1 para 10"
        case .preventingFraud: "UK GDPR Art 9(2)(g); DPA 2018 Sch 1 para 14"
        case .safeguarding: "UK GDPR Art 9(2)(g); DPA 2018 Sch 1 para 18"
        case .healthSocialCare: "UK GDPR Art 9(2)(h); DPA 2018 Sch 1 para 2"
        case .publicHealth: "UK GDPR Art 9(2)(i); DPA 2018 Sch 1 para 3"
        case .archivingResearch: "UK GDPR Art 9(2)(j); DPA 2018 Sch 1 para 4"
        }
    }
}
