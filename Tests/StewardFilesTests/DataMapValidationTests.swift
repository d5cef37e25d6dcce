import Foundation
import StewardCore
import StewardFiles
import Testing

@Suite("Data map reading and validation")
struct DataMapValidationTests {
    @Test("a Fides dataset with identities, nested fields and references loads")
    func fidesDatasetLoads() throws {
        let map = try DataMapReader.read(files: DataMapFixture.files).validate(taxonomy: .builtin)
        let dataset = try #require(map.dataset("library_db"))
        let borrowers = try #require(dataset.collection("borrowers"))
        #expect(borrowers.field(at: "email")?.identity == "email")
        #expect(borrowers.field(at: "address.postcode")?.dataCategories == ["user.contact.address.postal_code"])
        let reference = try #require(dataset.collection("loans")?.field(at: "borrower_id")?.references.first)
        #expect(reference == Dataset.Reference(dataset: "library_db", collection: "borrowers", field: "id", direction: .from))
        #expect(map.retention.first?.period == RetentionRule.Period(count: 2, unit: .years))
        #expect(map.recipient("library_cloud")?.agreements.first?.ends == CalendarDate(year: 2027, month: 12, day: 31))
    }

    @Test("identity and reference fields load without a data_type, as in Fides: the source's column gives it")
    func dataTypeIsOptional() throws {
        var files = DataMapFixture.replacing(
            "identity: email\n              data_type: string",
            with: "identity: email",
            in: "datasets/library_db.yaml"
        )
        files["datasets/library_db.yaml"] = files["datasets/library_db.yaml"]!.replacingOccurrences(
            of: "              data_type: integer\n              references:",
            with: "              references:"
        )
        let map = try DataMapReader.read(files: files).validate(taxonomy: .builtin)
        let dataset = try #require(map.dataset("library_db"))
        #expect(dataset.collection("borrowers")?.field(at: "email")?.dataType == nil)
        #expect(dataset.collection("loans")?.field(at: "borrower_id")?.dataType == nil)
        // Resolved by the source's schema, each takes its column's type.
        let schema = SourceSchema(tables: [
            .init(
                name: "borrowers",
                columns: [
                    .init(name: "id", declared: "integer", type: .init(base: .integer)),
                    .init(name: "email", declared: "text", type: .init(base: .string)),
                ],
                primaryKey: ["id"]
            ),
            .init(
                name: "loans",
                columns: [
                    .init(name: "borrower_id", declared: "bigint", type: .init(base: .integer)),
                    .init(name: "returned_on", declared: "date", type: .init(base: .date)),
                ],
                primaryKey: []
            ),
        ])
        let resolved = dataset.resolved(by: schema)
        #expect(resolved.collection("borrowers")?.field(at: "email")?.dataType == .init(base: .string))
        #expect(resolved.collection("loans")?.field(at: "borrower_id")?.dataType == .init(base: .integer))
    }

    @Test("the bundled demo council's data map is valid")
    func demoDataMapIsValid() throws {
        let draft = try DataMapReader.read(folder: try BundledData.demoDataMap)
        let map = try draft.validate(taxonomy: .builtin)
        #expect(map.systems.count >= 7)
        #expect(map.recipients.contains { $0.kind == .processor && $0.country == "US" && $0.agreements.contains { $0.kind == .idta } })
        #expect(map.recipients.contains { $0.kind == .processor && $0.country != "GB" && !$0.agreements.contains { $0.kind.isTransferSafeguard } })
    }

