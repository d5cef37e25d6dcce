/// What the council holds, why, who it goes to and how long it is kept: the validated data map.
///
/// A `DataMap` is only made by `DataMapDraft.validate(taxonomy:)`, so code that holds one never
/// checks it again: every key it names exists and every rule in docs/DATAMAP.md holds.
public struct DataMap: Sendable, Hashable, Codable {
    public var controller: Controller
    public var systems: [System]
    public var datasets: [Dataset]
    public var purposes: [Purpose]
    public var recipients: [Recipient]
    public var retention: [RetentionRule]
    /// Identity kinds the council added beyond the built-in ones.
    public var customIdentities: [IdentityKind]

    public init(
        controller: Controller, systems: [System], datasets: [Dataset], purposes: [Purpose], recipients: [Recipient],
        retention: [RetentionRule], customIdentities: [IdentityKind]
    ) {
        self.controller = controller
        self.systems = systems
        self.datasets = datasets
        self.purposes = purposes
        self.recipients = recipients
        self.retention = retention
        self.customIdentities = customIdentities
    }

    public func system(_ key: System.Key) -> System? { systems.first { $0.key == key } }
    public func dataset(_ key: Dataset.Key) -> Dataset? { datasets.first { $0.key == key } }
    public func purpose(_ key: Purpose.Key) -> Purpose? { purposes.first { $0.key == key } }
    public func recipient(_ key: Recipient.Key) -> Recipient? { recipients.first { $0.key == key } }
}

/// A typed key: a string that names one kind of thing, so a system key cannot be passed where a
/// purpose key is wanted.
public struct Key<Owner>: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The council as data controller (UK GDPR Art 4(7)), with its Data Protection Officer (Art 37).
public struct Controller: Sendable, Hashable, Codable {
    public var name: String
    public var icoRegistration: String?
    public var address: String?
    public var email: String?
    public var phone: String?
    public var dpo: Contact?

    public init(
        name: String, icoRegistration: String? = nil, address: String? = nil, email: String? = nil, phone: String? = nil,
        dpo: Contact? = nil
    ) {
        self.name = name
        self.icoRegistration = icoRegistration
        self.address = address
        self.email = email
        self.phone = phone
        self.dpo = dpo
    }

    /// A person or office to contact.
    public struct Contact: Sendable, Hashable, Codable {
        public var name: String
        public var email: String?
        public var phone: String?
        public var address: String?

        public init(name: String, email: String? = nil, phone: String? = nil, address: String? = nil) {
            self.name = name
            self.email = email
            self.phone = phone
            self.address = address
        }

        /// One line naming every way to reach the contact.
        public var summary: String {
            ([name] + [email, phone, address].compactMap { $0 }).joined(separator: ", ")
        }
    }
}

/// A kind of identifier a person can be found by (email, NHS number, …).
public struct IdentityKind: Sendable, Hashable, Codable {
    /// An identity kind's key, as data maps, requests and the register write it.
    public typealias Key = StewardCore.Key<IdentityKind>
    public var key: Key
    public var name: String

    public init(key: Key, name: String) {
        self.key = key
        self.name = name
    }

    /// The identity kinds every council has.
    public static let builtin: [IdentityKind] = [
        .init(key: .email, name: "Email address"),
        .init(key: .phoneNumber, name: "Phone number"),
        .init(key: .niNumber, name: "National Insurance number"),
        .init(key: .nhsNumber, name: "NHS number"),
        .init(key: .uprn, name: "Unique Property Reference Number"),
        .init(key: .name, name: "Name"),
        .init(key: .dateOfBirth, name: "Date of birth"),
        .init(key: .localID, name: "A system's own id for the person"),
    ]
}

extension Key where Owner == IdentityKind {
    public static let email: Self = "email"
    public static let phoneNumber: Self = "phone_number"
    public static let niNumber: Self = "ni_number"
    public static let nhsNumber: Self = "nhs_number"
    /// A property's Unique Property Reference Number: it names a place, so several people share it.
    public static let uprn: Self = "uprn"
    public static let name: Self = "name"
    public static let dateOfBirth: Self = "date_of_birth"
    /// A system's own id for the person, which means something only within that system.
    public static let localID: Self = "local_id"
}

/// A council application, with the department that owns it and where it is hosted.
public struct System: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<System>
    public var key: Key
    public var name: String
    public var description: String?
    public var department: String
    /// ISO 3166-1 alpha-2 code of the country the system is hosted in.
    public var hostingCountry: String
    /// The processor that runs the system for the council, if any.
    public var processor: Recipient.Key?
    public var datasets: [Dataset.Key]
    public var purposes: [Purpose.Key]
    public var dataSubjects: [String]
    /// Technical and organisational security measures (UK GDPR Art 30(1)(g), Art 32(1)).
    public var securityMeasures: String?

    public init(
        key: Key, name: String, description: String?, department: String, hostingCountry: String, processor: Recipient.Key?,
        datasets: [Dataset.Key], purposes: [Purpose.Key], dataSubjects: [String], securityMeasures: String?
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.department = department
        self.hostingCountry = hostingCountry
        self.processor = processor
        self.datasets = datasets
        self.purposes = purposes
        self.dataSubjects = dataSubjects
        self.securityMeasures = securityMeasures
    }
}

