/// What a person is told alongside the copy of their data (UK GDPR Art 15(1)(a)–(h) and 15(2)),
/// worked out from the data map for the systems searched and from the person's disclosure log, so
/// it says exactly what the council's records say and nothing else.
public struct SupplementaryInformation: Sendable, Hashable, Codable {
    public struct PurposeInfo: Sendable, Hashable, Codable {
        public var key: String
        public var name: String
        public var description: String
        public var lawfulBasis: String
        public var legislation: String?
        public var specialCategoryCondition: String?
        public var criminalOffenceCondition: String?
        public var systems: [String]
        /// Plain-English names of the categories.
        public var categories: [String]
        /// Where the data comes from (Art 15(1)(g)); empty when the data map records none.
        public var sources: [String]
        /// The rights that apply given the lawful basis.
        public var rights: [String]
    }

    public struct RecipientInfo: Sendable, Hashable, Codable {
        public var key: String
        public var name: String
        public var kind: String
        public var country: String
        /// The purposes for which data may go to them.
        public var purposes: [String]
        /// True when the disclosure log records data about this person going to them.
        public var disclosed: Bool
    }

    public struct DisclosureInfo: Sendable, Hashable, Codable {
        public var time: String
        public var recipient: String
        public var purpose: String
        public var categories: [String]
    }

    public struct RetentionInfo: Sendable, Hashable, Codable {
        public var system: String
        public var records: String
        /// "6 years from the end of the financial year, then delete".
        public var period: String
    }

    public struct TransferInfo: Sendable, Hashable, Codable {
        public var to: String
        public var country: String
        public var safeguard: String
    }

    public struct ComplaintRoute: Sendable, Hashable, Codable {
        public var controller: String
        public var dpo: String?
        public var regulator: String
        public var regulatorContact: String
        public var court: String
    }

    public var controller: String
    public var generatedOn: CalendarDate
    /// The systems searched (the request's scope).
    public var systemsSearched: [String]
    /// Art 15(1)(a).
    public var purposes: [PurposeInfo]
    /// Art 15(1)(b).
    public var categories: [String]
    /// Art 15(1)(c).
    public var recipients: [RecipientInfo]
    public var disclosures: [DisclosureInfo]
    /// Art 15(1)(d).
    public var retention: [RetentionInfo]
    /// Art 15(1)(e).
    public var rights: [String]
    /// Art 15(1)(f).
    public var complaints: ComplaintRoute
    /// Art 15(1)(g).
    public var sources: [String]
    /// Art 15(1)(h).
    public var automatedDecisionMaking: String
    /// Art 15(2).
    public var transfers: [TransferInfo]