    /// One broken input and where the error must point.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var files: [String: String]
        var file: String
        var line: Int
        var field: String
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unknown data category",
            files: DataMapFixture.replacing(
                "[user.contact.email]\n            fides_meta:\n              identity",
                with: "[user.contact.emial]\n            fides_meta:\n              identity",
                in: "datasets/library_db.yaml"
            ),
            file: "datasets/library_db.yaml",
            line: 13,
            field: "dataset[0].collections[0].fields[1].data_categories[0]",
            message: "unknown data category 'user.contact.emial'; did you mean 'user.contact.email'?"
        ),
        Case(
            name: "unknown purpose in a system",
            files: DataMapFixture.replacing("purposes: [library_membership]", with: "purposes: [library_memberships]", in: "systems/libraries.yaml"),
            file: "systems/libraries.yaml",
            line: 7,
            field: "system.purposes[0]",
            message: "unknown purpose 'library_memberships'"
        ),
        Case(
            name: "unknown purpose in an agreement",
            files: DataMapFixture.replacing("purposes: [library_membership]", with: "purposes: [marketing_push]", in: "recipients.yaml"),
            file: "recipients.yaml",
            line: 10,
            field: "recipients[0].agreements[0].purposes[0]",
            message: "unknown purpose 'marketing_push'"
        ),
        Case(
            name: "unknown recipient as processor",
            files: DataMapFixture.replacing(
                "hosting_country: GB",
                with: "hosting_country: GB\n  processor: cloud_libraries",
                in: "systems/libraries.yaml"
            ),
            file: "systems/libraries.yaml",
            line: 6,
            field: "system.processor",
            message: "unknown recipient 'cloud_libraries'"
        ),
        Case(
            name: "reference to a missing dataset",
            files: DataMapFixture.replacing("- dataset: library_db", with: "- dataset: library_dbx", in: "datasets/library_db.yaml"),
            file: "datasets/library_db.yaml",
            line: 32,
            field: "dataset[0].collections[1].fields[0].fides_meta.references[0].dataset",
            message: "reference to missing dataset 'library_dbx'"
        ),
        Case(
            name: "reference to a missing collection",
            files: DataMapFixture.replacing("field: borrowers.id", with: "field: members.id", in: "datasets/library_db.yaml"),
            file: "datasets/library_db.yaml",
            line: 33,
            field: "dataset[0].collections[1].fields[0].fides_meta.references[0].field",
            message: "reference to missing collection 'members'"
        ),
        Case(
            name: "reference to a missing field",
            files: DataMapFixture.replacing("field: borrowers.id", with: "field: borrowers.borrower_no", in: "datasets/library_db.yaml"),
            file: "datasets/library_db.yaml",
            line: 33,
            field: "dataset[0].collections[1].fields[0].fides_meta.references[0].field",
            message: "reference to missing field 'borrower_no'"
        ),
        Case(
            name: "a collection no identity can reach",
            files: DataMapFixture.replacing("direction: from", with: "direction: to", in: "datasets/library_db.yaml"),
            file: "datasets/library_db.yaml",
            line: 25,
            field: "dataset[0].collections[1].name",
            message: "collection 'library_db.loans' cannot be reached from any identity field"
        ),
        Case(
            name: "an agreement that ends before it starts",
            files: DataMapFixture.replacing("ends: 2027-12-31", with: "ends: 2023-12-31", in: "recipients.yaml"),
            file: "recipients.yaml",
            line: 12,
            field: "recipients[0].agreements[0].ends",
            message: "the agreement ends (2023-12-31) before it starts (2024-01-01)"
        ),
        Case(
            name: "an agreement's email rule that is neither allowed nor forbidden",
            files: DataMapFixture.replacing("ends: 2027-12-31", with: "ends: 2027-12-31\n        email: sometimes", in: "recipients.yaml"),
            file: "recipients.yaml",
            line: 13,
            field: "recipients[0].agreements[0].email",
            message: "email must be allowed or forbidden; to allow only a secure domain, give secure_email_domain"
        ),
        Case(
            name: "a secure email domain that is not a domain",
            files: DataMapFixture.replacing("ends: 2027-12-31", with: "ends: 2027-12-31\n        secure_email_domain: nhs", in: "recipients.yaml"),
            file: "recipients.yaml",
            line: 13,
            field: "recipients[0].agreements[0].secure_email_domain",
            message: "'nhs' is not a domain name such as nhs.net"
        ),
        Case(
            name: "a statutory gateway for an unknown purpose",
            files: DataMapFixture.replacing(
                "    agreements:\n",
                with:
                    "    statutory_gateways:\n      - legislation: Local Audit and Accountability Act 2014 Sch 9\n        categories: [user.name]\n        purposes: [fraud_matching]\n    agreements:\n",
                in: "recipients.yaml"
            ),
            file: "recipients.yaml",
            line: 9,
            field: "recipients[0].statutory_gateways[0].purposes[0]",
            message: "unknown purpose 'fraud_matching'"
        ),
        Case(
            name: "an unknown data type",
            files: DataMapFixture.replacing("data_type: date", with: "data_type: timestamp", in: "datasets/library_db.yaml"),
            file: "datasets/library_db.yaml",
            line: 38,
            field: "dataset[0].collections[1].fields[1].fides_meta.data_type",
            message: "unknown data_type 'timestamp'"
        ),
        Case(
            name: "an unknown lawful basis",
            files: DataMapFixture.replacing("lawful_basis: public_task", with: "lawful_basis: public_interest", in: "purposes.yaml"),
            file: "purposes.yaml",
            line: 5,
            field: "purposes[0].lawful_basis",
            message: "unknown lawful basis 'public_interest'"
        ),
        Case(
            name: "special category data without an Art 9 condition",
            files: DataMapFixture.replacing(
                "[user.contact.email, user.contact.address.postal_code]",
                with: "[user.contact.email, user.health_and_medical]",
                in: "purposes.yaml"
            ),
            file: "purposes.yaml",
            line: 7,
            field: "purposes[0].data_categories[1]",
            message: "needs a special_condition"
        ),
        Case(
            name: "a misspelt key",
            files: DataMapFixture.replacing("lawful_basis: public_task", with: "lawfull_basis: public_task", in: "purposes.yaml"),
            file: "purposes.yaml",
            line: 5,
            field: "purposes[0].lawfull_basis",
            message: "unknown key 'lawfull_basis'"
        ),
        Case(
            name: "a misspelt key in a Fides dataset",
            files: DataMapFixture.replacing("identity: email", with: "identiy: email", in: "datasets/library_db.yaml"),
            file: "datasets/library_db.yaml",
            line: 15,
            field: "dataset[0].collections[0].fields[1].fides_meta.identiy",
            message: "unknown key 'identiy'"
        ),
        Case(
            name: "a broad category that covers special category data, without an Art 9 condition",
            files: DataMapFixture.replacing("[user.contact.email, user.contact.address.postal_code]", with: "[user]", in: "purposes.yaml"),
            file: "purposes.yaml",
            line: 7,
            field: "purposes[0].data_categories[0]",
            message: "covers special category data"
        ),
        Case(
            name: "a retention trigger that is not a date",
            files: DataMapFixture.replacing("field: returned_on", with: "field: borrower_id", in: "retention.yaml"),
            file: "retention.yaml",
            line: 6,
            field: "retention[0].trigger.field",
            message: "is integer, not a date or datetime"
        ),
        Case(
            name: "a retention event with no field recording it",
            files: DataMapFixture.replacing("      field: returned_on", with: "      event: item returned", in: "retention.yaml"),
            file: "retention.yaml",
            line: 6,
            field: "retention[0].trigger.event",
            message: "names the date field that records when 'item returned' happened"
        ),
        Case(
            name: "an age counted from a field that is not a date of birth",
            files: DataMapFixture.replacing("period: 2 years", with: "period: until the 75th birthday", in: "retention.yaml"),
            file: "retention.yaml",
            line: 6,
            field: "retention[0].trigger.field",
            message: "counts from a date of birth"
        ),
        Case(
            name: "a retention period that is not one",
            files: DataMapFixture.replacing("period: 2 years", with: "period: a while", in: "retention.yaml"),
            file: "retention.yaml",
            line: 4,
            field: "retention[0].period",
            message: "must be a whole number of days, weeks, months or years"
        ),
        Case(
            name: "masking for a rule that deletes",
            files: DataMapFixture.replacing(
                "action: delete",
                with: "action: delete\n    masking:\n      user.contact.email: \"null\"",
                in: "retention.yaml"
            ),
            file: "retention.yaml",
            line: 9,
            field: "retention[0].masking.user.contact.email",
            message: "masking is for a rule whose action is anonymise"
        ),
        Case(
            name: "anonymising with a hash, which cannot be told from a real value",
            files: DataMapFixture.replacing(
                "action: delete",
                with: "action: anonymise\n    masking:\n      user.contact.email: hash",
                in: "retention.yaml"
            ),
            file: "retention.yaml",
            line: 9,
            field: "retention[0].masking.user.contact.email",
            message: "retention anonymises with null or fixed:TEXT"
        ),
        Case(
            name: "two rules for one collection",
            files: ["retention.yaml": DataMapFixture.retention + "\n" + DataMapFixture.retention.replacingOccurrences(of: "retention:\n", with: "")]
                .merging(DataMapFixture.files) { mine, _ in mine },
            file: "retention.yaml",
            line: 0,
            field: "retention[1].collection",
            message: "already has a retention rule"
        ),
        Case(
            name: "YAML that does not parse",
            files: DataMapFixture.replacing("  department: Communities", with: "  department: [Communities", in: "systems/libraries.yaml"),
            file: "systems/libraries.yaml",
            line: 5,
            field: "",
            message: "not valid YAML"
        ),
    ]

    @Test("each invalid input is an error naming the file, the line and the field", arguments: cases)
    func invalidInputIsNamed(_ testCase: Case) throws {
        let draft = DataMapReader.read(files: testCase.files)
        let error = try #require(throws: StewardError.self) { try draft.validate(taxonomy: .builtin) }
        #expect(error.code == .invalidDataMap)
        let match = error.details.first { issue in
            issue.file == testCase.file && issue.message.contains(testCase.message) && (testCase.field.isEmpty || issue.field == testCase.field)
        }
        let issue = try #require(match, "no issue matched; got:\n\(error.details.map(\.description).joined(separator: "\n"))")
        if testCase.line > 0 {
            #expect(issue.line == testCase.line, "\(issue)")
        }
    }

    @Test("every problem is reported at once, not just the first")
    func everyProblemIsReported() throws {
        var files = DataMapFixture.replacing("lawful_basis: public_task", with: "lawful_basis: nonsense", in: "purposes.yaml")
        files["systems/libraries.yaml"] = DataMapFixture.system.replacingOccurrences(of: "[library_db]", with: "[nowhere]")
        let error = try #require(throws: StewardError.self) { try DataMapReader.read(files: files).validate(taxonomy: .builtin) }
        #expect(error.details.count >= 2)
        #expect(error.message.contains("nothing was loaded"))
    }

    @Test("a missing controller falls back to the configured one, and is an error without it")
    func controllerFallsBackToConfiguration() throws {
        var files = DataMapFixture.files
        files["controller.yaml"] = nil
        let draft = DataMapReader.read(files: files)
        #expect(throws: StewardError.self) { try draft.validate(taxonomy: .builtin) }
        let map = try draft.validate(taxonomy: .builtin, fallbackController: Controller(name: "Configured Council"))
        #expect(map.controller.name == "Configured Council")
    }

    @Test("a missing required file is reported")
    func missingFileIsReported() throws {
        var files = DataMapFixture.files
        files["purposes.yaml"] = nil
        let error = try #require(throws: StewardError.self) { try DataMapReader.read(files: files).validate(taxonomy: .builtin) }
        #expect(error.details.contains { $0.file == "purposes.yaml" && $0.message.contains("missing") })
    }
}
