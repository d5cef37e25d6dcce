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
        key: Key,
        name: String,
        description: String?,
        kind: Kind,
        country: String,
        dpfCertified: Bool,
        agreements: [Agreement]
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
            kind: Kind,
            reference: String?,
            categories: [DataCategory.Key],
            purposes: [Purpose.Key],
            starts: CalendarDate,
            ends: CalendarDate?
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
