import Foundation
import Logging
import SQLKit
import StewardApp
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

/// Runs the built `steward` binary as a person or script would, against the backend of this test run.
struct StewardProcess {
    var environment: [String: String]
    var folder: URL

    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("steward")
    }

    init(database: TestDatabase) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STEWARD_") }
        switch database.location {
        case .sqlite(let path): environment["STEWARD_DATABASE_URL"] = path
        case .postgres(let url): environment["STEWARD_DATABASE_URL"] = url
        }
        environment["STEWARD_AUDIT_KEY"] = folder.appendingPathComponent("audit.key").path
        environment["STEWARD_DATA_KEY"] = folder.appendingPathComponent("data.key").path
        // Every suite runs at once on a small machine: a call may wait longer than a server's would.
        environment["STEWARD_DATABASE_TIMEOUT"] = "120"
        environment["STEWARD_SOURCE_CONNECT_TIMEOUT"] = "120"
        self.environment = environment
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func run(_ arguments: String..., extraEnvironment: [String: String] = [:], input: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.environment = environment.merging(extraEnvironment) { _, new in new }
        process.currentDirectoryURL = folder
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }
}

@Suite("Command line")
struct CommandLineTests {
    /// A new installation: a fresh database, migrated by `steward migrate`, which also creates the
    /// audit signing key.
    static func withCLI(_ body: (StewardProcess, TestDatabase) async throws -> Void) async throws {
        let database = try await TestDatabase.make()
        do {
            let cli = try StewardProcess(database: database)
            let migrate = try cli.run("migrate")
            #expect(migrate.status == 0, "\(migrate.stderr)")
            try await body(cli, database)
            try? FileManager.default.removeItem(at: cli.folder)
        } catch {
            await database.destroy()
            throw error
        }
        await database.destroy()
    }

    @Test("load, ropa, token: the jobs of the console work from the command line")
    func loadRopaAndToken() async throws {
        try await Self.withCLI { cli, _ in
            let demo = try BundledData.demoDataMap.path
            let load = try cli.run("load", demo)
            #expect(load.status == 0, "\(load.stderr)")
            #expect(load.stdout.contains("Loaded data map version 1"))
            let again = try cli.run("load", demo)
            #expect(again.stdout.contains("No change"))
            let ropa = try cli.run("ropa", "--format", "csv")
            #expect(ropa.status == 0)
            #expect(ropa.stdout.hasPrefix(RecordOfProcessing.csvColumns.joined(separator: ",")))
            #expect(ropa.stdout.contains("Wessex County Council"))
            let token = try cli.run("token", "create", "--role", "auditor", "--name", "internal audit")
            #expect(token.status == 0)
            #expect(token.stdout.hasPrefix("stw_"))
            let badRole = try cli.run("token", "create", "--role", "superuser", "--name", "x")
            #expect(badRole.status != 0)
        }
    }

