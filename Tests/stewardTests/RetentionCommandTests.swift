import Crypto
import Foundation
import StewardCore
import StewardStore
import StewardTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Retention from the command line")
struct RetentionCommandTests {
    /// 3,000 people past their period and 500 inside it.
    static func bigCouncil() -> [SourceTable] {
        var people: [[String?]] = []
        for id in 1...3_500 {
            people.append(["\(id)", "p\(id)@example.org", "Person \(id)", "North", id <= 3_000 ? "2018-0\(1 + id % 9)-1\(id % 10)" : "2026-06-01"])
        }
        var tables = RetentionCouncil.tables()
        tables[0].rows = people
        tables[1].rows = []
        tables[2].rows = []
        return tables
    }

    @Test(
        "a sweep killed part-way (kill -9) resumes where it stopped: every due row is disposed of once, and the certificate counts them all",
        arguments: [RetentionCouncil.Kind.sqlite, .postgres]
    )
    func killedSweepResumes(kind: RetentionCouncil.Kind) async throws {
        try await RetentionCouncil.with(kind, tables: Self.bigCouncil()) { council in
            try await CommandLineTests.withCLI { cli, database in
                let store = try await CommandLineTests.openStore(cli, database)
                _ = try await store.saveDataMap(RetentionCouncil.dataMap(), actor: "test")
                try await council.register(in: store)
                await store.close()

                let process = Process()
                process.executableURL = StewardProcess.binary
                process.arguments = ["retention", "run", "--rule", "records_db.people"]
                // Very small batches, each followed by a pause twice as long as it took: the sweep takes
                // long enough (hundreds of transactions) for this test, however loaded the machine, to
                // see it part-way.
                process.environment = cli.environment.merging(["STEWARD_RETENTION_BATCH_SIZE": "5", "STEWARD_RETENTION_YIELD": "2"]) { _, new in new
                }
                process.currentDirectoryURL = cli.folder
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Kill it once it has disposed of some rows, but not all.
                let deadline = Date().addingTimeInterval(120)
                var left = 3_500
                while Date() < deadline {
                    left = try await council.rows("people").count
                    if left < 3_500 - 200 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                #expect(process.terminationReason == .uncaughtSignal)
                let afterKill = try await council.rows("people").count
                #expect(afterKill < 3_500 - 200 && afterKill > 500, "killed after \(3_500 - afterKill) rows")

                // Run again: it waits for the stopped sweep's claim to lapse, then finishes it.
                let again = try cli.run("retention", "run", "--rule", "records_db.people", "--json")
                #expect(again.status == 0, "\(again.stderr)")
                let remaining = try await council.rows("people")
                #expect(Set(remaining.keys) == Set((3_001...3_500).map(String.init)))

                let reopened = try await CommandLineTests.openStore(cli, database)
                let runs = try await reopened.runs(limit: 10)
                #expect(runs.count == 1)  // the same sweep, resumed
                let certificates = try await reopened.certificates(run: nil, rule: "records_db.people")
                await reopened.close()
                #expect(certificates.count == 1)
                #expect(certificates.reduce(0) { $0 + $1.rows } == 3_000)
                let keys = (1...3_000).map { "\($0)\n" }.joined()
                let digest = SHA256.hash(data: Data(keys.utf8)).map { String(format: "%02x", $0) }.joined()
                #expect(certificates.first?.keysDigest == digest)

                let verify = try cli.run("audit", "verify")
                #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            }
        }
    }

    @Test("plan, holds, status and certificates from the command line; bad input is an error naming the field, exit 1")
    func commands() async throws {
        try await RetentionCouncil.with(.sqlite) { council in
            try await CommandLineTests.withCLI { cli, database in
                let store = try await CommandLineTests.openStore(cli, database)
                _ = try await store.saveDataMap(RetentionCouncil.dataMap(), actor: "test")
                try await council.register(in: store)
                await store.close()
                let hold = cli.folder.appendingPathComponent("hold.json")
                try Data(#"{"kind": "collection", "collection": "records_db.visits", "owner": "Legal", "reason": "inquiry"}"#.utf8).write(to: hold)
                let added = try cli.run("retention", "holds", "add", hold.path)
                #expect(added.status == 0, "\(added.stderr)")
                let plan = try cli.run("retention", "plan")
                #expect(plan.status == 0, "\(plan.stderr)")
                let lines = plan.stdout.split(separator: "\n")
                #expect(lines.contains { $0.hasPrefix("records_db.people") && $0.contains("delete") })
                #expect(lines.contains { $0.hasPrefix("records_db.visits") && $0.contains("anonymise") })
                let bad = cli.folder.appendingPathComponent("bad.json")
                try Data(#"{"kind": "collection", "collection": "records_db.visits", "owner": "Legal", "reason": ""}"#.utf8).write(to: bad)
                let refused = try cli.run("retention", "holds", "add", bad.path)
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("reason"))
                let run = try cli.run("retention", "run", "--json")
                #expect(run.status == 0, "\(run.stderr)")
                let certificates = try cli.run("retention", "certificates")
                #expect(certificates.status == 0)
                let list = try JSONDecoder().decode([DisposalCertificate].self, from: Data(certificates.stdout.utf8))
                #expect(!list.isEmpty)
                let page = try cli.run("retention", "certificates", list[0].id.rawValue, "--html")
                #expect(page.status == 0)
                #expect(page.stdout.contains("<h1>Disposal certificate</h1>") && page.stdout.contains(list[0].keysDigest))
                let status = try cli.run("retention", "status", "--json")
                let decoded = try JSONDecoder().decode(RetentionStatus.self, from: Data(status.stdout.utf8))
                #expect(decoded.rules.count == 3)
                // Visits are held: overdue, but lawfully kept.
                let visits = try #require(decoded.rules.first { $0.rule == "records_db.visits" })
                #expect(visits.overdue == visits.kept && visits.overdue > 0)
            }
        }
    }
}
