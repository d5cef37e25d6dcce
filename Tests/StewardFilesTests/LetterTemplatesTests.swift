import Foundation
import StewardCore
import StewardFiles
import Testing

@Suite("Letter templates")
struct LetterTemplatesTests {
    static let clock = StatutoryClock(holidays: try! BankHolidaysFile.load(path: nil))
    static let controller = Controller(
        name: "Wessex County Council",
        address: "County Hall, Wessex",
        email: "ig@wessex.gov.example",
        dpo: .init(name: "Dr Helen Marchbank", email: "dpo@wessex.gov.example")
    )

    static func request(kind: RightsRequest.Kind = .access) -> RightsRequest {
        RightsRequest(
            id: "SR-TEST-0000-0001",
            kind: kind,
            received: CalendarDate(iso: "2026-03-03")!,
            requester: Requester(name: "Siân O'Brien <script>", email: "sian@example.org"),
            description: "Everything about my library account"
        )
    }

    static func context(_ request: RightsRequest, code: String? = nil, reasons: String? = nil) -> LetterContext {
        LetterContext(
            request: request,
            controller: controller,
            reading: clock.reading(for: request.timeline),
            today: CalendarDate(iso: "2026-03-03")!,
            code: code,
            reasons: reasons,
            refusalGround: .excessive
        )
    }

    @Test("every letter renders as text and HTML with its subject; text is not escaped, HTML is")
    func everyLetterRenders() throws {
        let templates = try LetterTemplates()
        for kind in LetterKind.allCases {
            let letter = try templates.render(kind, context: Self.context(Self.request(), reasons: "You asked for 40 years of records."))
            #expect(letter.subject.contains("SR-TEST-0000-0001"), "\(kind) subject: \(letter.subject)")
            #expect(!letter.subject.contains("{{"))
            #expect(letter.text.contains("Dear Siân O'Brien <script>,"), "\(kind) text")
            #expect(
                letter.html.contains("Siân O&#39;Brien &lt;script&gt;") || letter.html.contains("Siân O&#x27;Brien &lt;script&gt;"),
                "\(kind) html"
            )
            #expect(!letter.html.contains("<script>"))
            #expect(!letter.text.contains("\n\n\n"), "\(kind) has runs of blank lines")
        }
    }

    @Test("the acknowledgement gives the due date as a letter writes it, and the identity request carries the code")
    func contents() throws {
        let templates = try LetterTemplates()
        let acknowledgement = try templates.render(.acknowledgement, context: Self.context(Self.request()))
        #expect(acknowledgement.text.contains("We must respond by Tuesday 7 April 2026."))
        let identity = try templates.render(.identityRequest, context: Self.context(Self.request(), code: "042917"))
        #expect(identity.text.contains("Your code is: 042917"))
        #expect(identity.html.contains("042917"))
        #expect(identity.text.contains("only for 15 minutes"))
        // The emailed code carries nothing the requester wrote: the address is not proved yet.
        #expect(identity.text.hasPrefix("Hello,"))
        #expect(!identity.text.contains("Siân") && !identity.html.contains("Siân"))
        let postal = try templates.render(.identityRequest, context: Self.context(Self.request()))
        #expect(!postal.text.contains("Your code is"))
        #expect(postal.text.contains("passport"))
        let refusal = try templates.render(.refusal, context: Self.context(Self.request(), reasons: "You asked for 40 years of records."))
        #expect(refusal.text.contains("manifestly excessive"))
        #expect(refusal.text.contains("Information Commissioner's Office"))
        #expect(refusal.text.contains("court"))
        #expect(refusal.text.contains("You asked for 40 years of records."))
    }

    @Test("a council's folder replaces templates file by file, and a broken one is reported by file")
    func councilTemplates() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("letters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "Subject: Ref {{request.reference}}\nHello {{requesterName}}, from {{council.name}}.\n".write(
            to: folder.appendingPathComponent("acknowledgement.txt.mustache"),
            atomically: true,
            encoding: .utf8
        )
        let templates = try LetterTemplates(directory: folder.path)
        let letter = try templates.render(.acknowledgement, context: Self.context(Self.request()))
        #expect(letter.subject == "Ref SR-TEST-0000-0001")
        #expect(letter.text == "Hello Siân O'Brien <script>, from Wessex County Council.\n")
        #expect(letter.html.contains("We must respond by"))  // the bundled HTML still serves

        try "No subject line here\n".write(to: folder.appendingPathComponent("refusal.txt.mustache"), atomically: true, encoding: .utf8)
        try "{{#unclosed}}\n".write(to: folder.appendingPathComponent("completion.html.mustache"), atomically: true, encoding: .utf8)
        let error = try #require(throws: StewardError.self) { try LetterTemplates(directory: folder.path) }
        #expect(error.code == .invalidConfiguration)
        let files = error.details.compactMap(\.file)
        #expect(files.contains { $0.hasSuffix("refusal.txt.mustache") })
        #expect(files.contains { $0.hasSuffix("completion.html.mustache") })
        #expect(throws: StewardError.self) { try LetterTemplates(directory: folder.appendingPathComponent("missing").path) }
    }
}
