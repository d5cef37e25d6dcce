import Foundation
import StewardCore
import StewardFiles
import Testing

/// Dataset files written by Fides's own library (Fixtures/fides, made by
/// scripts/lib/fides-datasets.py), loaded beside the small fixture council.
@Suite("Fides dataset files as Fides writes them")
struct FidesDatasetFileTests {
    /// The folders of Fixtures/fides, one per way Fides writes the file.
    static let writers = ["fideslang-3.1.3", "fideslang-3.1.4", "fideslang-3.1.4-include-null"]

    static func text(written by: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/fides/\(by)/garden_waste_db", withExtension: "yaml"))
        return try String(contentsOf: url, encoding: .utf8)
    }

    static let system = """
        system:
          key: garden_waste
          name: Garden waste subscriptions
          department: Environment
          hosting_country: GB
          datasets: [garden_waste_db]
          purposes: [garden_waste_collection, garden_waste_payments]
          data_subjects: [resident]
        """

    static let purposes = """

          - key: garden_waste_collection
            name: Collecting garden waste
            data_use: essential.service
            lawful_basis: contract
            data_categories: [user.contact.email, user.name, user.contact.address.postal_code]
            data_subjects: [resident]
          - key: garden_waste_payments
            name: Taking payment for garden waste collection
            data_use: essential.service.payment_processing
            lawful_basis: contract
            data_categories: [user.financial.bank_account]
            data_subjects: [resident]
          - key: complaints_handling
            name: Handling complaints
            data_use: public_service.complaints
            lawful_basis: public_task
            data_categories: [user.content]
            data_subjects: [resident]
        """

    /// The fixture council with the garden waste system, its purposes and the file as written.
    static func files(dataset text: String) -> [String: String] {
        var files = DataMapFixture.files
        files["systems/garden_waste.yaml"] = system
        files["purposes.yaml"]! += purposes
        files["datasets/garden_waste_db.yaml"] = text
        return files
    }

    /// The line of `text` a note points at.
    static func line(_ number: Int?, of text: String) -> String {
        guard let number, number >= 1 else { return "" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return number <= lines.count ? String(lines[number - 1]) : ""
    }

    @Test("purposes declared at dataset, collection and field level are kept where they name Steward purposes", arguments: writers)
    func purposesAreKept(_ writer: String) throws {
        let text = try Self.text(written: writer)
        let (map, _) = try DataMapReader.read(files: Self.files(dataset: text)).validated(taxonomy: .builtin)
        let dataset = try #require(map.dataset("garden_waste_db"))
        let subscribers = try #require(dataset.collection("subscribers"))
        let missed = try #require(dataset.collection("missed_collections"))
        #expect(dataset.dataPurposes == ["garden_waste_collection"])
        // A Fides data use is read as the purposes with that use.
        #expect(subscribers.dataPurposes == ["garden_waste_payments"])
        #expect(subscribers.field(at: "bank_account")?.dataPurposes == [])
        #expect(missed.dataPurposes == [])
        #expect(missed.field(at: "notes")?.dataPurposes == ["complaints_handling"])
        #expect(dataset.declaredPurposes(of: subscribers) == ["garden_waste_collection", "garden_waste_payments"])
        #expect(dataset.declaredPurposes(of: missed) == ["garden_waste_collection", "complaints_handling"])
        // Everything else Fides wrote is read as it would be from a file written by hand.
        #expect(subscribers.field(at: "email")?.identity == "email")
        #expect(subscribers.field(at: "id")?.isPrimaryKey == true)
        #expect(
            missed.field(at: "subscriber_id")?.references
                == [Dataset.Reference(dataset: "garden_waste_db", collection: "subscribers", field: "id", direction: .from)]
        )
    }

    @Test("what matches no purpose, or no system's purposes, is a note naming its line, and the rest loads", arguments: writers)
    func theRestIsNoted(_ writer: String) throws {
        let text = try Self.text(written: writer)
        let (_, notes) = try DataMapReader.read(files: Self.files(dataset: text)).validated(taxonomy: .builtin)
        #expect(notes.allSatisfy { $0.file == "datasets/garden_waste_db.yaml" })
        let messages = notes.map(\.message)
        #expect(
            messages.sorted() == [
                "'billing' is neither a purpose in purposes.yaml nor a data use; it is left out of the data map",
                "data use 'essential.service.payment_processing' is read as the purpose with that use: 'garden_waste_payments'",
                "data use 'marketing.advertising' is the use of no purpose in purposes.yaml; it is left out of the data map",
                "purpose 'complaints_handling' is declared here, but no system holding dataset 'garden_waste_db' (garden_waste) lists it; the gate decides by each system's purposes",
            ]
        )
        // Each note points at the line that holds the value it is about: the first one it quotes.
        for note in notes {
            let value = note.message.split(separator: "'", omittingEmptySubsequences: false)[1]
            #expect(Self.line(note.line, of: text).hasSuffix("- \(value)"), "\(note)")
        }
        let key = writer == "fideslang-3.1.3" ? "data_purposes" : "data_uses"
        #expect(notes.allSatisfy { $0.field?.contains(".\(key)[") == true || $0.field?.hasPrefix("dataset[0].\(key)[") == true })
    }

    @Test("where data_uses and data_purposes differ, data_uses is read, as Fides reads it, and the difference is noted")
    func dataUsesWins() throws {
        let text = try Self.text(written: "fideslang-3.1.4")
        let changed = text.replacingOccurrences(
            of: "  data_purposes:\n  - garden_waste_collection\n",
            with: "  data_purposes:\n  - garden_waste_payments\n"
        )
        #expect(changed != text)
        let (map, notes) = try DataMapReader.read(files: Self.files(dataset: changed)).validated(taxonomy: .builtin)
        #expect(map.dataset("garden_waste_db")?.dataPurposes == ["garden_waste_collection"])
        let note = try #require(notes.first { $0.message.hasPrefix("data_purposes differs") })
        #expect(note.field == "dataset[0].data_purposes[0]")
    }

    @Test("a misspelt key beside the purposes is still an error, and nothing loads")
    func misspellingIsAnError() throws {
        let text = try Self.text(written: "fideslang-3.1.4").replacingOccurrences(of: "  data_uses:\n", with: "  data_usess:\n")
        let error = try #require(throws: StewardError.self) { try DataMapReader.read(files: Self.files(dataset: text)).validate(taxonomy: .builtin) }
        #expect(error.details.contains { $0.file == "datasets/garden_waste_db.yaml" && $0.message.contains("data_usess") })
    }

    @Test("a data map stored before datasets declared purposes reads with none")
    func storedMapsWithoutPurposesRead() throws {
        let map = try DataMapReader.read(files: DataMapFixture.files).validate(taxonomy: .builtin)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(map)) as! [String: Any]
        var datasets = json["datasets"] as! [[String: Any]]
        func strip(_ object: inout [String: Any]) {
            object["dataPurposes"] = nil
            for key in ["collections", "fields"] {
                guard var children = object[key] as? [[String: Any]] else { continue }
                for index in children.indices { strip(&children[index]) }
                object[key] = children
            }
        }
        for index in datasets.indices { strip(&datasets[index]) }
        json["datasets"] = datasets
        let legacy = try JSONSerialization.data(withJSONObject: json)
        #expect(!String(decoding: legacy, as: UTF8.self).contains("dataPurposes"))
        #expect(try JSONDecoder().decode(DataMap.self, from: legacy) == map)
    }
}
