import Foundation
import Logging
import SQLKit
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// The erasure benchmark, on the database `SearchBench` builds: erasure requests for distinct random
/// people run through `RequestService.runErasure` — finding the person, planning, masking every field
/// of every row with null in one transaction, keeping the report and its audit entry — against the
/// floor of the same SELECTs and UPDATEs sent directly through the driver in one transaction.
enum ErasureBench {
    struct Result {
        var p50: Double
        var p95: Double
        var floorP50: Double
        var floorP95: Double
    }

    static func run(_ location: DatabaseLocation, url: String, folder: URL, samples: Int = 300) async throws -> Result {
        var logger = Logger(label: "steward-bench")
        logger.logLevel = .warning
        let (store, _) = try await SearchBench.steward(location, url: url, folder: folder, file: "steward.sqlite")
        let service = try StewardServices(store: store, configuration: StewardConfiguration()).requests
        // Distinct people, so each erasure finds someone still there; half for Steward, half for the floor.
        var generator = SystemRandomNumberGenerator()
        var chosen = Set<Int>()
        while chosen.count < samples * 2 { chosen.insert(Int.random(in: 1...SearchBench.people, using: &generator)) }
        let people = Array(chosen)
        var requests: [RightsRequest.ID] = []
        for person in people.prefix(samples) {
            let intake = RightsRequest.Intake(
                kind: .erasure,
                requester: Requester(name: "Person \(person)", email: "person\(person)@example.org"),
                description: "Erase me"
            )
            let id = try await service.submit(intake, actor: "bench", fromPublic: false).request.id
            _ = try await service.apply(.init(change: .started), to: id, actor: "bench")
            requests.append(id)
        }
        let floorHandle = try await openDatabase(location, logger: logger)
        var times: [Double] = []
        var floors: [Double] = []
        for (index, id) in requests.enumerated() {
            let started = ContinuousClock.now
            let report = try await service.runErasure(id, policy: ErasurePolicy(), actor: "bench")
            times.append(SearchBench.milliseconds(ContinuousClock.now - started))
            guard report.isComplete else { throw StewardError(.unavailable, "an erasure in the benchmark did not complete") }
            let floorStart = ContinuousClock.now
            try await direct(floorHandle, person: people[samples + index])
            floors.append(SearchBench.milliseconds(ContinuousClock.now - floorStart))
        }
        await floorHandle.close()
        await store.close()
        return Result(
            p50: SearchBench.percentile(times, 0.5),
            p95: SearchBench.percentile(times, 0.95),
            floorP50: SearchBench.percentile(floors, 0.5),
            floorP95: SearchBench.percentile(floors, 0.95)
        )
    }

    /// The floor: find the person's rows as the search does, then null every non-key column of each
    /// row found, in one transaction.
    static func direct(_ handle: any DatabaseHandle, person: Int) async throws {
        let byName = Dictionary(uniqueKeysWithValues: SearchBench.tables.map { ($0.name, $0) })
        @Sendable func ids(
            _ table: String,
            _ column: String,
            _ values: [String],
            integer: Bool,
            on database: any SQLDatabase
        ) async throws -> [String] {
            guard !values.isEmpty else { return [] }
            let binds = SQLList(values.map { integer ? SQLBind(Int64($0)!) : SQLBind($0) })
            return try await database.raw(
                SQLQueryString("SELECT CAST(id AS TEXT) AS id FROM \"\(table)\" WHERE \"\(column)\" IN ") + "\(SQLGroupExpression(binds))"
            ).all().map { try $0.decode(column: "id", as: String.self) }
        }
        try await handle.write { database in
            var found: [String: [String]] = [:]
            found["person"] = try await ids("person", "email", ["person\(person)@example.org"], integer: false, on: database)
            for table in SearchBench.tables where table.parent?.table == "person" {
                found[table.name] = try await ids(table.name, table.parent!.column, found["person"]!, integer: true, on: database)
            }
            found["claim_event"] = try await ids("claim_event", "claim_id", found["benefit_claim"] ?? [], integer: true, on: database)
            found["complaint_note"] = try await ids("complaint_note", "complaint_id", found["complaint"] ?? [], integer: true, on: database)
            // The search also looks for the address among library members, as the data map says it may be there.
            found["library_member"] = try await ids("library_member", "email", ["person\(person)@example.org"], integer: false, on: database)
            found["loan"] = try await ids("loan", "member_id", found["library_member"]!, integer: true, on: database)
            for (name, rows) in found {
                let table = byName[name]!
                let assignments = table.columns.map { "\"\($0)\" = NULL" }.joined(separator: ", ")
                for id in rows {
                    try await database.raw(SQLQueryString("UPDATE \"\(name)\" SET \(assignments) WHERE id = ") + "\(bind: Int64(id)!)").run()
                }
            }
        }
    }
}

extension SearchBench {
    /// A Steward store of its own (SQLite in `folder`, synchronous=FULL) holding a data map of the
    /// benchmark dataset, with the council database at `url` registered as its source.
    static func steward(_ location: DatabaseLocation, url: String, folder: URL, file: String) async throws -> (store: Store, source: DataSource) {
        var logger = Logger(label: "steward-bench")
        logger.logLevel = .warning
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try await Store.open(
            .sqlite(path: folder.appendingPathComponent(file).path),
            signer: AuditSigner(),
            dataKey: .random(),
            logger: logger
        )
        let map = SearchBench.map([dataset()])
        _ = try await store.saveDataMap(map, actor: "bench")
        let source = try await store.addSource(
            id: "bench",
            name: "Benchmark council database",
            kind: location.isPostgres ? .postgres : .sqlite,
            dataset: "bench",
            location: url,
            actor: "bench"
        )
        return (store, source)
    }
}

extension DatabaseLocation {
    var isPostgres: Bool {
        if case .postgres = self { return true }
        return false
    }
}