/// The shape of a system's data, in the terms of a Fides dataset.
public struct Dataset: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<Dataset>
    public var key: Key
    public var name: String?
    public var description: String?
    public var collections: [Collection]

    public init(key: Key, name: String?, description: String?, collections: [Collection]) {
        self.key = key
        self.name = name
        self.description = description
        self.collections = collections
    }

    public func collection(_ name: String) -> Collection? { collections.first { $0.name == name } }

    /// A table, a file or a document collection.
    public struct Collection: Sendable, Hashable, Codable {
        public var name: String
        public var description: String?
        public var fields: [Field]
        /// True where the collection is deliberately outside rights requests (Fides `skip_processing`).
        public var skipProcessing: Bool
        /// A field the council's system reads to stop using a row: set when the person restricts
        /// processing or objects (Steward's `restriction_flag` in `fides_meta`).
        public var restrictionFlag: String?

        public init(name: String, description: String?, fields: [Field], skipProcessing: Bool, restrictionFlag: String? = nil) {
            self.name = name
            self.description = description
            self.fields = fields
            self.skipProcessing = skipProcessing
            self.restrictionFlag = restrictionFlag
        }

        /// Every field, nested ones included, each with its dotted path.
        public var allFields: [(path: String, field: Field)] {
            var result: [(String, Field)] = []
            func walk(_ fields: [Field], prefix: String) {
                for field in fields {
                    let path = prefix.isEmpty ? field.name : "\(prefix).\(field.name)"
                    result.append((path, field))
                    walk(field.fields, prefix: path)
                }
            }
            walk(fields, prefix: "")
            return result
        }

        /// The field at a dotted path (`address.postcode`), if there is one.
        public func field(at path: String) -> Field? {
            var fields = self.fields
            var found: Field?
            for part in path.split(separator: ".", omittingEmptySubsequences: false) {
                guard let next = fields.first(where: { $0.name == part }) else { return nil }
                found = next
                fields = next.fields
            }
            return found
        }
    }

    /// A column or a document member, possibly with nested fields.
    public struct Field: Sendable, Hashable, Codable {
        public var name: String
        public var description: String?
        public var dataCategories: [DataCategory.Key]
        public var identity: IdentityKind.Key?
        public var references: [Reference]
        public var isPrimaryKey: Bool
        public var dataType: DataType?
        public var isReadOnly: Bool
        /// True where one value may belong to several people: an address's UPRN, a household's
        /// telephone (Steward's `shared` in `fides_meta`; a field whose identity is `uprn` always
        /// is). A row reached only through such a value is not taken to be the person's until
        /// something of theirs confirms it.
        public var isShared: Bool
        public var fields: [Field]

        public init(
            name: String, description: String?, dataCategories: [DataCategory.Key], identity: IdentityKind.Key?, references: [Reference],
            isPrimaryKey: Bool,
            dataType: DataType?, isReadOnly: Bool, isShared: Bool = false, fields: [Field]
        ) {
            self.name = name
            self.description = description
            self.dataCategories = dataCategories
            self.identity = identity
            self.references = references
            self.isPrimaryKey = isPrimaryKey
            self.dataType = dataType
            self.isReadOnly = isReadOnly
            self.isShared = isShared || identity == .uprn
            self.fields = fields
        }

        enum CodingKeys: String, CodingKey {
            case name, description, dataCategories, identity, references, isPrimaryKey, dataType, isReadOnly, isShared, fields
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            dataCategories = try container.decode([DataCategory.Key].self, forKey: .dataCategories)
            identity = try container.decodeIfPresent(IdentityKind.Key.self, forKey: .identity)
            references = try container.decode([Reference].self, forKey: .references)
            isPrimaryKey = try container.decode(Bool.self, forKey: .isPrimaryKey)
            dataType = try container.decodeIfPresent(DataType.self, forKey: .dataType)
            isReadOnly = try container.decode(Bool.self, forKey: .isReadOnly)
            // Data maps stored before `shared` existed.
            isShared = try container.decodeIfPresent(Bool.self, forKey: .isShared) ?? (identity == .uprn)
            fields = try container.decode([Field].self, forKey: .fields)
        }
    }

    /// A link from one field to another, which rights requests follow to find a person's rows.
    public struct Reference: Sendable, Hashable, Codable {
        public var dataset: Dataset.Key
        public var collection: String
        /// The dotted path of the field inside the collection.
        public var field: String
        public var direction: Direction?

        public init(dataset: Dataset.Key, collection: String, field: String, direction: Direction?) {
            self.dataset = dataset
            self.collection = collection
            self.field = field
            self.direction = direction
        }

        /// Which way values flow along the link.
        public enum Direction: String, Sendable, Hashable, Codable {
            /// This field's value is found from the referenced field.
            case from
            /// This field's value leads to the referenced field.
            case to
        }
    }

    /// A field's type, as Fides writes it (`string`, `integer[]`).
    public struct DataType: Sendable, Hashable, Codable, CustomStringConvertible {
        public enum Base: String, Sendable, Hashable, Codable, CaseIterable {
            case string, integer, float, boolean, object, objectID = "object_id", date, datetime
        }
        public var base: Base
        public var isArray: Bool

        public init(base: Base, isArray: Bool = false) {
            self.base = base
            self.isArray = isArray
        }

        /// Parses `string`, `integer[]` and the like; nil for anything else.
        public init?(parsing text: String) {
            let isArray = text.hasSuffix("[]")
            guard let base = Base(rawValue: isArray ? String(text.dropLast(2)) : text) else { return nil }
            self.init(base: base, isArray: isArray)
        }

        public var description: String { base.rawValue + (isArray ? "[]" : "") }
    }
}

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
        key: Key, name: String, description: String?, dataUse: String, lawfulBasis: LawfulBasis, legislation: String?,
        specialCondition: SpecialCondition?, criminalOffenceCondition: SpecialCondition?, dataCategories: [DataCategory.Key], dataSubjects: [String],
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

