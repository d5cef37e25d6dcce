import StewardCore
import Testing

@Suite("Identifiers as councils write them")
struct IdentifierFormsTests {
    @Test("each kind is looked for in its usual written forms, the normalised one first")
    func writtenForms() throws {
        func forms(_ kind: IdentityKind.Key, _ value: String) throws -> [String] {
            try Subject.Identifier(kind: kind, value: value).normalised().writtenForms
        }
        #expect(try forms("phone_number", "01632 960000") == ["01632960000", "+441632960000", "01632 960000", "0163 296 0000", "016 3296 0000"])
        #expect(try forms("phone_number", "+44 20 7946 0000") == ["+442079460000", "02079460000", "02079 460000", "0207 946 0000", "020 7946 0000"])
        #expect(try forms("uprn", "100023336956") == ["100023336956"])
        #expect(try forms("uprn", "0010002333") == ["10002333", "000010002333"])
        #expect(try forms("ni_number", "qq 12 34 56 c") == ["QQ123456C", "QQ 12 34 56 C"])
        #expect(try forms("nhs_number", "9434765919") == ["9434765919", "943 476 5919"])
        #expect(try forms("email", "Amy@Example.org") == ["amy@example.org"])
    }
}
