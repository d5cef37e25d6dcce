/// Reads rows of one dataset's collections from wherever the council keeps them: a PostgreSQL or
/// SQLite database, or a folder of CSV files.
public protocol CollectionReader: Sendable {
    /// The rows of `collection` whose `field` equals one of `values`, with every field in `fields`
    /// (a missing value or SQL NULL is left out of the row). `type` is the field's declared type,
    /// so values can be compared as the source stores them.
    func rows(
        collection: String, matching field: String, type: Dataset.DataType?, values: [String], fields: [String]
    ) async throws
        -> [[String: String]]
}

/// Finds every row that belongs to a person across the datasets bound to sources: it starts from the
/// identity fields that match the identifiers given, then follows every reference (in the direction
/// the dataset declares), using the values found in one collection to search the next, until no new
/// value turns up. Collections with nothing to wait for are searched at the same time.
///
/// It never skips silently: a field it cannot read (a nested object or an array) makes the search
/// fail, naming the field.
public struct PersonSearch: Sendable {
    /// A field of a collection: where a search looks, or where a value comes from.
    public struct Place: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var node: DatasetGraph.Node
        public var field: String

        public var description: String { "\(node).\(field)" }
        public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.node, lhs.field) < (rhs.node, rhs.field) }
    }

    /// Values of `from` lead to rows where `to` has the same value.
    public struct Link: Sendable, Hashable {
        public var from: Place
        public var to: Place
    }

    /// One collection's rows that belong to the person.
    public struct Found: Sendable, Hashable {
        public var node: DatasetGraph.Node
        public var rows: [[String: String]]
    }

    public let dataMap: DataMap
    /// The datasets the search covers, each with its reader.
    public let readers: [Dataset.Key: any CollectionReader]
    let links: [Place: [Link]]
    let fields: [DatasetGraph.Node: [(path: String, field: Dataset.Field)]]
    let primaryKeys: [DatasetGraph.Node: String]

    /// Plans a search over the datasets that have readers. Throws, naming the field, when a
    /// collection to be searched has a field the engine cannot read.
    public init(dataMap: DataMap, readers: [Dataset.Key: any CollectionReader]) throws {
        self.dataMap = dataMap
        self.readers = readers
        (links, fields, primaryKeys) = try Self.plan(dataMap, bound: Set(readers.keys))
    }

    /// Throws, naming the field, when a collection of one of `datasets` has a field the engine
    /// cannot read: checked before any source is opened.
    public static func checkReadable(_ dataMap: DataMap, datasets: Set<Dataset.Key>) throws {
        _ = try plan(dataMap, bound: datasets)
    }

    /// The readable fields, links and primary keys of the collections of the bound datasets.
    static func plan(
        _ dataMap: DataMap, bound: Set<Dataset.Key>
    ) throws -> (
        links: [Place: [Link]], fields: [DatasetGraph.Node: [(path: String, field: Dataset.Field)]], primaryKeys: [DatasetGraph.Node: String]
    ) {
        var links: [Place: [Link]] = [:]
        var fields: [DatasetGraph.Node: [(String, Dataset.Field)]] = [:]
        var primaryKeys: [DatasetGraph.Node: String] = [:]
        for dataset in dataMap.datasets where bound.contains(dataset.key) {
            for collection in dataset.collections where !collection.skipProcessing {
                let node = DatasetGraph.Node(dataset: dataset.key, collection: collection.name)
                var readable: [(String, Dataset.Field)] = []
                for (path, field) in collection.allFields {
                    if !field.fields.isEmpty { continue }  // its leaves are listed on their own
                    if path.contains(".") || field.dataType?.isArray == true || field.dataType?.base == .object {
                        throw StewardError(
                            .invalidInput,
                            "\(dataset.key).\(collection.name).\(path) is a nested or array field, which a table or CSV source cannot hold; mark the collection skip_processing or describe the field as a column",
                            field: "\(dataset.key).\(collection.name).\(path)"
                        )
                    }
                    readable.append((path, field))
                    if field.isPrimaryKey { primaryKeys[node] = path }
                    for reference in field.references where bound.contains(reference.dataset) {
                        let here = Place(node: node, field: path)
                        let there = Place(
                            node: DatasetGraph.Node(dataset: reference.dataset, collection: reference.collection), field: reference.field)
                        if reference.direction != .from { links[here, default: []].append(Link(from: here, to: there)) }
                        if reference.direction != .to { links[there, default: []].append(Link(from: there, to: here)) }
                    }
                }
                fields[node] = readable
            }
        }
        return (links, fields, primaryKeys)
    }

    /// The collections the search may reach, for progress: every readable collection.
    public var collections: [DatasetGraph.Node] { fields.keys.sorted() }

    /// The most rows one identifier value may match where the search starts.
    public static let mostRowsPerIdentifier = 100

    /// Identities that single out a person only together: a name alone, or a date of birth alone,
    /// would find other people.
    static let pairedIdentities: Set<String> = ["name", "date_of_birth"]

    /// The places an identifier of each kind is looked for, and for a name with a date of birth,
    /// the name the rows found by date of birth must also have.
    func seeds(for identifiers: [Subject.Identifier]) -> (places: [Place: Set<String>], filters: [Place: (field: String, values: Set<String>)]) {
        var seeds: [Place: Set<String>] = [:]
        var filters: [Place: (field: String, values: Set<String>)] = [:]
        let names = Set(identifiers.filter { $0.kind == "name" }.map { Self.normalisedName($0.value) })
        let births = Set(identifiers.filter { $0.kind == "date_of_birth" }.map(\.value))
        for (node, list) in fields {
            if !names.isEmpty, !births.isEmpty, let name = list.first(where: { $0.field.identity == "name" }),
                let birth = list.first(where: { $0.field.identity == "date_of_birth" })
            {
                let place = Place(node: node, field: birth.path)
                seeds[place, default: []].formUnion(births)
                filters[place] = (name.path, names)
            }
            for (path, field) in list {
                guard let identity = field.identity, !Self.pairedIdentities.contains(identity) else { continue }
                // A system's own id is looked for only in that system's datasets.
                let values = identifiers.filter { identifier in
                    guard identifier.kind == identity else { return false }
                    guard let owner = identifier.system else { return true }
                    return dataMap.system(owner)?.datasets.contains(node.dataset) ?? false
                }.map(\.value)
                if !values.isEmpty { seeds[Place(node: node, field: path), default: []].formUnion(values) }
            }
        }
        return (seeds, filters)
    }

    /// A name compared as identifiers are: lower case, single spaces.
    static func normalisedName(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Runs the search. `progress` is told, after each round, how many collections have been
    /// searched of how many the search may reach.
    public func run(
        identifiers: [Subject.Identifier], progress: (@Sendable (_ done: Int, _ total: Int) async -> Void)? = nil
    ) async throws
        -> [Found]
    {
        let (start, filters) = seeds(for: identifiers)
        var pending = start
        var firstRound = true
        var asked: [Place: Set<String>] = [:]
        var rows: [DatasetGraph.Node: [String: [String: String]]] = [:]
        var searched: Set<DatasetGraph.Node> = []
        while !pending.isEmpty {
            let round = pending
            pending = [:]
            for (place, values) in round { asked[place, default: []].formUnion(values) }
            let results = try await withThrowingTaskGroup(of: (Place, [[String: String]]).self) { group in
                for (place, values) in round {
                    guard let reader = readers[place.node.dataset], let list = fields[place.node] else { continue }
                    let type = list.first { $0.path == place.field }?.field.dataType
                    let names = list.map(\.path)
                    group.addTask {
                        (
                            place,
                            try await reader.rows(
                                collection: place.node.collection, matching: place.field, type: type, values: values.sorted(), fields: names)
                        )
                    }
                }
                var all: [(Place, [[String: String]])] = []
                for try await result in group { all.append(result) }
                return all
            }
            let filtering = firstRound
            firstRound = false
            for (place, unfiltered) in results {
                var found = unfiltered
                // An identifier singles out one person; one that matches a crowd (a shared
                // address, a switchboard number) would hand over other people's data.
                if filtering, unfiltered.count > Self.mostRowsPerIdentifier * max(1, round[place]?.count ?? 1), filters[place] == nil {
                    throw StewardError(
                        .conflict,
                        "an identifier matched \(unfiltered.count) rows of \(place.node): too many to be one person; search with a more specific identifier",
                        field: place.description)
                }
                if filtering, let filter = filters[place] {
                    found = unfiltered.filter { row in row[filter.field].map { filter.values.contains(Self.normalisedName($0)) } ?? false }
                }
                searched.insert(place.node)
                for row in found {
                    let key =
                        primaryKeys[place.node].flatMap { row[$0] }
                        ?? row.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1F}")
                    guard rows[place.node, default: [:]].updateValue(row, forKey: key) == nil else { continue }
                    // A new row: its values lead on along every link from this collection.
                    for (path, _) in fields[place.node] ?? [] {
                        guard let value = row[path] else { continue }
                        for link in links[Place(node: place.node, field: path)] ?? [] where !(asked[link.to]?.contains(value) ?? false) {
                            pending[link.to, default: []].insert(value)
                        }
                    }
                }
            }
            await progress?(searched.count, fields.count)
        }
        return rows.keys.sorted().map { node in
            Found(node: node, rows: rows[node]!.sorted { $0.key < $1.key }.map(\.value))
        }
    }
}
