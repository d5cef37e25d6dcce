import StewardCore
import Testing

@Suite("Sources and tokens, as registered")
struct DataSourceTests {
    static func source(id: String = "housing", name: String = "Housing", kind: DataSource.Kind = .postgres, location: String) throws -> DataSource {
        try DataSource.checked(id: id, name: name, kind: kind, dataset: "housing_db", location: location, createdAt: "now", createdBy: "dpo")
    }

    @Test("a source's password is never shown, and its id and name are trimmed")
    func shownLocation() throws {
        let source = try Self.source(id: " housing ", name: " Housing \n", location: "postgres://steward:s3cret@db.internal:5432/housing")
        #expect(source.id == "housing" && source.name == "Housing")
        #expect(!source.shownLocation.contains("s3cret"))
        #expect(source.shownLocation.contains("db.internal"))
    }

    /// An id, name, kind and location, and the field an error must name.
    static let bad: [(String, String, DataSource.Kind, String, String)] = [
        ("", "Housing", .postgres, "postgres://u@h/d", "id"),
        ("a b", "Housing", .postgres, "postgres://u@h/d", "id"),
        (String(repeating: "x", count: 65), "Housing", .postgres, "postgres://u@h/d", "id"),
        ("housing", " ", .postgres, "postgres://u@h/d", "name"),
        ("housing", "Housing", .postgres, "mysql://u@h/d", "location"),
        ("housing", "Housing", .sqlite, "relative/path.sqlite", "location"),
    ]

    @Test("a source with a bad id, name or location is refused, naming the field", arguments: bad)
    func badSource(_ id: String, _ name: String, _ kind: DataSource.Kind, _ location: String, _ field: String) {
        let error = #expect(throws: StewardError.self) { try Self.source(id: id, name: name, kind: kind, location: location) }
        #expect(error?.field == field)
    }

    @Test("a token's name is trimmed and 1 to 100 characters")
    func tokenNames() throws {
        #expect(try APIToken.checkedName("  IG team ") == "IG team")
        #expect(throws: StewardError.self) { try APIToken.checkedName("   ") }
        #expect(throws: StewardError.self) { try APIToken.checkedName(String(repeating: "x", count: 101)) }
    }
}
