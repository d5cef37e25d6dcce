import Foundation
import Logging
import SQLKit
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

#if canImport(Glibc)
    import Glibc
#endif

/// The whole access request, on the database `SearchBench` builds: from running the request
/// (`RequestService.runAccess`: the sources opened and checked, the search, the result sealed and
/// kept with its audit entry) to the bundle's last byte (`handOver`: the ZIP written and the
/// hand-over audited), server-side, as the API's routes call them. Each part is timed on its own.
enum AccessBench {
    struct Result {
        var total: [Double] = []
        var run: [Double] = []
        var bundle: [Double] = []
        var sourceCheck: [Double] = []
        var bytes = 0
    }

    static func run(_ location: DatabaseLocation, url: String, folder: URL, samples: Int = 200) async throws -> Result {
        let (store, source) = try await SearchBench.steward(location, url: url, folder: folder, file: "steward-access.sqlite")
        let services = try StewardServices(store: store, configuration: StewardConfiguration())
        let service = services.requests
        var generator = SystemRandomNumberGenerator()
        var result = Result()
        for index in 0..<(samples + 20) {
            let person = Int.random(in: 1...SearchBench.people, using: &generator)
            let member = Int.random(in: 1...100_000, using: &generator)
            var intake = RightsRequest.Intake(
                kind: .access,
                requester: Requester(name: "Person \(person)", email: "person\(person)@example.org"),
                description: "Everything"
            )
            intake.identifiers = [
                .init(kind: .email, value: "person\(person)@example.org"), .init(kind: .email, value: "library_member\(member)@example.org"),
            ]
            let id = try await service.submit(intake, actor: "bench", fromPublic: false).request.id
            _ = try await service.apply(.init(change: .started), to: id, actor: "bench")
            let started = ContinuousClock.now
            let found = try await service.runAccess(id, actor: "bench")
            let searched = ContinuousClock.now
            let (archive, _) = try await service.handOver(id, actor: "bench", result: found) { result, request, map, information in
                try AccessBundle.archive(result, request: request, dataMap: map, taxonomy: .builtin, supplementary: information)
            }
            let ended = ContinuousClock.now
            // The source check alone, as a run makes it when no other has just read the source's
            // columns: a kept connection, and the tables' columns read from the catalogue.
            let checkStarted = ContinuousClock.now
            let connection = try await store.connect(source)
            _ = try await (connection as? SQLSourceReader)?.readSchema(of: SearchBench.tables.map(\.name))
            await connection.close()
            let checked = ContinuousClock.now - checkStarted
            guard index >= 20 else { continue }
            result.total.append(SearchBench.milliseconds(ended - started))
            result.run.append(SearchBench.milliseconds(searched - started))
            result.bundle.append(SearchBench.milliseconds(ended - searched))
            result.sourceCheck.append(SearchBench.milliseconds(checked))
            result.bytes += archive.count
        }
        result.bytes /= samples
        await store.close()
        return result
    }
}

/// A person reached through a busy employee: 300,000 service requests handled by three employees,
/// with the reference from a request to its employee declared without a direction, so a search
/// could walk from a customer's request up to the employee and down to everyone else's. The
/// walk stops at the employee; timed over random customers, with the rows found and the process's
/// peak memory.
enum BusyBench {
    static let requests = 300_000

    static func dataset() -> Dataset {
        func field(_ name: String, identity: IdentityKind.Key? = nil, primaryKey: Bool = false, references: [Dataset.Reference] = []) -> Dataset.Field
        {
            Dataset.Field(
                name: name,
                description: nil,
                dataCategories: ["user"],
                identity: identity,
                references: references,
                isPrimaryKey: primaryKey,
                dataType: nil,
                isReadOnly: false,
                fields: []
            )
        }
        return Dataset(
            key: "busy",
            name: "Service requests",
            description: nil,
            collections: [
                .init(
                    name: "employee",
                    description: nil,
                    fields: [field("id", primaryKey: true), field("email", identity: "email")],
                    skipProcessing: false
                ),
                .init(
                    name: "service_request",
                    description: nil,
                    fields: [
                        field("id", primaryKey: true), field("email", identity: "email"),
                        field("employee_id", references: [Dataset.Reference(dataset: "busy", collection: "employee", field: "id", direction: nil)]),
                    ],
                    skipProcessing: false
                ),
            ]
        )
    }

    struct Result {
        var p50: Double
        var p95: Double
        var rows: Int
        var peakMemoryMB: Double
    }

    static func peakMemoryMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static func run(_ location: DatabaseLocation, postgres: Bool, samples: Int = 200) async throws -> Result {
        var logger = Logger(label: "steward-bench")
        logger.logLevel = .warning
        let setup = try await openDatabase(location, logger: logger)
        try await setup.write { database in
            for statement in [
                "DROP TABLE IF EXISTS service_request", "DROP TABLE IF EXISTS employee",
                "CREATE TABLE employee (id BIGINT PRIMARY KEY, email TEXT)",
                "CREATE TABLE service_request (id BIGINT PRIMARY KEY, email TEXT, employee_id BIGINT NOT NULL REFERENCES employee (id))",
                "INSERT INTO employee VALUES (1, 'officer1@example.org'), (2, 'officer2@example.org'), (3, 'officer3@example.org')",
                postgres
                    ? "INSERT INTO service_request SELECT g, 'customer' || g || '@example.org', (g % 3) + 1 FROM generate_series(1, \(requests)) AS g"
                    : "INSERT INTO service_request WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < \(requests)) SELECT g, 'customer' || g || '@example.org', (g % 3) + 1 FROM s",
                "CREATE INDEX service_request_email ON service_request (email)",
                "CREATE INDEX service_request_employee ON service_request (employee_id)",
            ] {
                try await database.raw(SQLQueryString(statement)).run()
            }
            if postgres { try await database.raw("ANALYZE").run() }
        }
        await setup.close()
        let reader = try await SQLSourceReader.connect(location, name: SourceName(id: "busy", dataset: "busy"), logger: logger)
        let schema = try await reader.schema(of: ["employee", "service_request"])
        let map = SearchBench.map([dataset().resolved(by: schema)])
        let search = try PersonSearch(dataMap: map, readers: ["busy": reader])
        var generator = SystemRandomNumberGenerator()
        var times: [Double] = []
        var rows = 0
        for index in 0..<(samples + 20) {
            let customer = Int.random(in: 1...requests, using: &generator)
            let started = ContinuousClock.now
            let found = try await search.run(identifiers: [.init(kind: .email, value: "customer\(customer)@example.org")]).found
            let elapsed = ContinuousClock.now - started
            guard index >= 20 else { continue }
            times.append(SearchBench.milliseconds(elapsed))
            rows = max(rows, found.reduce(0) { $0 + $1.rows.count })
        }
        await reader.close()
        return Result(p50: SearchBench.percentile(times, 0.5), p95: SearchBench.percentile(times, 0.95), rows: rows, peakMemoryMB: peakMemoryMB())
    }
}