    @Test("user create prints a setup code or takes a password on stdin; bad input names its field and makes no account; list and disable")
    func staffAccounts() async throws {
        try await Self.withCLI { cli, _ in
            let coded = try cli.run("user", "create", "--role", "caseworker", "--email", "Case.Worker@Wessex.gov.example")
            #expect(coded.status == 0, "\(coded.stderr)")
            #expect(
                coded.stdout.trimmingCharacters(in: .whitespacesAndNewlines).wholeMatch(of: /[A-Z2-9]{4}(-[A-Z2-9]{4}){3}/) != nil,
                "\(coded.stdout)"
            )
            let withPassword = try cli.run(
                "user",
                "create",
                "--role",
                "dpo",
                "--email",
                "dpo@wessex.gov.example",
                "--password-stdin",
                input: "a long enough passphrase\n"
            )
            #expect(withPassword.status == 0, "\(withPassword.stderr)")
            #expect(withPassword.stdout.contains("can sign in now"))
            let short = try cli.run("user", "create", "--role", "dpo", "--email", "short@wessex.gov.example", "--password-stdin", input: "tiny\n")
            #expect(short.status != 0)
            #expect(short.stderr.contains("at least 12 characters"))
            let twice = try cli.run("user", "create", "--role", "auditor", "--email", "case.worker@wessex.gov.example")
            #expect(twice.status != 0)
            #expect(twice.stderr.contains("already exists"))
            let service = try cli.run("user", "create", "--role", "service", "--email", "app@wessex.gov.example")
            #expect(service.status != 0)
            let badEmail = try cli.run("user", "create", "--role", "dpo", "--email", "not an address")
            #expect(badEmail.status != 0)
            #expect(badEmail.stderr.contains("email"))
            let list = try cli.run("user", "list")
            #expect(list.stdout.split(separator: "\n").count == 2, "\(list.stdout)")
            #expect(list.stdout.contains("case.worker@wessex.gov.example  awaiting first sign-in"))
            #expect(list.stdout.contains("dpo@wessex.gov.example  active"))
            let reset = try cli.run("user", "reset", "dpo@wessex.gov.example")
            #expect(reset.status == 0, "\(reset.stderr)")
            #expect(reset.stdout.trimmingCharacters(in: .whitespacesAndNewlines).wholeMatch(of: /[A-Z2-9]{4}(-[A-Z2-9]{4}){3}/) != nil)
            #expect(try cli.run("user", "list").stdout.contains("dpo@wessex.gov.example  awaiting first sign-in"))
            #expect(try cli.run("user", "disable", "dpo@wessex.gov.example").status == 0)
            #expect(try cli.run("user", "list").stdout.contains("dpo@wessex.gov.example  disabled"))
            #expect(try cli.run("user", "disable", "nobody@wessex.gov.example").status != 0)
        }
    }

    @Test("gate check decides requests from a file, audits them, and exits 2 when any is refused")
    func gateCheck() async throws {
        try await Self.withCLI { cli, _ in
            #expect(try cli.run("load", try BundledData.demoDataMap.path).status == 0)
            let allowed = cli.folder.appendingPathComponent("allowed.json")
            try #"{"system":"libraries","categories":["user.name"],"purpose":"library_membership","recipient":"library_cloud_inc"}"#
                .write(to: allowed, atomically: true, encoding: .utf8)
            let yes = try cli.run("gate", "check", allowed.path)
            #expect(yes.status == 0, "\(yes.stderr)")
            #expect(yes.stdout.contains("\"allowed\" : true"))
            let mixed = cli.folder.appendingPathComponent("mixed.json")
            try
                #"[{"system":"libraries","categories":["user.name"],"purpose":"library_membership"},{"system":"council_website","categories":["user.device.cookie_id"],"purpose":"website_analytics","recipient":"webstats_analytics"}]"#
                .write(to: mixed, atomically: true, encoding: .utf8)
            let no = try cli.run("gate", "check", mixed.path)
            #expect(no.status == 2)
            #expect(no.stdout.contains("IDTA"))
            let bad = cli.folder.appendingPathComponent("bad.json")
            try #"{"system":"libraries","categories":["user.name"],"purpose":"nope"}"#.write(to: bad, atomically: true, encoding: .utf8)
            let error = try cli.run("gate", "check", bad.path)
            #expect(error.status == 1)
            #expect(error.stderr.contains("(purpose)"))
            #expect(try cli.run("audit", "verify").stdout.contains("Intact"))
            // The log lists what was decided, newest first, by system and outcome.
            let refused = try cli.run("gate", "log", "--outcome", "refused")
            #expect(refused.status == 0, "\(refused.stderr)")
            #expect(refused.stdout.contains("refused  council_website for website_analytics to webstats_analytics"))
            #expect(!refused.stdout.contains("allowed"))
            let library = try cli.run("gate", "log", "--system", "libraries", "--json")
            let entries = try JSONDecoder().decode([JSONValue].self, from: Data(library.stdout.utf8))
            #expect(entries.count == 2)
            #expect(try cli.run("gate", "log", "--outcome", "maybe").status == 1)
            #expect(try cli.run("gate", "log", "--until", "2020-01-01").stdout.contains("No decisions match."))
        }
    }

    @Test("sources list and test the registered databases; outbox lists a failed letter, exits 3, and retries it")
    func sourcesAndOutbox() async throws {
        try await Self.withCLI { cli, database in
            #expect(try cli.run("load", try BundledData.demoDataMap.path).status == 0)
            #expect(try cli.run("sources", "list").stdout.contains("No sources are registered."))
            let store = try await Self.openStore(cli, database)
            _ = try await DemoCouncil.create(in: cli.folder.appendingPathComponent("council"), store: store, logger: .init(label: "test"))
            let intake = RightsRequest.Intake(kind: .access, requester: .init(name: "Cal Jones", email: "cal@example.org"), description: "All")
            let services = try StewardServices(store: store, configuration: StewardConfiguration())
            _ = try await services.requests.submit(intake, actor: "public", fromPublic: true)
            let claimed = try #require(try await store.claimOutbox(limit: 1).first)
            _ = try await store.markFailed(claimed, error: "550 no such mailbox", permanent: true, maxAttempts: 5)
            await store.close()

            let list = try cli.run("sources", "list")
            #expect(list.stdout.contains("council_tax") && list.stdout.contains("library"))
            let test = try cli.run("sources", "test", "council_tax")
            #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
            #expect(test.stdout.contains("council_tax: the check passed."))
            #expect(try cli.run("sources", "test", "nowhere").status == 1)

            let failed = try cli.run("outbox", "list")
            #expect(failed.status == 3)
            #expect(failed.stdout.contains("550 no such mailbox"))
            #expect(try cli.run("outbox", "list", "--status", "lost").status == 1)
            let retry = try cli.run("outbox", "retry", claimed.id)
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(try cli.run("outbox", "list").status == 0)
            #expect(try cli.run("outbox", "retry", claimed.id).status == 1, "a letter back in the queue is not retried twice")
        }
    }

    @Test("load prints a note for each purpose a dataset declares that is not used, and loads the rest")
    func loadPrintsNotes() async throws {
        try await Self.withCLI { cli, database in
            let copy = cli.folder.appendingPathComponent("map")
            try FileManager.default.copyItem(at: try BundledData.demoDataMap, to: copy)
            let library = copy.appendingPathComponent("datasets/library_db.yaml")
            let text = try String(contentsOf: library, encoding: .utf8)
            let changed = text.replacingOccurrences(of: "data_uses: [library_membership]", with: "data_purposes: [library_membership, billing]")
            #expect(changed != text)
            try changed.write(to: library, atomically: true, encoding: .utf8)
            let result = try cli.run("load", copy.path)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("Loaded data map version 1"))
            #expect(result.stdout.contains("1 note on what loaded but is not used:"))
            #expect(result.stdout.contains("datasets/library_db.yaml:"))
            #expect(result.stdout.contains("dataset[0].data_purposes[1]: 'billing' is neither a purpose in purposes.yaml nor a data use"))
            let store = try await Self.openStore(cli, database)
            #expect(try await store.currentDataMap()?.dataMap.dataset("library_db")?.dataPurposes == ["library_membership"])
            await store.close()
        }
    }

    @Test("loading an invalid folder fails with file, line and field, and stores nothing")
    func invalidLoadFails() async throws {
        try await Self.withCLI { cli, database in
            let source = try BundledData.demoDataMap
            let copy = cli.folder.appendingPathComponent("map")
            try FileManager.default.copyItem(at: source, to: copy)
            let purposes = copy.appendingPathComponent("purposes.yaml")
            let text = try String(contentsOf: purposes, encoding: .utf8)
            try text.replacingOccurrences(of: "lawful_basis: public_task", with: "lawful_basis: because").write(
                to: purposes,
                atomically: true,
                encoding: .utf8
            )
            let result = try cli.run("load", copy.path)
            #expect(result.status != 0)
            #expect(result.stderr.contains("purposes.yaml:"))
            #expect(result.stderr.contains("lawful_basis: unknown lawful basis 'because'"))
            let store = try await Self.openStore(cli, database)
            #expect(try await store.currentDataMapVersion() == 0)
            await store.close()
        }
    }

    /// The store the command line writes to, opened with the command line's own signing key and
    /// data key.
    static func openStore(_ cli: StewardProcess, _ database: TestDatabase) async throws -> Store {
        let signer = try AuditKeyFile.load(path: cli.environment["STEWARD_AUDIT_KEY"]!, create: false)
        let dataKey = try DataKeyFile.load(path: cli.environment["STEWARD_DATA_KEY"]!, create: false)
        return try await database.openStore(signer: signer, dataKey: dataKey, checkpointInterval: 10)
    }

    @Test("audit verify passes an intact log, and an export verifies offline")
    func auditVerifyAndExport() async throws {
        try await Self.withCLI { cli, _ in
            for index in 1...3 {
                #expect(try cli.run("token", "create", "--role", "caseworker", "--name", "worker \(index)").status == 0)
            }
            let intact = try cli.run("audit", "verify")
            #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
            #expect(intact.stdout.contains("Intact: 3 entries"))

            let exportPath = cli.folder.appendingPathComponent("audit.jsonl").path
            #expect(try cli.run("audit", "export", "--output", exportPath).status == 0)
            let offline = try cli.run("audit", "verify", "--file", exportPath)
            #expect(offline.status == 0, "\(offline.stdout)")
            #expect(offline.stdout.contains("pass --public-key"))

            let exported = try String(contentsOfFile: exportPath, encoding: .utf8)
            try exported.replacingOccurrences(of: "worker 2", with: "worker X").write(toFile: exportPath, atomically: true, encoding: .utf8)
            let badFile = try cli.run("audit", "verify", "--file", exportPath)
            #expect(badFile.status == 1)
            #expect(badFile.stdout.contains("first bad entry is 2"))
        }
    }

    @Test("steward audit verify names the first bad entry after each kind of hand edit", arguments: AuditTampering.cases)
    func auditVerifyNamesFirstBadEntry(_ tampering: AuditTampering) async throws {
        try await Self.withCLI { cli, database in
            let store = try await Self.openStore(cli, database)
            try await AuditTampering.appendEntries(to: store)
            #expect(try cli.run("audit", "verify").status == 0)
            try await tampering.apply(to: database)
            await store.close()
            let result = try cli.run("audit", "verify")
            #expect(result.status == 1)
            #expect(result.stdout.contains("first bad entry is \(tampering.firstBad): "), "\(result.stdout)")
        }
    }

    @Test("audit verify with only a public key needs no private key and changes nothing")
    func verifyWithPublicKeyOnly() async throws {
        try await Self.withCLI { cli, database in
            let store = try await Self.openStore(cli, database)
            try await AuditTampering.appendEntries(to: store)
            let publicKey = store.signingPublicKey
            await store.close()
            let withoutKey = try cli.run(
                "audit",
                "verify",
                "--public-key",
                publicKey,
                extraEnvironment: ["STEWARD_AUDIT_KEY": "/nonexistent/audit.key"]
            )
            #expect(withoutKey.status == 0, "\(withoutKey.stdout)\(withoutKey.stderr)")
            let wrongKey = try cli.run("audit", "verify", "--public-key", AuditSigner().publicKey)
            #expect(wrongKey.status == 1)
            #expect(wrongKey.stdout.contains("not trusted"))
        }
    }

    @Test("commands other than serve and migrate refuse to create a new signing key")
    func noAccidentalSigningKey() async throws {
        try await Self.withCLI { cli, _ in
            let result = try cli.run(
                "token",
                "create",
                "--role",
                "dpo",
                "--name",
                "x",
                extraEnvironment: ["STEWARD_AUDIT_KEY": cli.folder.path + "/other.key"]
            )
            #expect(result.status != 0)
            #expect(result.stderr.contains("does not exist"))
            #expect(!FileManager.default.fileExists(atPath: cli.folder.path + "/other.key"))
        }
    }

    @Test("a bad configuration value stops the command and names the key")
    func badConfiguration() async throws {
        try await Self.withCLI { cli, _ in
            let result = try cli.run("migrate", extraEnvironment: ["STEWARD_AUDIT_CHECKPOINT_INTERVAL": "none"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("audit_checkpoint_interval"))
        }
    }

    @Test("requests due lists open requests due within the period, overdue first, and exits 3 when any is overdue; create and event record them")
    func requestsDue() async throws {
        try await Self.withCLI { cli, database in
            #expect(try cli.run("load", try BundledData.demoDataMap.path).status == 0)
            let empty = try cli.run("requests", "due", "--within", "7d")
            #expect(empty.status == 0, "\(empty.stderr)")
            #expect(empty.stdout.contains("No requests."))

            let store = try await Self.openStore(cli, database)
            let service = try CouncilSources.requestService(store)
            let today = CalendarDate.today
            var references: [Int: String] = [:]
            for daysAgo in [40, 28, 0] {
                let intake = RightsRequest.Intake(
                    kind: .access,
                    received: today.adding(days: -daysAgo),
                    requester: Requester(name: "R \(daysAgo)", email: "r\(daysAgo)@example.org"),
                    description: "Everything"
                )
                references[daysAgo] = try await service.submit(intake, actor: "test", fromPublic: false, today: today).request.id.rawValue
            }
            await store.close()

            let due = try cli.run("requests", "due", "--within", "7d")
            #expect(due.status == 3, "\(due.stdout)\(due.stderr)")
            let lines = due.stdout.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix(references[40]!) && lines[1].contains("over"))
            #expect(lines[2].hasPrefix(references[28]!))
            #expect(!due.stdout.contains(references[0]!))
            let json = try cli.run("requests", "due", "--within", "2w", "--json")
            let decoded = try JSONDecoder().decode([RequestService.Summary].self, from: Data(json.stdout.utf8))
            #expect(decoded.first?.overdue == true)
            let bad = try cli.run("requests", "due", "--within", "soon")
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("--within"))
            let show = try cli.run("requests", "show", references[0]!)
            #expect(show.status == 0)
            #expect(show.stdout.contains("\"state\" : \"received\""))
            #expect(try cli.run("requests", "show", "SR-NONE").status == 1)

            let file = cli.folder.appendingPathComponent("request.json")
            try
                #"{"kind":"erasure","received":"\#(today.adding(days: -1))","requester":{"name":"Rory Williams","postalAddress":"1 High Street, Wessex"},"description":"Close my library account"}"#
                .write(to: file, atomically: true, encoding: .utf8)
            let created = try cli.run("requests", "create", file.path)
            #expect(created.status == 0, "\(created.stderr)")
            let reference = try JSONDecoder().decode(RequestService.View.self, from: Data(created.stdout.utf8)).request.id.rawValue
            let started = try cli.run("requests", "event", reference, "started")
            #expect(started.status == 0, "\(started.stderr)")
            #expect(started.stdout.contains("\"state\" : \"in_progress\""))
            let refused = try cli.run("requests", "event", reference, "refused", "--ground", "excessive")
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("reasons"))
            let badFile = cli.folder.appendingPathComponent("bad.json")
            try #"{"kind":"access"}"#.write(to: badFile, atomically: true, encoding: .utf8)
            #expect(try cli.run("requests", "create", badFile.path).status == 1)
        }
    }

    /// The test council's sources registered in a new installation, and a request of `kind` from
    /// Amy Pond that staff have started work on.
    static func withCouncilRequest(
        _ kind: RightsRequest.Kind,
        _ body: (StewardProcess, CouncilSources, RightsRequest.ID) async throws -> Void
    ) async throws {
        try await CouncilSources.with { sources in
            try await Self.withCLI { cli, database in
                let store = try await Self.openStore(cli, database)
                _ = try await store.saveDataMap(CouncilFixture.dataMap(), actor: "test")
                try await sources.register(in: store)
                let service = try CouncilSources.requestService(store)
                let intake = RightsRequest.Intake(kind: kind, requester: Requester(name: "Amy Pond", email: "amy@example.org"), description: "All")
                let reference = try await service.submit(intake, actor: "test", fromPublic: false, today: .today).request.id
                _ = try await service.apply(
                    .init(change: .identityVerified, identity: IdentityCheck(method: .knownToStaff, evidence: "tenant", checkedBy: "K. Jones")),
                    to: reference,
                    actor: "test",
                    today: .today
                )
                await store.close()
                try await body(cli, sources, reference)
            }
        }
    }

    @Test("request run searches the registered sources with progress, and writes the bundle")
    func requestRun() async throws {
        try await Self.withCouncilRequest(.access) { cli, _, reference in

            let dry = try cli.run("request", "run", reference.rawValue, "--dry-run")
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("Would hand over 9 records"))
            // The claim of the person living at the same address is left out, and said to be.
            #expect(dry.stdout.contains("not taken: 1 records of benefits_db.claimants share uprn with the person"))
            #expect(dry.stderr.contains("searched 6 of 6 collections"))
            let bundle = cli.folder.appendingPathComponent("bundle.zip")
            let run = try cli.run("request", "run", reference.rawValue, "--output", bundle.path)
            #expect(run.status == 0, "\(run.stderr)")
            let files = try ZipArchive.files(try Data(contentsOf: bundle))
            #expect(files["data/benefits_db/payments.json"] != nil && files["manifest.json"] != nil)
            #expect(try cli.run("request", "run", reference.rawValue, "--output", bundle.path).status == 1)
            #expect(try cli.run("request", "run", "SR-NONE").status == 1)
        }
    }

    @Test("request run erases with a plan file, printing each collection's step, and refuses a bad plan")
    func requestRunErasure() async throws {
        try await Self.withCouncilRequest(.erasure) { cli, sources, reference in

            let plan = cli.folder.appendingPathComponent("plan.json")
            try #"{"deleteCollections":["library_csv.loans"],"strategies":{"user":"hash"}}"#.write(to: plan, atomically: true, encoding: .utf8)
            let dry = try cli.run("request", "run", reference.rawValue, "--plan", plan.path, "--dry-run")
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("library_csv.loans: delete 2 rows"))
            #expect(dry.stdout.contains("rows: loan_id=L1; loan_id=L3"))
            #expect(dry.stdout.contains("housing_db.tenants: refused 1 rows"))
            #expect(dry.stdout.contains("Dry run: 3 rows would change."))
            let run = try cli.run("request", "run", reference.rawValue, "--plan", plan.path)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!(try String(contentsOf: sources.libraryFolder.appendingPathComponent("loans.csv"), encoding: .utf8)).contains("L1"))
            try #"{"strategies":{"user":"shred"}}"#.write(to: plan, atomically: true, encoding: .utf8)
            let bad = try cli.run("request", "run", reference.rawValue, "--plan", plan.path)
            #expect(bad.status == 1)
            #expect(bad.stderr.contains("shred"))
        }
    }

    @Test("request run names the source, the field and the database's reason for a refused change, in the dry run and the run, and changes nothing")
    func requestRunNamesRefusal() async throws {
        try await Self.withCLI { cli, database in
            let path = cli.folder.appendingPathComponent("shop.sqlite").path
            let shop = try await openDatabase(.sqlite(path: path), logger: Logger(label: "test"))
            do {
                try await ShopDatabase.build(shop, postgres: false)
                let store = try await Self.openStore(cli, database)
                _ = try await store.loadDataMap(
                    DataMapReader.read(files: ShopDatabase.files),
                    taxonomy: .builtin,
                    fallbackController: nil,
                    actor: "test"
                )
                _ = try await store.addSource(id: "shop", name: "Shop", kind: .sqlite, dataset: "shop_db", location: path, actor: "dpo")
                let service = try CouncilSources.requestService(store)
                var intake = RightsRequest.Intake(
                    kind: .erasure,
                    requester: Requester(name: "Amy Pond", email: "amy@example.org"),
                    description: "All"
                )
                intake.identifiers = [.init(kind: .email, value: "amy@example.org")]
                let reference = try await service.submit(intake, actor: "test", fromPublic: false, today: .today).request.id
                _ = try await service.apply(
                    .init(change: .identityVerified, identity: IdentityCheck(method: .knownToStaff, evidence: "customer", checkedBy: "K. Jones")),
                    to: reference,
                    actor: "test",
                    today: .today
                )
                await store.close()
                let before = try await ShopDatabase.snapshot(shop)
                let plan = cli.folder.appendingPathComponent("plan.json")
                try #"{"strategies":{"shop_db.address.zip":"fixed:X"}}"#.write(to: plan, atomically: true, encoding: .utf8)
                let dry = try cli.run("request", "run", reference.rawValue, "--plan", plan.path, "--dry-run")
                #expect(dry.status == 1)
                #expect(dry.stdout.contains("shop_db.address: failed") && dry.stdout.contains("CHECK constraint failed"), "\(dry.stdout)")
                #expect(dry.stdout.contains("left as they are: 1 rows shared with shop_db.orders"), "\(dry.stdout)")
                let run = try cli.run("request", "run", reference.rawValue, "--plan", plan.path)
                #expect(run.status == 1)
                #expect(run.stderr.contains("source 'shop': the database refused a change to address"), "\(run.stderr)")
                #expect(run.stderr.contains("(shop_db.address)"), "\(run.stderr)")
                #expect(!run.stderr.contains("Generic description") && !run.stderr.contains("internal error"))
                #expect(try await ShopDatabase.snapshot(shop) == before)
            } catch {
                await shop.close()
                throw error
            }
            await shop.close()
        }
    }
}
