/// What an access request found: every row of the person in every source searched, with values
/// about other people withheld and the reason recorded, ready to be handed over as a bundle.
public struct AccessResult: Sendable, Hashable, Codable {
    /// A value withheld from the copy, and why.
    public struct Redaction: Sendable, Hashable, Codable {
        public var dataset: String
        public var collection: String
        public var field: String
        public var rows: Int
        public var reason: String
    }

    /// One collection's rows.
    public struct Collection: Sendable, Hashable, Codable {
        public var dataset: String
        public var collection: String
        /// The fields, in the dataset's order.
        public var fields: [String]
        public var rows: [[String: String]]
    }

    public var request: RightsRequest.ID
    public var ranAt: String
    /// The sources searched, by id.
    public var sources: [String]
    public var collections: [Collection]
    public var redactions: [Redaction]
    /// Rows that share a value with the person (an address, a household telephone) but hold
    /// nothing else of theirs: left out, and listed for staff to check.
    public var unconfirmed: [PersonSearch.Unconfirmed]

    /// What the copy says in place of a withheld value.
    public static let withheld = "[withheld: about another person]"

    /// Builds the result from what a search found, withholding fields whose categories are about
    /// other people (`user.third_party…`) and keys to other people's records (DPA 2018 Sch 2
    /// paras 16–17).
    public init(request: RightsRequest.ID, ranAt: String, sources: [String], outcome: PersonSearch.Outcome, dataMap: DataMap) {
        self.request = request
        self.ranAt = ranAt
        self.sources = sources
        self.unconfirmed = outcome.unconfirmed
        var collections: [Collection] = []
        var redactions: [Redaction] = []
        for item in outcome.found {
            let declared = dataMap.dataset(item.node.dataset)?.collection(item.node.collection)
            let fields = declared?.allFields.filter { $0.field.fields.isEmpty } ?? []
            let names = fields.map(\.path)
            var rows = item.rows
            func withhold(_ path: String, where applies: (Int) -> Bool, reason: String) {
                var count = 0
                for index in rows.indices where rows[index][path] != nil && applies(index) {
                    rows[index][path] = Self.withheld
                    count += 1
                }
                if count > 0 {
                    redactions.append(
                        Redaction(dataset: item.node.dataset.rawValue, collection: item.node.collection, field: path, rows: count, reason: reason)
                    )
                }
            }
            for (path, field) in fields {
                if field.dataCategories.contains(where: { DataCategory.Key.thirdParty.covers($0) }) {
                    withhold(
                        path,
                        where: { _ in true },
                        reason:
                            "The field holds information about another person (\(field.dataCategories.map(\.rawValue).joined(separator: ", "))); withheld under DPA 2018 Sch 2 para 16 unless they consent or disclosure is reasonable."
                    )
                } else {
                    withhold(
                        path,
                        where: { item.othersKeys.indices.contains($0) && item.othersKeys[$0].contains(path) },
                        reason:
                            "The field identifies another person's record, which the search did not reach from this person; withheld under DPA 2018 Sch 2 para 16 unless they consent or disclosure is reasonable."
                    )
                }
            }
            collections.append(Collection(dataset: item.node.dataset.rawValue, collection: item.node.collection, fields: names, rows: rows))
        }
        self.collections = collections
        self.redactions = redactions
    }

    enum CodingKeys: String, CodingKey {
        case request, ranAt, sources, collections, redactions, unconfirmed
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        request = try container.decode(RightsRequest.ID.self, forKey: .request)
        ranAt = try container.decode(String.self, forKey: .ranAt)
        sources = try container.decode([String].self, forKey: .sources)
        collections = try container.decode([Collection].self, forKey: .collections)
        redactions = try container.decode([Redaction].self, forKey: .redactions)
        // Results kept before unconfirmed rows were reported.
        unconfirmed = try container.decodeIfPresent([PersonSearch.Unconfirmed].self, forKey: .unconfirmed) ?? []
    }

    /// How many rows were found in all.
    public var rowCount: Int { collections.reduce(0) { $0 + $1.rows.count } }
}
