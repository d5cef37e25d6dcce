/// Reads rows of one dataset's collections from wherever the council keeps them: a PostgreSQL or
/// SQLite database, or a folder of CSV files.
public protocol CollectionReader: Sendable {
    /// The rows of `collection` whose `field` equals one of `values`, with every field in `fields`
    /// (a missing value or SQL NULL is left out of the row). `type` is the field's declared type,
    /// so values can be compared as the source stores them.
    func rows(
        collection: String,
        matching field: String,
        type: Dataset.DataType?,
        values: [String],
        fields: [String]
    ) async throws
        -> [[String: String]]
}

/// Finds every row that belongs to a person across the datasets bound to sources: it starts from the
/// identity fields that match the identifiers given, then follows every reference (in the direction
/// the dataset declares), using the values found in one collection to search the next, until no new
/// value turns up. Collections with nothing to wait for are searched at the same time.
///
/// A value that several people may share (a field marked `shared`, or any UPRN) leads only to
/// candidates: a row reached that way is the person's only when it also holds one of their
/// identifiers, or a key the person's own rows hold; the rest are reported, never handed over or
/// changed, and their values lead nowhere.
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
        /// For each row, in the same order, the fields holding a key the search did not follow
        /// from the person: another person's record (a joint tenant, the other side of a
        /// relationship).
        public var othersKeys: [Set<String>]
        /// For each row, in the same order, why it is also other people's: the collections whose
        /// rows, not the person's, point at it (`markReferencedByOthers`), and the identity fields
        /// holding an identifier that is not the person's (a case handled for someone else). Such
        /// rows are never masked or deleted.
        public var sharedWith: [Set<String>] = []

        public init(node: DatasetGraph.Node, rows: [[String: String]], othersKeys: [Set<String>], sharedWith: [Set<String>] = []) {
            self.node = node
            self.rows = rows
            self.othersKeys = othersKeys
            self.sharedWith = sharedWith
        }
    }

    /// Rows reached only through a shared value that nothing confirmed as the person's.
    public struct Unconfirmed: Sendable, Hashable, Codable {
        public var dataset: String
        public var collection: String
        /// The shared fields they were reached by.
        public var fields: [String]
        public var rows: Int
    }

    /// What a search found.
    public struct Outcome: Sendable, Hashable {
        public var found: [Found]
        public var unconfirmed: [Unconfirmed]
    }

    /// A field that says who a row is about, of a kind.
    struct IdentityField: Sendable {
        var path: String
        var kind: IdentityKind.Key
        var shared: Bool
    }

    public let dataMap: DataMap
    /// The datasets the search covers, each with its reader.
    public let readers: [Dataset.Key: any CollectionReader]
    let plan: Plan

    /// The readable fields, links, keys and identities of the collections of the bound datasets.
    struct Plan: Sendable {
        var links: [Place: [Link]] = [:]
        var fields: [DatasetGraph.Node: [(path: String, field: Dataset.Field)]] = [:]
        var primaryKeys: [DatasetGraph.Node: [String]] = [:]
        var identities: [DatasetGraph.Node: [IdentityField]] = [:]
        /// For each place, the places whose values a link that is not shared carries into it: where
        /// a candidate's key can be compared with the person's own, as following would.
        var keyNeighbours: [Place: Set<Place>] = [:]
        /// Places some candidate's key may be compared with (every place in `keyNeighbours`' sets).
        var keySources: Set<Place> = []
        /// Reference fields a link may only enter (`direction: from`), other than a collection's
        /// own single key: a value there the search never reached is a key to someone else's record.
        var enteredOnly: Set<Place> = []
        /// Places holding values several people may share.
        var shared: Set<Place> = []
        /// The datasets of each system, for identifiers that belong to one system.
        var systemDatasets: [System.Key: Set<Dataset.Key>] = [:]
        /// For each field other fields declare a reference to, those fields: where rows pointing at
        /// a row of the person's are found.
        var referencedBy: [Place: [Place]] = [:]
        /// Places only links going up a reference declared without a direction reach: a row found
        /// there is a record the person's rows point at, which others' rows may point at too. The
        /// walk does not go on from it, unless it holds one of the person's identifiers. (A
        /// reference with a direction is followed only the way it says, so cannot lead back down.)
        var reachedUp: Set<Place> = []
    }

    /// Plans a search over the datasets that have readers. Throws, naming the field, when a
    /// collection to be searched has a field the engine cannot read.
    public init(dataMap: DataMap, readers: [Dataset.Key: any CollectionReader]) throws {
        self.dataMap = dataMap
        self.readers = readers
        plan = try Self.plan(dataMap, bound: Set(readers.keys))
    }

    /// Throws, naming the field, when a collection of one of `datasets` has a field the engine
    /// cannot read: checked before any source is opened.
    public static func checkReadable(_ dataMap: DataMap, datasets: Set<Dataset.Key>) throws {
        _ = try plan(dataMap, bound: datasets)
    }

    static func plan(_ dataMap: DataMap, bound: Set<Dataset.Key>) throws -> Plan {
        var plan = Plan()
        var sharedPlaces: Set<Place> = []
        var declared: [(here: Place, there: Place, direction: Dataset.Reference.Direction?)] = []
        var singleKeys: Set<Place> = []
        // Identity fields, known to be shared or not only once sharing has spread along references.
        var identities: [(DatasetGraph.Node, IdentityField)] = []
        for system in dataMap.systems { plan.systemDatasets[system.key] = Set(system.datasets) }
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
                    let here = Place(node: node, field: path)
                    if field.isShared || field.identity == .uprn { sharedPlaces.insert(here) }
                    if field.isPrimaryKey { plan.primaryKeys[node, default: []].append(path) }
                    if let kind = field.identity {
                        identities.append((node, IdentityField(path: path, kind: kind, shared: false)))
                    }
                    for reference in field.references where bound.contains(reference.dataset) {
                        let there = Place(
                            node: DatasetGraph.Node(dataset: reference.dataset, collection: reference.collection),
                            field: reference.field
                        )
                        declared.append((here, there, reference.direction))
                    }
                }
                plan.fields[node] = readable
                if let keys = plan.primaryKeys[node], keys.count == 1 { singleKeys.insert(Place(node: node, field: keys[0])) }
            }
        }
        // Fields linked to a shared field, however far along references, hold the same shared values.
        var queue = Array(sharedPlaces)
        while let place = queue.popLast() {
            for (here, there, _) in declared where here == place || there == place {
                for other in [here, there] where sharedPlaces.insert(other).inserted { queue.append(other) }
            }
        }
        plan.shared = sharedPlaces
        for (node, identity) in identities {
            var identity = identity
            identity.shared = sharedPlaces.contains(Place(node: node, field: identity.path))
            plan.identities[node, default: []].append(identity)
        }
        var upTargets: Set<Place> = []
        var downTargets: Set<Place> = []
        for (here, there, direction) in declared {
            plan.referencedBy[there, default: []].append(here)
            let shared = sharedPlaces.contains(here)
            if direction != .from { plan.links[here, default: []].append(Link(from: here, to: there)) }
            if direction != .to { plan.links[there, default: []].append(Link(from: there, to: here)) }
            // A reference declared without a direction is followed both ways: up from a row to
            // the row it points at, and down again to everyone's rows that point there.
            if direction == nil {
                upTargets.insert(there)
            } else {
                downTargets.insert(direction == .from ? here : there)
            }
            if !shared {
                if direction != .from { plan.keyNeighbours[there, default: []].insert(here) }
                if direction != .to { plan.keyNeighbours[here, default: []].insert(there) }
            }
            if direction == .from, !shared, !singleKeys.contains(here) { plan.enteredOnly.insert(here) }
        }
        plan.keySources = Set(plan.keyNeighbours.values.flatMap { $0 })
        plan.reachedUp = upTargets.subtracting(downTargets)
        return plan
    }

    /// The collections the search may reach, for progress: every readable collection.
    public var collections: [DatasetGraph.Node] { plan.fields.keys.sorted() }

    /// The most rows one identifier value may match where the search starts.
    public static let mostRowsPerIdentifier = 100

    /// Identities that single out a person only together: a name alone, or a date of birth alone,
    /// would find other people.
    static let pairedIdentities: Set<IdentityKind.Key> = [.name, .dateOfBirth]

    /// Where the search starts: the values to look for at each place (every written form of each
    /// identifier), how many identifiers each place was given, and for a name with a date of
    /// birth, the name the rows found by date of birth must also have.
    struct Seeds {
        var values: [Place: Set<String>] = [:]
        var identifierCounts: [Place: Int] = [:]
        var filters: [Place: (field: String, values: Set<String>)] = [:]
    }

    func seeds(for identifiers: [Subject.Identifier]) -> Seeds {
        var seeds = Seeds()
        let names = Set(identifiers.filter { $0.kind == .name }.map { Self.normalisedName($0.value) })
        let births = Set(identifiers.filter { $0.kind == .dateOfBirth }.map(\.value))
        for node in plan.fields.keys {
            let identities = plan.identities[node] ?? []
            if !names.isEmpty, !births.isEmpty, let name = identities.first(where: { $0.kind == .name }),
                let birth = identities.first(where: { $0.kind == .dateOfBirth })
            {
                let place = Place(node: node, field: birth.path)
                seeds.values[place, default: []].formUnion(births)
                seeds.identifierCounts[place, default: 0] += births.count
                seeds.filters[place] = (name.path, names)
            }
            for identity in identities where !Self.pairedIdentities.contains(identity.kind) {
                // A system's own id is looked for only in that system's datasets.
                let given = identifiers.filter { identifier in
                    guard identifier.kind == identity.kind else { return false }
                    guard let owner = identifier.system else { return true }
                    return plan.systemDatasets[owner]?.contains(node.dataset) ?? false
                }
                guard !given.isEmpty else { continue }
                let place = Place(node: node, field: identity.path)
                seeds.values[place, default: []].formUnion(given.flatMap(\.writtenForms))
                // A shared value finds only candidates, never a crowd of the person's rows.
                if !identity.shared { seeds.identifierCounts[place, default: 0] += given.count }
            }
        }
        return seeds
    }

    /// A name compared as identifiers are: lower case, single spaces.
    static func normalisedName(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Runs the search. `progress` is told, after each round, how many collections have been
    /// searched of how many the search may reach.
    public func run(
        identifiers: [Subject.Identifier],
        progress: (@Sendable (_ done: Int, _ total: Int) async -> Void)? = nil
    ) async throws
        -> Outcome
    {
        let seeds = seeds(for: identifiers)
        var walk = Walk(plan: plan, identifiers: identifiers, datasets: Set(plan.fields.keys.map(\.dataset)))
        walk.pending = seeds.values
        var firstRound = true
        var searched: Set<DatasetGraph.Node> = []
        while !walk.pending.isEmpty {
            let round = walk.pending
            walk.pending = [:]
            for (place, values) in round { walk.asked[place, default: []].formUnion(values) }
            let results = try await withThrowingTaskGroup(of: (Place, [[String: String]]).self) { group in
                for (place, values) in round {
                    guard let reader = readers[place.node.dataset], let list = plan.fields[place.node] else { continue }
                    let type = list.first { $0.path == place.field }?.field.dataType
                    let names = list.map(\.path)
                    let values = values.sorted()
                    group.addTask {
                        (
                            place,
                            try await reader.rows(collection: place.node.collection, matching: place.field, type: type, values: values, fields: names)
                        )
                    }
                }
                var all: [(Place, [[String: String]])] = []
                for try await result in group { all.append(result) }
                return all
            }
            let filtering = firstRound
            firstRound = false
            for (place, unfiltered) in results.sorted(by: { $0.0 < $1.0 }) {
                var found = unfiltered
                // An identifier singles out one person; one that matches a crowd (a switchboard
                // number, a typing slip in a data map) would hand over other people's data.
                if filtering, let given = seeds.identifierCounts[place], seeds.filters[place] == nil,
                    unfiltered.count > Self.mostRowsPerIdentifier * max(1, given)
                {
                    throw StewardError(
                        .conflict,
                        "an identifier matched \(unfiltered.count) rows of \(place.node): too many to be one person; search with a more specific identifier",
                        field: place.description
                    )
                }
                if filtering, let filter = seeds.filters[place] {
                    found = unfiltered.filter { row in row[filter.field].map { filter.values.contains(Self.normalisedName($0)) } ?? false }
                }
                searched.insert(place.node)
                for row in found {
                    // A shared value finds only candidates.
                    if !plan.shared.contains(place) {
                        // Found by the person's own identifier: a row that says who they are.
                        if filtering, seeds.identifierCounts[place] != nil { walk.addRoot(row, at: place.node) }
                        walk.add(row, at: place.node, related: !filtering && plan.reachedUp.contains(place))
                    } else {
                        walk.consider(row, at: place.node, reachedBy: place)
                    }
                }
            }
            walk.confirmCandidates()
            await progress?(searched.count, plan.fields.count)
        }
        return walk.outcome()
    }
}
