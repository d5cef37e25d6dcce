/// The vocabulary a data map is written in: data categories, data uses and data subjects.
///
/// Steward ships the fideslang default taxonomy (CC BY 4.0, credited in NOTICE) with UK
/// public-sector extensions; a data map may only use keys that the taxonomy knows.
public struct Taxonomy: Sendable, Hashable {
    /// Every data category, keyed by its dotted key (`user.contact.email`).
    public let categories: [DataCategory.Key: DataCategory]
    /// Every data use, keyed by its dotted key (`essential.service`).
    public let uses: [String: DataUse]
    /// Every kind of data subject, keyed by its key (`customer`, `resident`).
    public let subjects: [String: DataSubjectKind]

    /// Builds a taxonomy from lists; a later entry with the same key replaces an earlier one.
    public init(categories: [DataCategory], uses: [DataUse], subjects: [DataSubjectKind]) {
        self.categories = Dictionary(categories.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        self.uses = Dictionary(uses.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        self.subjects = Dictionary(subjects.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Every sensitivity of anything a category may cover: itself (with what it inherits) and its
    /// descendants. A purpose that lists `user` covers `user.health` and `user.criminal_history`
    /// too, so it needs both an Art 9 and an Art 10 condition.
    public func sensitivities(covering key: DataCategory.Key) -> Set<DataCategory.Sensitivity> {
        var found: Set<DataCategory.Sensitivity> = [sensitivity(of: key)]
        for (candidate, category) in categories where candidate != key && key.covers(candidate) {
            found.insert(category.sensitivity)
        }
        return found
    }

    /// The sensitivity of a category, taking the strictest of the category and its ancestors,
    /// so `user.health_and_medical.genetic` is special category because its parent is.
    public func sensitivity(of key: DataCategory.Key) -> DataCategory.Sensitivity {
        var strictest = DataCategory.Sensitivity.ordinary
        var current: DataCategory.Key? = key
        while let candidate = current {
            if let category = categories[candidate], category.sensitivity > strictest {
                strictest = category.sensitivity
            }
            current = candidate.parent
        }
        return strictest
    }
}

/// A kind of personal (or system) data, such as `user.contact.email`.
public struct DataCategory: Sendable, Hashable, Codable {
    /// A category's dotted key (`user.contact.email`): each dot goes one level down the taxonomy.
    public typealias Key = StewardCore.Key<DataCategory>

    /// How the law treats a category: ordinary personal data, special category data (UK GDPR Art 9)
    /// or criminal offence data (UK GDPR Art 10).
    public enum Sensitivity: String, Sendable, Hashable, Codable, Comparable {
        case ordinary = "ordinary"
        case specialCategory = "special_category"
        case criminalOffence = "criminal_offence"

        /// Orders by strictness, so the strictest of several categories can be found.
        var rank: Int {
            switch self {
            case .ordinary: 0
            case .specialCategory: 1
            case .criminalOffence: 2
            }
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    }

    public let key: Key
    public let name: String
    public let description: String
    public let sensitivity: Sensitivity
    /// True where the data is about someone other than the data subject (a relative, a referrer),
    /// which an access request must consider redacting (DPA 2018 Sch 2 Pt 3 para 16).
    public let isThirdParty: Bool

    public init(key: Key, name: String, description: String, sensitivity: Sensitivity = .ordinary, isThirdParty: Bool = false) {
        self.key = key
        self.name = name
        self.description = description
        self.sensitivity = sensitivity
        self.isThirdParty = isThirdParty
    }
}

/// A named term of the taxonomy that carries no rules of its own: a data use (why data is used, such
/// as `essential.service.payment_processing`) or a kind of data subject (such as `resident`).
public struct TaxonomyTerm: Sendable, Hashable, Codable {
    public let key: String
    public let name: String
    public let description: String

    public init(key: String, name: String, description: String) {
        self.key = key
        self.name = name
        self.description = description
    }
}

/// Why data is used, such as `essential.service.payment_processing`.
public typealias DataUse = TaxonomyTerm

/// A kind of person data can be about, such as `resident` or `child`.
public typealias DataSubjectKind = TaxonomyTerm

extension String {
    /// The key one level up a dotted taxonomy key, or nil at the top.
    var parentKey: String? {
        guard let dot = lastIndex(of: ".") else { return nil }
        return String(self[..<dot])
    }
}

extension Key where Owner == DataCategory {
    /// The category one level up, or nil at the top (`user`).
    public var parent: Self? { rawValue.parentKey.map { Self(rawValue: $0) } }

    /// True when `other` is this category or one below it: `user.contact` covers
    /// `user.contact.email`, and not `user.contacts`.
    public func covers(_ other: Self) -> Bool {
        other == self || other.rawValue.hasPrefix(rawValue + ".")
    }

    /// Things about other people: a relative, a referrer (DPA 2018 Sch 2 Pt 3 para 16).
    public static let thirdParty: Self = "user.third_party"
    /// Images of the person, which CCTV requests search.
    public static let image: Self = "user.image"
    /// Steward's UK public-sector equality monitoring categories (DPA 2018 Sch 1 para 8).
    public static let equalityMonitoring: Self = "user.equality_monitoring"

    /// The protected characteristics equality monitoring counts, under the keys a council may use
    /// for them besides Steward's own (Fides's demographic categories, say).
    public static let equalityCharacteristics: [Self] = [
        "user.demographic.race_ethnicity", "user.demographic.religious_belief", "user.demographic.sexual_orientation",
        "user.demographic.gender_identity", "user.demographic.disability",
    ]

    /// True for equality data (ethnicity, religion, sexual orientation, gender identity, disability)
    /// under whichever key, or for a category that holds all of Steward's equality monitoring data
    /// (`user`): such data is only ever counted, never used about a person (DPA 2018 Sch 1 para 8).
    public var holdsEqualityData: Bool {
        covers(Self.equalityMonitoring) || ([Self.equalityMonitoring] + Self.equalityCharacteristics).contains { $0.covers(self) }
    }
}
