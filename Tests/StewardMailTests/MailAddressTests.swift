import Foundation
import StewardMail
import Testing

@Suite("Validating email addresses")
struct MailAddressTests {
    @Test(
        "well-formed addresses are accepted",
        arguments: ["sian@resident.example", "o'brien+rights@council.gov.uk", "a.b.c@x-y.example", "x@localhost"]
    )
    func accepted(address: String) throws {
        let mailbox = try MailAddress(address: address)
        #expect(mailbox.address == address)
        #expect(mailbox.name == nil)
    }

    @Test(
        "malformed addresses are refused with a reason",
        arguments: [
            "", "no-at-sign", "@example.org", "sian@", "si an@example.org", "sian@example.org\r\nBcc: x@y", "sián@example.org",
            ".sian@example.org", "si..an@example.org", "sian@-example.org", "sian@example..org", "<sian@example.org>",
            "sian@exa_mple.org", String(repeating: "a", count: 65) + "@example.org",
        ]
    )
    func refused(address: String) {
        #expect {
            try MailAddress(address: address)
        } throws: { error in
            guard let error = error as? SMTPError, case .invalidAddress = error.kind else { return false }
            return error.fault == .permanent && !error.message.isEmpty
        }
    }

    @Test("a display name with a line break is refused")
    func nameWithLineBreak() {
        #expect(throws: SMTPError.self) {
            try MailAddress(name: "Siân\r\nBcc: x@y", address: "sian@example.org")
        }
    }

    @Test("a blank display name counts as none")
    func blankName() throws {
        #expect(try MailAddress(name: "  ", address: "sian@example.org").name == nil)
        #expect(try MailAddress(name: " Siân ", address: "sian@example.org").name == "Siân")
    }

    @Test("decoding validates the address")
    func decoding() throws {
        let good = try JSONDecoder().decode(MailAddress.self, from: Data(#"{"name":"Siân","address":"sian@example.org"}"#.utf8))
        #expect(good.description == "Siân <sian@example.org>")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MailAddress.self, from: Data(#"{"address":"nobody"}"#.utf8))
        }
    }
}