    /// The information for a person whose request searched `systems`, given their disclosures.
    public init(
        dataMap: DataMap,
        taxonomy: Taxonomy,
        adequacy: AdequacyList,
        systems systemKeys: [System.Key],
        disclosures: [Disclosure],
        on date: CalendarDate
    ) {
        let systems = dataMap.systems.filter { systemKeys.contains($0.key) }
        var purposeKeys: [Purpose.Key] = []
        for key in systems.flatMap(\.purposes) + disclosures.map(\.purpose) where !purposeKeys.contains(key) {
            purposeKeys.append(key)
        }
        let purposes = purposeKeys.compactMap { dataMap.purpose($0) }
        func categoryName(_ key: DataCategory.Key) -> String { taxonomy.categories[key]?.name ?? key.rawValue }

        controller = dataMap.controller.name
        generatedOn = date
        systemsSearched = systems.map(\.name)
        self.purposes = purposes.map { purpose in
            PurposeInfo(
                key: purpose.key.rawValue,
                name: purpose.name,
                description: purpose.description ?? purpose.name,
                lawfulBasis: purpose.lawfulBasisText,
                legislation: purpose.legislation,
                specialCategoryCondition: purpose.specialConditionText,
                criminalOffenceCondition: purpose.criminalOffenceConditionText,
                systems: dataMap.systems.filter { $0.purposes.contains(purpose.key) && systemKeys.contains($0.key) }.map(\.name),
                categories: purpose.dataCategories.map(categoryName),
                sources: purpose.sources ?? [],
                rights: Self.rights(for: purpose.lawfulBasis)
            )
        }
        var categories: [String] = []
        for name in purposes.flatMap(\.dataCategories).map(categoryName) + disclosures.flatMap(\.categories).map(categoryName)
        where !categories.contains(name) {
            categories.append(name)
        }
        self.categories = categories

        // Recipients: those with an agreement for one of the purposes, the processors of the systems
        // searched, and anyone the disclosure log names.
        let disclosedTo = Set(disclosures.map(\.recipient))
        var recipientKeys: [Recipient.Key] = []
        for recipient in dataMap.recipients
        where recipient.agreements.contains(where: { agreement in agreement.purposes.contains(where: purposeKeys.contains) }) {
            recipientKeys.append(recipient.key)
        }
        for key in systems.compactMap(\.processor) + disclosures.map(\.recipient) where !recipientKeys.contains(key) {
            recipientKeys.append(key)
        }
        let recipients = recipientKeys.compactMap { dataMap.recipient($0) }
        self.recipients = recipients.map { recipient in
            let forPurposes = recipient.agreements.flatMap(\.purposes).filter(purposeKeys.contains)
            var names: [String] = []
            for key in forPurposes + disclosures.filter({ $0.recipient == recipient.key }).map(\.purpose) {
                let name = dataMap.purpose(key)?.name ?? key.rawValue
                if !names.contains(name) { names.append(name) }
            }
            return RecipientInfo(
                key: recipient.key.rawValue,
                name: recipient.name,
                kind: recipient.kind.title,
                country: recipient.country,
                purposes: names,
                disclosed: disclosedTo.contains(recipient.key)
            )
        }
        self.disclosures = disclosures.map { disclosure in
            DisclosureInfo(
                time: disclosure.time,
                recipient: dataMap.recipient(disclosure.recipient)?.name ?? disclosure.recipient.rawValue,
                purpose: dataMap.purpose(disclosure.purpose)?.name ?? disclosure.purpose.rawValue,
                categories: disclosure.categories.map(categoryName)
            )
        }

        retention = systems.flatMap { system in
            dataMap.retention.filter { system.datasets.contains($0.dataset) }.map { rule in
                var records = dataMap.dataset(rule.dataset)?.collection(rule.collection)?.description ?? rule.collection.replacingUnderscores
                while records.hasSuffix(".") { records.removeLast() }
                return RetentionInfo(system: system.name, records: records, period: rule.summary)
            }
        }

        self.rights = Self.rights(for: Set(purposes.map(\.lawfulBasis)))

        let controllerContact = dataMap.controller
        complaints = ComplaintRoute(
            controller: [controllerContact.name, controllerContact.email, controllerContact.address].compactMap { $0 }.joined(separator: ", "),
            dpo: controllerContact.dpo?.summary,
            regulator: "The Information Commissioner's Office",
            regulatorContact: "https://ico.org.uk/make-a-complaint/, 0303 123 1113, Wycliffe House, Water Lane, Wilmslow, Cheshire SK9 5AF",
            court: "You may also apply to a court for an order that we comply (Data Protection Act 2018 s.167)."
        )

        var sources: [String] = []
        for source in purposes.flatMap({ $0.sources ?? [] }) where !sources.contains(source) { sources.append(source) }
        self.sources = sources
        automatedDecisionMaking =
            "The council's data map records no decisions about you made solely by automated means, including profiling, for these purposes."

        transfers = RestrictedTransfer.all(recipients: recipients, systems: systems, dataMap: dataMap, adequacy: adequacy, on: date).map {
            TransferInfo(to: $0.label, country: $0.country, safeguard: $0.safeguard.description)
        }
    }

    /// The rights a person has over data processed on any of several bases, each said once: erasure
    /// is qualified when any purpose rests on a legal obligation or a public task.
    public static func rights(for bases: Set<LawfulBasis>) -> [String] {
        let all = bases.map { Set(rights(for: $0)) }.reduce(into: Set<String>()) { $0.formUnion($1) }
        let order = [
            "To a copy", "To have inaccurate", "To erasure, except", "To erasure (", "To restrict", "To object", "To withdraw", "To receive",
            "To complain",
        ]
        func rank(_ right: String) -> Int { order.firstIndex { right.hasPrefix($0) } ?? order.count }
        var result = all.sorted { (rank($0), $0) < (rank($1), $1) }
        if result.contains(where: { $0.hasPrefix("To erasure, except") }) { result.removeAll { $0 == "To erasure (Art 17)" } }
        return result
    }

    /// The rights a person has over data processed on a basis (UK GDPR Arts 7(3), 15–21).
    public static func rights(for basis: LawfulBasis) -> [String] {
        var rights = [
            "To a copy of your data (Art 15)",
            "To have inaccurate data corrected or incomplete data completed (Art 16)",
        ]
        switch basis {
        case .legalObligation, .publicTask:
            rights.append("To erasure, except where the data is needed for a legal obligation or the council's public tasks (Art 17(3))")
        default:
            rights.append("To erasure (Art 17)")
        }
        rights.append("To restrict processing while accuracy or an objection is checked (Art 18)")
        switch basis {
        case .publicTask, .legitimateInterests:
            rights.append("To object to processing on grounds relating to your situation (Art 21)")
        case .consent:
            rights.append("To withdraw consent at any time, as easily as you gave it (Art 7(3))")
            rights.append("To receive the data you gave in a portable form (Art 20)")
        case .contract:
            rights.append("To receive the data you gave in a portable form (Art 20)")
        case .legalObligation, .vitalInterests:
            break
        }
        rights.append("To complain to the Information Commissioner's Office (Art 77)")
        return rights
    }
}
