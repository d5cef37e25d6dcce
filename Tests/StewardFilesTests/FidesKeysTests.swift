import Foundation
import StewardCore
import StewardFiles
import Testing

/// Every Fides dataset key is either honoured or refused at load, naming the field: nothing is
/// accepted and then ignored.
@Suite("Fides dataset keys, honoured or refused")
struct FidesKeysTests {
    /// The fixture council with `meta` added under the email field's `fides_meta`.
    static func withFieldMeta(_ meta: String) -> [String: String] {
        DataMapFixture.replacing(
            "identity: email\n              data_type: string",
            with: "identity: email\n              data_type: string\n" + meta,
            in: "datasets/library_db.yaml"
        )
    }

    static func email(_ files: [String: String]) throws -> Dataset.Field {
        let map = try DataMapReader.read(files: files).validate(taxonomy: .builtin)
        return try #require(map.dataset("library_db")?.collection("borrowers")?.field(at: "email"))
    }

    struct Override: Sendable, CustomTestStringConvertible {
        var yaml: String
        var strategy: MaskingStrategy
        var testDescription: String { strategy.description }
    }

    static let overrides: [Override] = [
        .init(yaml: "strategy: null_rewrite", strategy: .null),
        .init(
            yaml:
                "strategy: string_rewrite\n                configuration:\n                  rewrite_value: erased\n                  format_preservation:\n                    suffix: \"@example.invalid\"",
            strategy: .fixed("erased@example.invalid")
        ),
        .init(yaml: "strategy: hash\n                configuration:\n                  algorithm: SHA-256", strategy: .hash),
        .init(yaml: "strategy: hmac", strategy: .hmac),
        .init(yaml: "strategy: aes_encrypt\n                configuration:\n                  mode: GCM", strategy: .encrypt),
        .init(yaml: "strategy: random_string_rewrite", strategy: .random),
        .init(yaml: "strategy: preserve", strategy: .preserve),
    ]

    @Test("a field's masking_strategy_override becomes its masking strategy, as Fides means it", arguments: overrides)
    func overrideIsHonoured(_ override: Override) throws {
        let field = try Self.email(Self.withFieldMeta("              masking_strategy_override:\n                " + override.yaml))
        #expect(field.maskingStrategy == override.strategy)
        // As in Fides, the override wins over a policy's strategy for the field's category; a
        // policy naming the field itself wins over the override.
        let place = "library_db.borrowers.email"
        let byCategory = ErasurePolicy(strategies: ["user.contact": .random])
        #expect(byCategory.strategy(for: place, categories: field.dataCategories, override: field.maskingStrategy) == override.strategy)
        let byName = ErasurePolicy(strategies: [place: .hmac])
        #expect(byName.strategy(for: place, categories: field.dataCategories, override: field.maskingStrategy) == .hmac)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: String]
        var field: String
        var message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        .init(
            name: "a hash with another algorithm",
            files: withFieldMeta(
                "              masking_strategy_override:\n                strategy: hash\n                configuration:\n                  algorithm: SHA-512"
            ),
            field: "dataset[0].collections[0].fields[1].fides_meta.masking_strategy_override.configuration.algorithm",
            message: "Steward's hash uses SHA-256; 'SHA-512' cannot be honoured"
        ),
        .init(
            name: "an unknown strategy",
            files: withFieldMeta("              masking_strategy_override:\n                strategy: scramble"),
            field: "dataset[0].collections[0].fields[1].fides_meta.masking_strategy_override.strategy",
            message:
                "unknown masking strategy 'scramble'; use null_rewrite, string_rewrite, hash, hmac, aes_encrypt, random_string_rewrite or preserve"
        ),
        .init(
            name: "random values of another length",
            files: withFieldMeta(
                "              masking_strategy_override:\n                strategy: random_string_rewrite\n                configuration:\n                  length: 8"
            ),
            field: "dataset[0].collections[0].fields[1].fides_meta.masking_strategy_override.configuration.length",
            message: "Steward's random values are 16 characters; length 8 cannot be honoured"
        ),
        .init(
            name: "return_all_elements",
            files: withFieldMeta("              return_all_elements: true"),
            field: "dataset[0].collections[0].fields[1].fides_meta.return_all_elements",
            message:
                "Steward cannot return the elements of an array: arrays cannot be held in a table or CSV source; remove return_all_elements"
        ),
        .init(
            name: "custom_request_field",
            files: withFieldMeta("              custom_request_field: tenant_id"),
            field: "dataset[0].collections[0].fields[1].fides_meta.custom_request_field",
            message:
                "Steward finds a person by identity fields and references, not by custom request fields; declare the field an identity, or remove custom_request_field"
        ),
        .init(
            name: "a field's redact",
            files: withFieldMeta("              redact: name"),
            field: "dataset[0].collections[0].fields[1].fides_meta.redact",
            message:
                "Steward names every collection and field in the person's copy and in the audit log, as Art 15 requires, so it cannot redact names; remove redact"
        ),
        .init(
            name: "a length that is not a number",
            files: withFieldMeta("              length: long"),
            field: "dataset[0].collections[0].fields[1].fides_meta.length",
            message: "length must be a whole number of characters, more than 0"
        ),
        .init(
            name: "partitioning",
            files: DataMapFixture.replacing(
                "      - name: loans\n        fields:",
                with: "      - name: loans\n        fides_meta:\n          partitioning:\n            field: returned_on\n        fields:",
                in: "datasets/library_db.yaml"
            ),
            field: "dataset[0].collections[1].fides_meta.partitioning",
            message: "Steward reads a PostgreSQL, SQLite or CSV source's tables whole; partitioning, a BigQuery setting, does not apply: remove it"
        ),
        .init(
            name: "a collection override other than delete",
            files: DataMapFixture.replacing(
                "      - name: loans\n        fields:",
                with: "      - name: loans\n        fides_meta:\n          masking_strategy_override:\n            strategy: hash\n        fields:",
                in: "datasets/library_db.yaml"
            ),
            field: "dataset[0].collections[1].fides_meta.masking_strategy_override.strategy",
            message: "a collection's masking_strategy_override can only be delete; give other strategies on its fields"
        ),
        .init(
            name: "erase_after naming another dataset's collection",
            files: DataMapFixture.replacing(
                "      - name: loans\n        fields:",
                with: "      - name: loans\n        fides_meta:\n          erase_after: [other_db.borrowers]\n        fields:",
                in: "datasets/library_db.yaml"
            ),
            field: "dataset[0].collections[1].fides_meta.erase_after[0]",
            message: "erase_after names 'other_db.borrowers', which is not a collection of dataset 'library_db'"
        ),
        .init(
            name: "a dataset's namespace",
            files: DataMapFixture.replacing(
                "    name: Library database\n",
                with: "    name: Library database\n    fides_meta:\n      namespace:\n        schema: library\n",
                in: "datasets/library_db.yaml"
            ),
            field: "dataset[0].fides_meta.namespace",
            message:
                "Steward reads the tables the source's own connection sees; a namespace (another database, schema or project) cannot be honoured: remove it, or register a source for it"
        ),
    ]

