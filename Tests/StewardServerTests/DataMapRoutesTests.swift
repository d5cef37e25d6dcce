import Foundation
import Hummingbird
import HummingbirdTesting
import StewardCore
import StewardFiles
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

@Suite("Data map routes")
struct DataMapRoutesTests {
    @Test("GET /api/v1/systems lists the demo council's systems")
    func systemsListed() async throws {
        try await ServerFixture.with { fixture, client in
            let response = try await client.execute(uri: "/api/v1/systems", method: .get, headers: fixture.headers(.dpo))
            #expect(response.status == .ok)
            let systems = try response.decode(Listing<System>.self).items
            let keys = Set(systems.map(\.key.rawValue))
            for expected in ["adult_social_care", "childrens_services", "school_admissions", "council_tax", "libraries", "cctv", "council_website"] {
                #expect(keys.contains(expected))
            }
            let one = try await client.execute(uri: "/api/v1/systems/libraries", method: .get, headers: fixture.headers(.caseworker))
            #expect(one.status == .ok)
            let missing = try await client.execute(uri: "/api/v1/systems/no_such_system", method: .get, headers: fixture.headers(.dpo))
            #expect(missing.status == .notFound)
        }
    }

    @Test("categories carry their Art 9 and Art 10 sensitivity")
    func categoriesCarrySensitivity() async throws {
        try await ServerFixture.with(loadDemo: false) { fixture, client in
            let response = try await client.execute(uri: "/api/v1/categories", method: .get, headers: fixture.headers(.auditor))
            let categories = try response.decode(Listing<CategoryBody>.self).items
            let byKey = Dictionary(uniqueKeysWithValues: categories.map { ($0.key, $0) })
            #expect(byKey["user.health_and_medical"]?.sensitivity.rawValue == "special_category")
            #expect(byKey["user.criminal_history"]?.sensitivity.rawValue == "criminal_offence")
            #expect(byKey["user.contact.email"]?.sensitivity.rawValue == "ordinary")
        }
    }

