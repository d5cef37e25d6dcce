import Foundation
import StewardTestSupport
import Testing

@Suite("The README's walkthrough")
struct ReadmeWalkthroughTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    /// The shell block after `<!-- walkthrough -->` in README.md.
    static func walkthrough() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let marker = text.range(of: "<!-- walkthrough -->"), let open = text.range(of: "```sh\n", range: marker.upperBound..<text.endIndex),
            let close = text.range(of: "\n```", range: open.upperBound..<text.endIndex)
        else { throw ServeError(output: "README.md has no walkthrough block") }
        return String(text[open.upperBound..<close.lowerBound])
    }

    @Test("every command of the walkthrough runs as printed against serve --demo, and the bundles hold what it says", .timeLimit(.minutes(5)))
    func walkthroughRuns() async throws {
        let script = try Self.walkthrough()
        #expect(script.contains("TOKEN=stw_…"))
        let database = try await TestDatabase.make()
        let cli = try StewardProcess(database: database)
        let server = try await ServeDemoTests.serve(cli)
        defer { server.stop() }
        // As a newcomer would: paste the token, and point at the port this server listens on.
        let runnable =
            script
            .replacingOccurrences(of: "TOKEN=stw_…", with: "TOKEN=\(server.token)")
            .replacingOccurrences(of: "http://127.0.0.1:8080", with: server.base)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["timeout", "180", "bash", "-euo", "pipefail", "-c", runnable]
        process.currentDirectoryURL = cli.folder
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "the walkthrough stopped:\n\(text)")
        #expect(text.contains("IDTA"), "\(text)")
        #expect(text.contains("your identity is confirmed"), "\(text)")
        // The resident's own request finds her council tax account by the address she proved…
        let bundles = text.components(separatedBy: "Archive:")
        #expect(bundles.count == 3, "\(text)")
        if bundles.count == 3 {
            #expect(bundles[1].contains("data/council_tax_db/accounts.json") && bundles[1].contains("report.html"))
            #expect(!bundles[1].contains("data/library_db/"))
            // …and the staff-checked card finds her library membership and loans as well.
            #expect(bundles[2].contains("data/library_db/borrowers.json") && bundles[2].contains("data/library_db/loans.json"))
            #expect(bundles[2].contains("data/council_tax_db/accounts.json"))
        }
        // The demo's own databases show a retention plan with real counts, and the sweep certifies each rule.
        for line in ["council_tax_db.accounts: ", "council_tax_db.transactions: ", "library_db.loans: ", "library_db.borrowers: "] {
            #expect(text.contains(line) && text.contains("past their period"), "\(line) \(text)")
        }
        #expect(text.contains("rows of library_db.loans, anonymise") && text.contains("rows of council_tax_db.accounts, delete"), "\(text)")
        server.stop()
        await database.destroy()
    }
}