    @Test("a key Steward cannot honour is refused, naming the field and saying why", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let error = try #require(throws: StewardError.self) { try DataMapReader.read(files: refusal.files).validate(taxonomy: .builtin) }
        #expect(error.details.map(\.field) == [refusal.field], "\(error.details)")
        #expect(error.details.first?.message == refusal.message)
        #expect(error.details.first?.file == "datasets/library_db.yaml" && (error.details.first?.line ?? 0) > 0)
    }

    @Test("a collection's delete override, erase_after, after and a field's length are honoured")
    func collectionKeysAreHonoured() throws {
        var files = DataMapFixture.replacing(
            "      - name: loans\n        fields:",
            with:
                "      - name: loans\n        fides_meta:\n          after: [library_db.borrowers]\n          erase_after: [library_db.borrowers]\n          masking_strategy_override:\n            strategy: delete\n        fields:",
            in: "datasets/library_db.yaml"
        )
        files["datasets/library_db.yaml"] = files["datasets/library_db.yaml"]!.replacingOccurrences(
            of: "identity: email\n              data_type: string",
            with: "identity: email\n              data_type: string\n              length: 60"
        )
        let map = try DataMapReader.read(files: files).validate(taxonomy: .builtin)
        let dataset = try #require(map.dataset("library_db"))
        let loans = try #require(dataset.collection("loans"))
        #expect(loans.erasureDeletes)
        #expect(loans.eraseAfter == ["borrowers"])
        #expect(dataset.collection("borrowers")?.field(at: "email")?.maximumLength == 60)
    }

    @Test("erasure deletes a collection whose override says delete, and makes changes after the collections it is erased after")
    func plannerHonoursCollectionKeys() throws {
        // Held with consent, so erasure is not refused (Art 17(3)).
        let files = DataMapFixture.replacing("lawful_basis: public_task", with: "lawful_basis: consent", in: "purposes.yaml")
        var map = try DataMapReader.read(files: files).validate(taxonomy: .builtin)
        var dataset = try #require(map.dataset("library_db"))
        let borrowers = try #require(dataset.collections.firstIndex { $0.name == "borrowers" })
        let loans = try #require(dataset.collections.firstIndex { $0.name == "loans" })
        dataset.collections[loans].erasureDeletes = true
        // Borrowers are masked after the loans go, as the dataset says.
        dataset.collections[borrowers].eraseAfter = ["loans"]
        map.replace(dataset)
        let found = [
            PersonSearch.Found(
                node: .init(dataset: "library_db", collection: "borrowers"),
                rows: [["id": "1", "email": "amy@example.org"]],
                othersKeys: [[]]
            ),
            PersonSearch.Found(
                node: .init(dataset: "library_db", collection: "loans"),
                rows: [["borrower_id": "1", "returned_on": "2026-01-01"]],
                othersKeys: [[]]
            ),
        ]
        // Loans have no key declared: give them one for the plan.
        var keyed = map
        var withKey = try #require(keyed.dataset("library_db"))
        withKey.collections[loans].fields[0].isPrimaryKey = true
        keyed.replace(withKey)
        // With only operational data in it, the collection holds nothing of the person's to erase.
        let operational = try ChangePlanner.erasure(ErasurePolicy(), legalHolds: [], map: keyed, found: found) { _, _, _ in nil }
        #expect(operational.steps.first { $0.collection == "loans" }?.action == .unchanged)
        withKey.collections[loans].fields[1].dataCategories = ["user.content"]
        keyed.replace(withKey)
        let plan = try ChangePlanner.erasure(ErasurePolicy(), legalHolds: [], map: keyed, found: found) { _, _, _ in nil }
        #expect(plan.steps.first { $0.collection == "loans" }?.action == .delete)
        #expect(plan.changes["library_db"]?.map(\RowChange.collection) == ["loans", "borrowers"])
    }
}
