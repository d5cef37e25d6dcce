/// Counting people into the cells of a table: every combination of the dimensions' values is a
/// cell, empty ones included; each person is counted once, in one cell, however many records they
/// have; and a value outside a dimension's list is an error naming the dimension and how many
/// records held such values, never dropped.
public enum Tabulation {
    /// One axis of a table: the values it is published over, in order, and which recorded code
    /// counts under which value (a category under its group when the table rolls a list up).
    public struct Dimension: Sendable, Hashable {
        public var name: String
        public var values: [CategoryList.Category]
        /// A recorded code to the value code it counts under.
        public var mapping: [String: String]

        public init(name: String, values: [CategoryList.Category], mapping: [String: String]) {
            self.name = name
            self.values = values
            self.mapping = mapping
        }

        /// A dimension over every value of a list, or over its groups (`rolledUp`), with
        /// "prefer not to say" a value of its own either way.
        public init(_ list: CategoryList, rolledUp: Bool = false) {
            name = list.key.rawValue
            if rolledUp, !list.groups.isEmpty {
                values = list.groups + (list.notStated.map { [$0] } ?? [])
                mapping = Dictionary(uniqueKeysWithValues: list.categories.map { ($0.code, $0.group ?? $0.code) })
                if let notStated = list.notStated { mapping[notStated.code] = notStated.code }
            } else {
                values = list.values
                mapping = Dictionary(uniqueKeysWithValues: list.values.map { ($0.code, $0.code) })
            }
        }
    }

    /// One person's values, one per dimension by name, from one record. `person` is what makes two
    /// records the same person (their subject, or a key made from their identifiers).
    public struct Record: Sendable, Hashable {
        public var person: String
        public var values: [String: String]

        public init(person: String, values: [String: String]) {
            self.person = person
            self.values = values
        }
    }

    /// The exact counts, cell by cell in the order of the dimensions' values (the last dimension
    /// varying fastest). Never published: only noisy counts leave Steward (`NoisyTable`).
    public struct Counts: Sendable, Hashable {
        public var dimensions: [Dimension]
        public var counts: [Int]
        /// People counted: each once.
        public var people: Int
        /// Records of people already counted, left out (the first record of a person counts).
        public var duplicates: Int
    }

    /// The most cells one table may have.
    public static let largestTable = 2_000_000

    /// Counts the records into the table the dimensions make. Records come in priority order: a
    /// person's first record is the one counted (so a release lists its sources most reliable
    /// first).
    public static func count(_ records: some Sequence<Record>, dimensions: [Dimension]) throws -> Counts {
        guard !dimensions.isEmpty else { throw StewardError(.invalidInput, "a table needs at least one dimension", field: "dimensions") }
        var strides = [Int](repeating: 1, count: dimensions.count)
        var cells = 1
        for index in dimensions.indices.reversed() {
            strides[index] = cells
            let (product, overflow) = cells.multipliedReportingOverflow(by: max(dimensions[index].values.count, 1))
            guard !overflow, product <= largestTable else {
                throw StewardError(.invalidInput, "the table would have more than \(largestTable) cells", field: "dimensions")
            }
            cells = product
        }
        // Each dimension's recorded codes straight to the place of the value they count under.
        let places = dimensions.map { dimension in
            let axis = Dictionary(uniqueKeysWithValues: dimension.values.enumerated().map { ($0.element.code, $0.offset) })
            return dimension.mapping.compactMapValues { axis[$0] }
        }
        var counts = [Int](repeating: 0, count: cells)
        var seen = Set<String>()
        var duplicates = 0
        var outside = [String: (count: Int, example: String)]()
        records: for record in records {
            var cell = 0
            var bad = false
            for (index, dimension) in dimensions.enumerated() {
                let recorded = record.values[dimension.name] ?? ""
                guard let place = places[index][recorded] else {
                    let previous = outside[dimension.name]
                    outside[dimension.name] = ((previous?.count ?? 0) + 1, previous?.example ?? recorded)
                    bad = true
                    continue
                }
                cell += place * strides[index]
            }
            if bad { continue records }
            guard seen.insert(record.person).inserted else {
                duplicates += 1
                continue
            }
            counts[cell] += 1
        }
        guard outside.isEmpty else {
            let issues = outside.sorted { $0.key < $1.key }.map { name, found in
                StewardError.Issue(
                    field: name,
                    message:
                        "\(found.count) record\(found.count == 1 ? "" : "s") hold\(found.count == 1 ? "s" : "") a value not in the list, such as '\(found.example.prefix(40))'"
                )
            }
            throw StewardError(
                .invalidInput,
                "values outside the category lists: \(issues.map { "\($0.field ?? ""): \($0.message)" }.joined(separator: "; "))",
                field: issues.first?.field,
                details: issues
            )
        }
        return Counts(dimensions: dimensions, counts: counts, people: seen.count, duplicates: duplicates)
    }
}