/// Someone data is given to: a department, a partner body, a processor, an auditing body or another
/// third party, with the agreements that cover it.
public struct Recipient: Sendable, Hashable, Codable {
    public typealias Key = StewardCore.Key<Recipient>
    public var key: Key
    public var name: String
    public var description: String?
    public var kind: Kind
    /// ISO 3166-1 alpha-2 code of the country the recipient receives the data in.
    public var country: String
    /// Certified under the UK Extension to the EU-US Data Privacy Framework.
    public var dpfCertified: Bool
    public var agreements: [Agreement]

    public init(
        key: Key, name: String, description: String?, kind: Kind, country: String, dpfCertified: Bool, agreements: [Agreement]
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.kind = kind
        self.country = country
        self.dpfCertified = dpfCertified
        self.agreements = agreements
    }

    /// What kind of recipient it is, which decides what agreement it needs.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case department
        case partner
        case processor
        case auditingBody = "auditing_body"
        case thirdParty = "third_party"

        public var title: String {
            switch self {
            case .department: "Council department"
            case .partner: "Partner organisation"
            case .processor: "Processor"
            case .auditingBody: "Auditing body"
            case .thirdParty: "Third party"
            }
        }
    }

    /// A data sharing agreement, processor contract or transfer instrument.
    public struct Agreement: Sendable, Hashable, Codable {
        public var kind: Kind
        public var reference: String?
        public var categories: [DataCategory.Key]
        public var purposes: [Purpose.Key]
        public var starts: CalendarDate
        public var ends: CalendarDate?

        public init(
            kind: Kind, reference: String?, categories: [DataCategory.Key], purposes: [Purpose.Key], starts: CalendarDate, ends: CalendarDate?
        ) {
            self.kind = kind
            self.reference = reference
            self.categories = categories
            self.purposes = purposes
            self.starts = starts
            self.ends = ends
        }

        /// The kinds of agreement Steward knows.
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            case sharingAgreement = "sharing_agreement"
            /// A processor contract meeting UK GDPR Art 28(3).
            case art28Contract = "art28_contract"
            /// The ICO's International Data Transfer Agreement.
            case idta
            /// The ICO's Addendum to the EU standard contractual clauses.
            case addendum

            public var title: String {
                switch self {
                case .sharingAgreement: "Data sharing agreement"
                case .art28Contract: "Art 28 processor contract"
                case .idta: "International Data Transfer Agreement"
                case .addendum: "UK Addendum to the EU standard contractual clauses"
                }
            }

            /// True for the instruments that safeguard a restricted transfer (ICO guidance).
            public var isTransferSafeguard: Bool { self == .idta || self == .addendum }
        }

        /// True when the agreement is in force on `date`.
        public func isInForce(on date: CalendarDate) -> Bool {
            starts <= date && (ends.map { date <= $0 } ?? true)
        }
    }
}

/// How long a collection's records are kept, from what, and what happens at the end.
public struct RetentionRule: Sendable, Hashable, Codable {
    public var dataset: Dataset.Key
    public var collection: String
    public var period: Period
    public var trigger: Trigger
    public var action: Action
    public var source: String?

    /// A length of time in whole days, weeks, months or years.
    public struct Period: Sendable, Hashable, Codable, CustomStringConvertible {
        public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
            case days, weeks, months, years
        }
        public var count: Int
        public var unit: Unit

        public init(count: Int, unit: Unit) {
            self.count = count
            self.unit = unit
        }

        /// Parses `8 years`, `30 days`, `1 month`; nil for anything else.
        public init?(parsing text: String) {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
            let word = parts[1].lowercased()
            guard let unit = Unit(rawValue: word.hasSuffix("s") ? word : word + "s") else { return nil }
            self.init(count: count, unit: unit)
        }

        public var description: String { "\(count) \(count == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)" }
    }

    /// What the period runs from.
    public enum Trigger: Sendable, Hashable, Codable {
        /// A date held in the collection itself.
        case field(String)
        /// A named event recorded outside the collection (end of care, account closed).
        case event(String)
    }

    /// What happens when the period ends.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case delete, anonymise, review
    }
}
