import StewardCore
import StewardFiles
import Testing

@Suite("Record of processing")
struct RecordOfProcessingTests {
    static func demo() throws -> RecordOfProcessing {
        let map = try DataMapReader.read(folder: try BundledData.demoDataMap).validate(taxonomy: .builtin)
        return RecordOfProcessing(dataMap: map, taxonomy: .builtin, adequacy: .ukDefault, on: CalendarDate(year: 2026, month: 11, day: 29)!)
    }

    /// Art 30(1)(a)–(g), each with the CSV column that answers it.
    static let article30Columns: [(String, String)] = [
        ("(a) controller name and contact details", "controller_name"), ("(a) controller contact", "controller_contact"),
        ("(a) data protection officer", "dpo_contact"), ("(b) purposes", "purpose_name"),
        ("(c) categories of data subjects", "data_subject_categories"), ("(c) categories of personal data", "personal_data_categories"),
        ("(d) categories of recipients", "recipient_categories"), ("(e) transfers to third countries", "third_country_transfers"),
        ("(e) transfer safeguards", "transfer_safeguards"), ("(f) time limits for erasure", "retention_periods"),
        ("(g) security measures", "security_measures"), ("Art 6 lawful basis", "lawful_basis"),
        ("Art 9 condition", "special_category_condition"),
    ]

    @Test("the demo's CSV has every Art 30(1) column and one filled row per purpose")
    func csvHasEveryColumn() throws {
        let record = try Self.demo()
        let lines = record.csv.split(separator: "\r\n", omittingEmptySubsequences: true)
        let header = lines[0].split(separator: ",").map(String.init)
        for (article, column) in Self.article30Columns {
            #expect(header.contains(column), "missing \(article)")
        }
        #expect(lines.count == record.activities.count + 1)
        for activity in record.activities {
            #expect(!activity.dataSubjects.isEmpty && !activity.dataCategories.isEmpty && !activity.retention.isEmpty, "\(activity.purpose)")
        }
    }

    @Test("the demo record names the IDTA transfer and flags the unsafeguarded one")
    func transfersAreNamed() throws {
        let record = try Self.demo()
        let safeguards = record.activities.flatMap(\.transferSafeguards)
        #expect(safeguards.contains { $0.contains("International Data Transfer Agreement") })
        #expect(safeguards.contains { $0.contains("NO SAFEGUARD") })
    }

    @Test("the HTML form escapes text")
    func htmlEscapes() throws {
        var record = try Self.demo()
        record.controller.name = "<script>alert(1)</script>"
        #expect(!record.html.contains("<script>"))
        #expect(record.html.contains("&lt;script&gt;"))
    }
}
