import Foundation
import StewardMail
import StewardTestSupport
import Testing

@Suite("Rendering a letter as an RFC 5322 message")
struct MailMessageTests {
    static let council = try! MailAddress(name: "Council, Data Protection", address: "dpo@council.example")
    static let resident = try! MailAddress(name: "Siân Ó Dónaill", address: "sian@resident.example")

    static func letter(subject: String = "£10 — café", text: String = "Dear Siân,\n.\nYours", html: String? = nil) -> MailMessage {
        MailMessage(
            from: council,
            to: [resident],
            subject: subject,
            text: text,
            html: html,
            messageID: "<fixed-id@council.example>",
            date: Date(timeIntervalSince1970: 1_751_360_700)
        )
    }

    static func lines(of rendered: String) -> [Substring] {
        rendered.split(separator: "\r\n", omittingEmptySubsequences: false)
    }

    @Test("every line ends in CRLF and there is no bare CR or LF")
    func lineEndings() {
        for message in [Self.letter(), Self.letter(html: "<p>Hi\rthere\n</p>")] {
            let bytes = Array(message.rendered().utf8)
            #expect(bytes.suffix(2) == [13, 10])
            for (index, byte) in bytes.enumerated() {
                if byte == 10 { #expect(index > 0 && bytes[index - 1] == 13) }
                if byte == 13 { #expect(index + 1 < bytes.count && bytes[index + 1] == 10) }
            }
        }
    }

    @Test("the message is 7-bit ASCII whatever the letter's language")
    func asciiOnly() {
        let rendered = Self.letter(html: "<p>£10 — café, Siân</p>").rendered()
        #expect(rendered.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test("headers carry the date in UTC, the message id and MIME 1.0")
    func standardHeaders() {
        let mail = ReceivedMail(parsing: Self.letter().rendered())
        #expect(mail.header("Date") == "Tue, 01 Jul 2025 09:05:00 +0000")
        #expect(mail.header("Message-ID") == "<fixed-id@council.example>")
        #expect(mail.header("MIME-Version") == "1.0")
        #expect(mail.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
    }

    @Test("a non-ASCII subject and display name become encoded-words that decode to the original")
    func encodedWords() {
        let message = Self.letter()
        let mail = ReceivedMail(parsing: message.rendered())
        let subject = mail.headers.first { $0.name == "Subject" }!.value
        #expect(subject.hasPrefix("=?utf-8?B?"))
        #expect(mail.subject == "£10 — café")
        #expect(mail.header("To") == "Siân Ó Dónaill <sian@resident.example>")
    }

    @Test("an ASCII display name with specials is quoted; a plain one is left as it is")
    func quotedDisplayName() throws {
        var message = Self.letter()
        message.to = [
            try MailAddress(name: "J. \"Jo\" Bloggs", address: "jo@example.org"),
            try MailAddress(name: "Ann Lee", address: "ann@example.org"),
        ]
        let mail = ReceivedMail(parsing: message.rendered())
        #expect(mail.header("From") == "\"Council, Data Protection\" <dpo@council.example>")
        #expect(mail.header("To") == "\"J. \\\"Jo\\\" Bloggs\" <jo@example.org>, Ann Lee <ann@example.org>")
    }

    @Test("long headers fold to lines of at most 78 characters and unfold to the original")
    func folding() throws {
        let subject = String(repeating: "Subject access request — réponse ", count: 12).trimmingCharacters(in: .whitespaces)
        var message = Self.letter(subject: subject)
        message.to = try (1...12).map { try MailAddress(name: "Resident \($0) Ó Dónaill", address: "resident\($0)@example.org") }
        let rendered = message.rendered()
        let headerBlock = rendered.components(separatedBy: "\r\n\r\n")[0]
        for line in headerBlock.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "header line too long: \(line)")
        }
        let mail = ReceivedMail(parsing: rendered)
        #expect(mail.subject == subject)
        #expect(mail.header("To")?.contains("Resident 12 Ó Dónaill <resident12@example.org>") == true)
    }

    @Test("a long ASCII subject folds at spaces without being encoded")
    func asciiFolding() {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let rendered = Self.letter(subject: subject).rendered()
        let mail = ReceivedMail(parsing: rendered)
        #expect(!mail.headers.first { $0.name == "Subject" }!.value.contains("=?"))
        #expect(mail.subject == subject)
        #expect(rendered.contains("Subject: word1 word2"))
    }

    @Test("a word too long to fold is encoded so no line passes 998 characters")
    func unbreakableSubject() {
        let subject = String(repeating: "x", count: 2000)
        let rendered = Self.letter(subject: subject).rendered()
        for line in Self.lines(of: rendered) {
            #expect(line.utf8.count <= 998)
        }
        #expect(ReceivedMail(parsing: rendered).subject == subject)
    }

    @Test("line breaks in a subject cannot add headers")
    func headerInjection() {
        let rendered = Self.letter(subject: "Hello\r\nBcc: attacker@example.org\nX-Evil: 1").rendered()
        for line in Self.lines(of: rendered) {
            #expect(!line.hasPrefix("Bcc:") && !line.hasPrefix("X-Evil:"))
        }
        #expect(ReceivedMail(parsing: rendered).subject == "Hello Bcc: attacker@example.org X-Evil: 1")
    }

    @Test("a message id with line breaks cannot add headers")
    func messageIDInjection() {
        var message = Self.letter()
        message.messageID = "<id@x>\r\nBcc: attacker@example.org"
        for line in Self.lines(of: message.rendered()) {
            #expect(!line.hasPrefix("Bcc:"))
        }
    }

    @Test(
        "quoted-printable bodies keep lines within 76 characters and decode to the original",
        arguments: [
            String(repeating: "A long line of plain words that goes well past the limit. ", count: 6),
            String(repeating: "é", count: 200),
            "trailing space \nand tab\t\nequals = sign =3D\n.leading dot\n.\n\nFrom the council",
            String(repeating: "=", count: 100) + " " + String(repeating: "—", count: 40),
        ]
    )
    func quotedPrintable(text: String) {
        let rendered = Self.letter(text: text).rendered()
        let body = rendered.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        for line in body.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "body line too long: \(line)")
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "white space at the end of a line: \(line)")
        }
        #expect(ReceivedMail(parsing: rendered).text == text)
    }

    @Test("with HTML the body is multipart/alternative, plain text first, both decodable")
    func multipart() {
        let html = "<p>Dear Siân,</p>\n<p>£10 — café</p>"
        let text = "Dear Siân,\n£10 — café"
        let rendered = Self.letter(text: text, html: html).rendered()
        let mail = ReceivedMail(parsing: rendered)
        #expect(mail.header("Content-Type")?.hasPrefix("multipart/alternative; boundary=\"") == true)
        #expect(mail.text == text)
        #expect(mail.html == html)
        let plainAt = rendered.range(of: "Content-Type: text/plain")!.lowerBound
        let htmlAt = rendered.range(of: "Content-Type: text/html")!.lowerBound
        #expect(plainAt < htmlAt)
        for line in Self.lines(of: rendered) {
            #expect(line.utf8.count <= 78)
        }
    }

    @Test("rendering is deterministic for the same message")
    func deterministic() {
        let message = Self.letter(html: "<p>x</p>")
        #expect(message.rendered() == message.rendered())
    }

    @Test("the default message id is random at the sender's domain")
    func defaultMessageID() {
        let first = MailMessage(from: Self.council, to: [Self.resident], subject: "s", text: "t")
        let second = MailMessage(from: Self.council, to: [Self.resident], subject: "s", text: "t")
        #expect(first.messageID != second.messageID)
        #expect(first.messageID.hasPrefix("<") && first.messageID.hasSuffix("@council.example>"))
        #expect(first.messageID.count == "<@council.example>".count + 32)
    }

    @Test("a message survives a JSON round trip")
    func codable() throws {
        let message = Self.letter(html: "<b>hi</b>")
        let decoded = try JSONDecoder().decode(MailMessage.self, from: JSONEncoder().encode(message))
        #expect(decoded == message)
    }
}
