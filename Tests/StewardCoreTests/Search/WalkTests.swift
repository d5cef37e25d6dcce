import StewardCore
import Testing

/// How far the person search walks, on rows held in memory: it follows a reference the way the
/// data map declares it, and stops at a record that others' rows point at only when the reference
/// has no direction and the record holds nothing of the person's.
@Suite("The person search's walk")
struct WalkTests {
    /// Rows in memory, compared as text.
    struct Rows: CollectionReader {
        var tables: [String: [[String: String]]]

        func rows(
            collection: String,
            matching field: String,
            type: Dataset.DataType?,
            values: [String],
            fields: [String]
        ) async throws -> [[String: String]] {
            let wanted = Set(values)
            return (tables[collection] ?? []).filter { $0[field].map(wanted.contains) ?? false }.map { $0.filter { fields.contains($0.key) } }
        }
    }

    static func field(
        _ name: String,
        identity: IdentityKind.Key? = nil,
        key: Bool = false,
        to target: String? = nil,
        direction: Dataset.Reference.Direction? = nil
    ) -> Dataset.Field {
        Dataset.Field(
            name: name,
            description: nil,
            dataCategories: ["user"],
            identity: identity,
            references: target.map {
                [
                    Dataset.Reference(
                        dataset: "db",
                        collection: String($0.split(separator: ".")[0]),
                        field: String($0.split(separator: ".")[1]),
                        direction: direction
                    )
                ]
            } ?? [],
            isPrimaryKey: key,
            dataType: nil,
            isReadOnly: false,
            fields: []
        )
    }

    /// Contacts point at residents; a resident's cases point at them too.
    static func map(_ direction: Dataset.Reference.Direction?) -> DataMap {
        let dataset = Dataset(
            key: "db",
            name: nil,
            description: nil,
            collections: [
                .init(
                    name: "contacts",
                    description: nil,
                    fields: [
                        field("id", key: true), field("email", identity: .email), field("resident_id", to: "residents.id", direction: direction),
                    ],
                    skipProcessing: false
                ),
                .init(name: "residents", description: nil, fields: [field("id", key: true), field("name")], skipProcessing: false),
                .init(
                    name: "cases",
                    description: nil,
                    fields: [field("id", key: true), field("resident_id", to: "residents.id", direction: .from)],
                    skipProcessing: false
                ),
            ]
        )
        return DataMap(
            controller: Controller(name: "C"),
            systems: [],
            datasets: [dataset],
            purposes: [],
            recipients: [],
            retention: [],
            customIdentities: []
        )
    }

    static let rows = Rows(tables: [
        "contacts": [["id": "1", "email": "amy@example.org", "resident_id": "10"], ["id": "2", "email": "rory@example.org", "resident_id": "20"]],
        "residents": [["id": "10", "name": "Amy"], ["id": "20", "name": "Rory"]],
        "cases": [["id": "100", "resident_id": "10"], ["id": "101", "resident_id": "10"], ["id": "200", "resident_id": "20"]],
    ])

    static func found(_ direction: Dataset.Reference.Direction?) async throws -> [String: [String]] {
        let search = try PersonSearch(dataMap: map(direction), readers: ["db": rows])
        let outcome = try await search.run(identifiers: [.init(kind: .email, value: "amy@example.org")])
        return Dictionary(uniqueKeysWithValues: outcome.found.map { ($0.node.collection, $0.rows.compactMap { $0["id"] }.sorted()) })
    }

    @Test("a reference declared up to the person's own record is followed on to everything of theirs that points at it")
    func directedReferenceIsFollowed() async throws {
        let found = try await Self.found(.to)
        #expect(found["residents"] == ["10"])
        #expect(found["cases"] == ["100", "101"])
        #expect(found["contacts"] == ["1"])
    }

    @Test("a reference without a direction stops at the record it reaches, which is in the copy as a related record and never erased")
    func undirectedReferenceStops() async throws {
        let search = try PersonSearch(dataMap: Self.map(nil), readers: ["db": Self.rows])
        let outcome = try await search.run(identifiers: [.init(kind: .email, value: "amy@example.org")])
        let residents = try #require(outcome.found.first { $0.node.collection == "residents" })
        #expect(residents.rows.map { $0["id"] } == ["10"])
        #expect(residents.sharedWith.first?.contains { $0.contains("a related record") } == true)
        #expect(outcome.found.first { $0.node.collection == "cases" } == nil)
    }
}