    static func demoFiles() throws -> [String: String] {
        let root = try BundledDataLocation.demo
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "yaml" else { continue }
            files[String(url.path.dropFirst(root.path.count + 1))] = try String(contentsOf: url, encoding: .utf8)
        }
        return files
    }

    @Test("PUT /api/v1/datamap with an invalid file is refused with every problem named, and changes nothing")
    func invalidUploadChangesNothing() async throws {
        try await ServerFixture.with { fixture, client in
            var files = try Self.demoFiles()
            files["purposes.yaml"] = files["purposes.yaml"]!.replacingOccurrences(of: "lawful_basis: public_task", with: "lawful_basis: public_whim")
            let body = try JSONEncoder().encode(["files": files])
            let before = try await fixture.store.auditEntries(after: 0, limit: 1000).count
            let response = try await client.execute(
                uri: "/api/v1/datamap",
                method: .put,
                headers: fixture.headers(.dpo),
                body: ByteBuffer(bytes: body)
            )
            #expect(response.status == .unprocessableContent)
            let error = try response.decode(ErrorBody.self).error
            #expect(error.code == "invalid_data_map")
            let details = try #require(error.details)
            #expect(details.contains { $0.file == "purposes.yaml" && ($0.line ?? 0) > 0 && $0.field?.hasSuffix("lawful_basis") == true })
            #expect(try await fixture.store.currentDataMapVersion() == 1)
            #expect(try await fixture.store.auditEntries(after: 0, limit: 1000).count == before)
        }
    }

    /// Broken demo files, one kind of problem each, and the file the error must name.
    static let brokenUploads: [(file: String, old: String, new: String)] = [
        ("purposes.yaml", "user.contact.email", "user.contact.emial"),
        ("datasets/asc_case_db.yaml", "dataset: asc_case_db", "dataset: asc_case_dbx"),
        ("recipients.yaml", "ends: 2027-03-31", "ends: 2020-03-31"),
        ("datasets/library_db.yaml", "identity: email", "identiy: email"),
        ("systems/libraries.yaml", "library_membership", "library_memberships"),
    ]

    @Test("each kind of invalid upload is refused naming its file, and the store is unchanged", arguments: 0..<brokenUploads.count)
    func invalidUploadsChangeNothing(_ index: Int) async throws {
        let broken = Self.brokenUploads[index]
        try await ServerFixture.with { fixture, client in
            var files = try Self.demoFiles()
            let text = try #require(files[broken.file])
            #expect(text.contains(broken.old), "fixture \(broken.file) lacks \(broken.old)")
            files[broken.file] = text.replacingOccurrences(of: broken.old, with: broken.new)
            let before = try await fixture.store.auditEntries(after: 0, limit: 1000)
            let response = try await client.execute(
                uri: "/api/v1/datamap",
                method: .put,
                headers: fixture.headers(.dpo),
                body: ByteBuffer(bytes: try JSONEncoder().encode(["files": files]))
            )
            #expect(response.status == .unprocessableContent, "\(response.text)")
            let details = try #require(try response.decode(ErrorBody.self).error.details)
            #expect(details.contains { $0.file == broken.file && ($0.line ?? 0) > 0 && $0.field != nil }, "\(details)")
            #expect(try await fixture.store.currentDataMapVersion() == 1)
            #expect(
                try await fixture.store.currentDataMap()?.dataMap
                    == (try DataMapReader.read(folder: try BundledData.demoDataMap).validate(taxonomy: .builtin))
            )
            #expect(try await fixture.store.auditEntries(after: 0, limit: 1000) == before)
        }
    }

    @Test("PUT /api/v1/datamap with a changed map makes a new version and audits the change")
    func validUploadMakesVersion() async throws {
        try await ServerFixture.with { fixture, client in
            var files = try Self.demoFiles()
            let unchanged = try await client.execute(
                uri: "/api/v1/datamap",
                method: .put,
                headers: fixture.headers(.dpo),
                body: ByteBuffer(bytes: try JSONEncoder().encode(["files": files]))
            )
            #expect(unchanged.status == .ok)
            files["systems/libraries.yaml"] = files["systems/libraries.yaml"]!.replacingOccurrences(of: "department: ", with: "department: Renamed ")
            let changed = try await client.execute(
                uri: "/api/v1/datamap",
                method: .put,
                headers: fixture.headers(.dpo),
                body: ByteBuffer(bytes: try JSONEncoder().encode(["files": files]))
            )
            #expect(changed.status == .created)
            #expect(try changed.decode(DataMapLoadResult.self).version == 2)
            let last = try #require(try await fixture.store.auditEntries(after: 0, limit: 1000).last)
            #expect(last.action == "datamap.load")
            #expect(last.actor == "token:test-dpo")
            #expect(last.details.contains("libraries"))
        }
    }

    @Test("PUT /api/v1/datamap answers with a note for each declared purpose that is not used")
    func uploadAnswersNotes() async throws {
        try await ServerFixture.with { fixture, client in
            var files = try Self.demoFiles()
            let library = files["datasets/library_db.yaml"]!
            // On the first field that declares the newsletter.
            let first = try #require(library.range(of: "data_uses: [library_newsletter]"))
            files["datasets/library_db.yaml"] = library.replacingCharacters(
                in: first,
                with: "data_uses: [library_newsletter, marketing.advertising, safeguarding_adults]"
            )
            #expect(files["datasets/library_db.yaml"] != library)
            let response = try await client.execute(
                uri: "/api/v1/datamap",
                method: .put,
                headers: fixture.headers(.dpo),
                body: ByteBuffer(bytes: try JSONEncoder().encode(["files": files]))
            )
            #expect(response.status == .created, "\(response.text)")
            let result = try response.decode(DataMapLoadResult.self)
            #expect(
                result.notes.map(\.message).sorted() == [
                    "data use 'marketing.advertising' is the use of no purpose in purposes.yaml; it is left out of the data map",
                    "purpose 'safeguarding_adults' is declared here, but no system holding dataset 'library_db' (libraries) lists it; the gate decides by each system's purposes",
                ]
            )
            #expect(
                result.notes.allSatisfy { $0.file == "datasets/library_db.yaml" && ($0.line ?? 0) > 0 && $0.field?.contains("data_uses[") == true }
            )
            let dataset = try await client.execute(uri: "/api/v1/datasets/library_db", method: .get, headers: fixture.headers(.auditor))
            let newsletter = try dataset.decode(Dataset.self).collection("borrowers")?.field(at: "newsletter_opted_in")
            #expect(newsletter?.dataPurposes == ["library_newsletter", "safeguarding_adults"])
        }
    }

    @Test("a malformed upload body is a 400 naming the field")
    func malformedUpload() async throws {
        try await ServerFixture.with(loadDemo: false) { fixture, client in
            let response = try await client.execute(
                uri: "/api/v1/datamap",
                method: .put,
                headers: fixture.headers(.dpo),
                body: ByteBuffer(string: #"{"file": {}}"#)
            )
            #expect(response.status == .badRequest)
            #expect(try response.decode(ErrorBody.self).error.field == "files")
        }
    }

    @Test("the record of processing is served as CSV with every Art 30(1) column, and JSON and HTML")
    func recordOfProcessing() async throws {
        try await ServerFixture.with { fixture, client in
            let csv = try await client.execute(uri: "/api/v1/ropa?format=csv", method: .get, headers: fixture.headers(.auditor))
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.hasPrefix(RecordOfProcessing.csvColumns.joined(separator: ",")))
            let html = try await client.execute(uri: "/api/v1/ropa?format=html", method: .get, headers: fixture.headers(.dpo))
            #expect(html.text.contains("<h1>Record of processing activities</h1>"))
            let bad = try await client.execute(uri: "/api/v1/ropa?format=pdf", method: .get, headers: fixture.headers(.dpo))
            #expect(bad.status == .unprocessableContent)
        }
    }

    @Test("the audit log can be read, verified and exported by an auditor")
    func auditRoutes() async throws {
        try await ServerFixture.with { fixture, client in
            let entries = try await client.execute(uri: "/api/v1/audit/entries?limit=2", method: .get, headers: fixture.headers(.auditor))
            let page = try entries.decode(AuditEntriesBody.self)
            #expect(page.entries.count == 2)
            #expect(page.next == 2)
            let verify = try await client.execute(uri: "/api/v1/audit/verify", method: .get, headers: fixture.headers(.auditor))
            #expect(try verify.decode(AuditVerifier.Result.self).isIntact)
            let export = try await client.execute(uri: "/api/v1/audit/export", method: .get, headers: fixture.headers(.auditor))
            let result = try AuditExport.verify(lines: export.text.split(separator: "\n"), trustedKeys: nil)
            #expect(result.isIntact)
            let badLimit = try await client.execute(uri: "/api/v1/audit/entries?limit=0", method: .get, headers: fixture.headers(.auditor))
            #expect(badLimit.status == .unprocessableContent)
        }
    }
}

/// Where the bundled demo folder is, for tests that upload its files.
enum BundledDataLocation {
    static var demo: URL { get throws { try StewardFiles.BundledData.demoDataMap } }
}
