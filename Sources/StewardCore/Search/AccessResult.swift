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
        /// Each row's values as text; a field with no value (SQL NULL, an empty CSV cell) is
        /// absent.
        public var rows: [[String: String]]
        /// Each field's type as its source holds it (the column's, where the dataset declares
        /// none), so the copy gives numbers, booleans and nulls as they are.
        public var types: [String: Dataset.DataType]

        public init(dataset: String, collection: String, fields: [String], rows: [[String: String]], types: [String: Dataset.DataType] = [:]) {
            self.dataset = dataset
            self.collection = collection
            self.fields = fields
            self.rows = rows
            self.types = types
        }

        enum CodingKeys: String, CodingKey {
            case dataset, collection, fields, rows, types
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dataset = try container.decode(String.self, forKey: .dataset)
            collection = try container.decode(String.self, forKey: .collection)
            fields = try container.decode([String].self, forKey: .fields)
            rows = try container.decode([[String: String]].self, forKey: .rows)
            // Results kept before types were.
            types = try container.decodeIfPresent([String: Dataset.DataType].self, forKey: .types) ?? [:]
        }

        /// The rows as the person's copy gives them: every field, in its type — integers and
        /// decimals as numbers, booleans as true or false, a field with no value as null, dates
        /// and text as strings, and a withheld value as the words saying so.
        public var typedRows: [[String: JSONValue]] {
            rows.map { row in
                var typed: [String: JSONValue] = [:]
                for field in fields {
                    guard let text = row[field] else {
                        typed[field] = .null
                        continue
                    }
                    typed[field] = text == AccessResult.withheld ? .string(text) : Self.value(text, as: types[field])
                }
                return typed
            }
        }

        /// A value's text in its type; as text when it does not read as one.
        public static func value(_ text: String, as type: Dataset.DataType?) -> JSONValue {
            guard let type, !type.isArray else { return .string(text) }
            switch type.base {
            case .integer: return Int(text).map(JSONValue.int) ?? .string(text)  // beyond Int64 too
            case .float:
                // A decimal a double cannot hold exactly (more than 15 significant digits), or one
                // that is not finite, stays as its text.
                let digits = text.drop { $0 == "-" || $0 == "+" || $0 == "0" || $0 == "." }.filter(\.isNumber).count
                guard digits <= 15, let value = Double(text), value.isFinite else { return .string(text) }
                return .double(value)
            case .boolean:
                switch text.lowercased() {
                case "true", "t", "1", "yes": return .bool(true)
                case "false", "f", "0", "no": return .bool(false)
                default: return .string(text)
                }
            case .string, .objectID, .date, .datetime, .object: return .string(text)
            }
        }
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
            var types: [String: Dataset.DataType] = [:]
            for (path, field) in fields { types[path] = field.dataType }
            collections.append(
                Collection(dataset: item.node.dataset.rawValue, collection: item.node.collection, fields: names, rows: rows, types: types)
            )
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
