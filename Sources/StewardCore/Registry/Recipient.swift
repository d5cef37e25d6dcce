/// Someone data is given to: a department, a partner body, a processor, an auditing body or another
/// third party, with the agreements and statutory gateways that cover it.
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
    /// The Acts that give or require the disclosure to this recipient, for the purposes and data
    /// they cover (the National Fraud Initiative's Local Audit and Accountability Act 2014 Sch 9).
    public var statutoryGateways: [StatutoryGateway]

    public init(
        key: Key,
        name: String,
        description: String?,
        kind: Kind,
        country: String,
        dpfCertified: Bool,
        agreements: [Agreement],
        statutoryGateways: [StatutoryGateway] = []
    ) {
        self.key = key
        self.name = name
        self.description = description
        self.kind = kind
        self.country = country
        self.dpfCertified = dpfCertified
        self.agreements = agreements
        self.statutoryGateways = statutoryGateways
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        key = try container.decode(Key.self, forKey: .key)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        kind = try container.decode(Kind.self, forKey: .kind)
        country = try container.decode(String.self, forKey: .country)
        dpfCertified = try container.decode(Bool.self, forKey: .dpfCertified)
        agreements = try container.decode([Agreement].self, forKey: .agreements)
        // Data maps stored before gateways were recorded have none.
        statutoryGateways = try container.decodeIfPresent([StatutoryGateway].self, forKey: .statutoryGateways) ?? []
    }

    /// An Act and section that allows or requires disclosures to the recipient (UK GDPR Art 6(1)(c)
    /// or (e)), for the purposes and data categories it covers.
    public struct StatutoryGateway: Sendable, Hashable, Codable, SharingCover {
        /// The Act and section, as it is cited.
        public var legislation: String
        public var categories: [DataCategory.Key]
        public var purposes: [Purpose.Key]

        public init(legislation: String, categories: [DataCategory.Key], purposes: [Purpose.Key]) {
            self.legislation = legislation
            self.categories = categories
            self.purposes = purposes
        }
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
    public struct Agreement: Sendable, Hashable, Codable, SharingCover {
        public var kind: Kind
        public var reference: String?
        public var categories: [DataCategory.Key]
        public var purposes: [Purpose.Key]
        public var starts: CalendarDate
        public var ends: CalendarDate?
        /// How data may go to the recipient by email under this agreement.
        public var email: EmailRule

        public init(
            kind: Kind,
            reference: String?,
            categories: [DataCategory.Key],
            purposes: [Purpose.Key],
            starts: CalendarDate,
            ends: CalendarDate?,
            email: EmailRule = .allowed
        ) {
            self.kind = kind
            self.reference = reference
            self.categories = categories
            self.purposes = purposes
            self.starts = starts
            self.ends = ends
            self.email = email
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(Kind.self, forKey: .kind)
            reference = try container.decodeIfPresent(String.self, forKey: .reference)
            categories = try container.decode([DataCategory.Key].self, forKey: .categories)
            purposes = try container.decode([Purpose.Key].self, forKey: .purposes)
            starts = try container.decode(CalendarDate.self, forKey: .starts)
            ends = try container.decodeIfPresent(CalendarDate.self, forKey: .ends)
            // Data maps stored before email rules were recorded allow email.
            email = try container.decodeIfPresent(EmailRule.self, forKey: .email) ?? .allowed
        }

        /// How data may be emailed to the recipient: as any email, only to addresses at the
        /// recipient's secure domain (such as `nhs.net`), or not at all.
        public enum EmailRule: Sendable, Hashable, Codable {
            case allowed
            case secureDomain(String)
            case forbidden
        }

        /// The agreement's reference, or its kind when it has none.
        public var cited: String { reference ?? kind.title }

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

/// An agreement or a statutory gateway: what it lets the council share, for which purposes.
public protocol SharingCover {
    var categories: [DataCategory.Key] { get }
    var purposes: [Purpose.Key] { get }
}

extension SharingCover {
    /// True when it covers every category for the purpose: a category is covered by itself or by
    /// a broader one (`user.contact` covers `user.contact.email`).
    public func covers(_ categories: [DataCategory.Key], for purpose: Purpose.Key) -> Bool {
        purposes.contains(purpose) && categories.allSatisfy { category in self.categories.contains { $0.covers(category) } }
    }
}
