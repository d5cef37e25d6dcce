import Foundation
import Logging
import SQLKit
import StewardApp
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

@testable import StewardStore

/// A shop's database described as Fides's own sample datasets describe theirs: no `data_type`
/// anywhere, primary keys left to the database (one composite, one table with none), integers,
/// booleans and timestamps, an address two customers share, a product catalogue, a collection of
/// nothing but keys, and an employee who handles other customers' requests. On PostgreSQL and on
/// SQLite, it loads as it is, and an erasure changes exactly the person's own personal data.
@Suite("A Fides-format dataset Steward did not write")
struct ShopDatasetTests {
    static let logger = Logger(label: "test")

    /// The shop database on `backend`, its data map loaded, its source registered, and an erasure
    /// (or `kind`) request from the person with `email`, identity checked.
    static func withShop(
        _ backend: String,
        kind: RightsRequest.Kind = .erasure,
        email: String = "amy@example.org",
        files: [String: String] = ShopDatabase.files,
        _ body: @Sendable (RequestService, Store, RightsRequest.ID, any DatabaseHandle) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-shop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let postgres = backend == "postgres" ? try await TestDatabase.makeCouncilPostgres() : nil
        let location: DatabaseLocation = postgres?.location ?? .sqlite(path: folder.appendingPathComponent("shop.sqlite").path)
        let handle = try await openDatabase(location, logger: logger)
        do {
            try await ShopDatabase.build(handle, postgres: postgres != nil)
            try await TestDatabase.withStore { store, _ in
                _ = try await store.loadDataMap(DataMapReader.read(files: files), taxonomy: .builtin, fallbackController: nil, actor: "test")
                let shown: String =
                    switch location {
                    case .postgres(let url): url
                    case .sqlite(let path): path
                    }
                _ = try await store.addSource(
                    id: "shop",
                    name: "Shop database",
                    kind: postgres == nil ? .sqlite : .postgres,
                    dataset: "shop_db",
                    location: shown,
                    actor: "dpo"
                )
                let service = try CouncilSources.requestService(store)
                let intake = RightsRequest.Intake(
                    kind: kind,
                    requester: Requester(name: "A requester", email: email),
                    description: "Everything you hold about me"
                )
                var withIdentifiers = intake
                withIdentifiers.identifiers = [.init(kind: .email, value: email)]
                let view = try await service.submit(withIdentifiers, actor: "caseworker", fromPublic: false, today: .today)
                _ = try await service.apply(
                    .init(change: .identityVerified, identity: IdentityCheck(method: .documentSeen, evidence: "passport", checkedBy: "J. Smith")),
                    to: view.request.id,
                    actor: "caseworker",
                    today: .today
                )
                try await body(service, store, view.request.id, handle)
            }
        } catch {
            await handle.close()
            await postgres?.destroy()
            throw error
        }
        await handle.close()
        await postgres?.destroy()
    }

    static let backends = ["sqlite", "postgres"]

    @Test("the file loads as it is, and the source check reads types and keys from the database", arguments: backends)
    func loadsAndChecks(_ backend: String) async throws {
        try await Self.withShop(backend) { _, store, _, _ in
            let check = try await store.checkSource("shop", actor: "dpo")
            #expect(check.ok, "\(check.problems)")
            #expect(check.notes.map(\.collection) == ["login"])
            #expect(check.notes.first?.message.contains("no primary key") == true)
        }
    }

    /// The shop's data map with every reference's direction left out, so each is followed both ways.
    static let undirected: [String: String] = {
        var changed = ShopDatabase.files
        changed["datasets/shop_db.yaml"] = ShopDatabase.dataset.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.contains("direction:") }.joined(separator: "\n")
        return changed
    }()

    @Test("on PostgreSQL, the source check sends every statement a run will, on no rows, and names one the database refuses")
    func checkProbesStatements() async throws {
        try await Self.withShop("postgres") { _, store, _, handle in
            // A column whose type Steward cannot write a text value to.
            try await handle.write { database in try await database.raw("ALTER TABLE customer ADD COLUMN device UUID").run() }
            var files = ShopDatabase.files
            files["datasets/shop_db.yaml"] = ShopDatabase.dataset.replacingOccurrences(
                of: "          - name: created\n            data_categories: [system.operations]\n",
                with:
                    "          - name: created\n            data_categories: [system.operations]\n          - name: device\n            data_categories: [user.device]\n"
            )
            #expect(files["datasets/shop_db.yaml"] != ShopDatabase.dataset)
            _ = try await store.loadDataMap(DataMapReader.read(files: files), taxonomy: .builtin, fallbackController: nil, actor: "test")
            let check = try await store.checkSource("shop", actor: "dpo")
            #expect(!check.ok)
            #expect(check.problems.map { "\($0.collection ?? "").\($0.field ?? "")" } == ["customer.device"], "\(check.problems)")
            #expect(check.problems.first?.message.contains("a change to 'device' fails: SQLSTATE 42804") == true, "\(check.problems)")
        }
    }

    @Test(
        "access finds exactly the person's rows, through keys of undeclared types, and with references followed both ways it does not walk out of a shared address, product or employee into everyone else's",
        arguments: backends,
        [true, false]
    )
    func accessIsExact(_ backend: String, directed: Bool) async throws {
        try await Self.withShop(backend, kind: .access, files: directed ? ShopDatabase.files : Self.undirected) { service, _, id, _ in
            let result = try await service.runAccess(id, actor: "caseworker")
            func keys(_ collection: String, _ fields: String...) -> [String] {
                (result.collections.first { $0.collection == collection }?.rows ?? []).map { row in
                    fields.map { row[$0] ?? "-" }.joined(separator: "/")
                }.sorted()
            }
            #expect(keys("customer", "id") == ["1"])
            #expect(keys("address", "id") == ["1", "3"])
            #expect(keys("orders", "id") == ["10", "11"])
            #expect(keys("order_item", "order_id", "item_no") == ["10/1", "10/2", "11/1"])
            #expect(keys("product", "id") == ["1", "2"])
            #expect(keys("payment_card", "id") == ["100"])
            #expect(keys("login", "customer_id").count == 2)
            #expect(keys("customer_segment", "segment") == ["gold"])
            #expect(keys("service_request", "id") == ["1000"])
            // Followed both ways, the employee who handled Amy's request is in her copy as a
            // related record, but nothing of theirs beyond it, and none of their other cases.
            #expect(keys("employee", "id") == (directed ? [] : ["5"]))
            let everything = String(describing: result.collections)
            for other in ["bob", "Bob", "Mug", "Totters", "5500000000000004", "silver", "Bad Wolf Bay"] + (directed ? ["Moneypenny"] : []) {
                #expect(!everything.contains(other), "\(other) is in the result")
            }
        }
    }

    @Test("the copy keeps each value's type as the source holds it: numbers, booleans, nulls, in JSON and CSV alike", arguments: backends)
    func bundleKeepsTypes(_ backend: String) async throws {
        try await Self.withShop(backend, kind: .access) { service, store, id, _ in
            let result = try await service.runAccess(id, actor: "caseworker")
            let map = try #require(try await store.currentDataMap()?.dataMap)
            let view = try await service.request(id, today: .today)
            let archive = try AccessBundle.archive(
                result,
                request: view.request,
                dataMap: map,
                taxonomy: .builtin,
                supplementary: try await service.supplementaryInformation(for: id, today: .today)
            )
            let files = try ZipArchive.files(archive)
            func rows(_ collection: String) throws -> [[String: JSONValue]] {
                try JSONDecoder().decode([[String: JSONValue]].self, from: try #require(files["data/shop_db/\(collection).json"]))
            }
            #expect(
                try rows("payment_card") == [
                    ["id": 100, "customer_id": 1, "ccn": "4111111111111111", "code": "123", "preferred": true, "billing_address_id": 1]
                ]
            )
            #expect(try rows("product").map { $0["price"] } == [.double(19.99), .double(24.5)])
            #expect(try rows("service_request").first?["closed"] == .null)
            #expect(try rows("service_request").first?["alt_email"] == .null)
            #expect(try rows("customer").first?["created"] == "2025-03-01 10:00:00")
            let csv = String(decoding: try #require(files["data/shop_db/payment_card.csv"]), as: UTF8.self)
            #expect(csv == "id,customer_id,ccn,code,preferred,billing_address_id\r\n100,1,4111111111111111,123,true,1\r\n")
            let requests = String(decoding: try #require(files["data/shop_db/service_request.csv"]), as: UTF8.self)
            // The employee's key is another person's record the search did not reach from Amy: withheld.
            #expect(requests.hasSuffix("1000,amy@example.org,,2026-01-10,,\(AccessResult.withheld)\r\n"))
        }
    }

    @Test("the default erasure changes exactly the person's own personal data, cell by cell, and its dry run says so first", arguments: backends)
    func erasureTouchesOnlyThePerson(_ backend: String) async throws {
        try await Self.withShop(backend) { service, _, id, handle in
            let before = try await ShopDatabase.snapshot(handle)
            let dry = try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker", dryRun: true)
            #expect(try await ShopDatabase.snapshot(handle) == before)
            let report = try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker")
            #expect(report.isComplete, "\(report.steps)")
            #expect(dry.steps == report.steps && dry.isComplete == report.isComplete && dry.rowsChanged == report.rowsChanged)
            let after = try await ShopDatabase.snapshot(handle)
            // What must have changed: Amy's name and email, her card, and the address only she uses.
            var expected = before
            expected["customer"]![0][1] = nil
            expected["customer"]![0][2] = nil
            expected["payment_card"]![0][2] = nil
            expected["payment_card"]![0][3] = nil
            expected["payment_card"]![0][4] = nil
            for column in 1...4 { expected["address"]![2][column] = nil }
            for table in ShopDatabase.tables {
                #expect(after[table.name] == expected[table.name], "\(table.name)")
            }
            func step(_ collection: String) -> ChangeReport.Step? { report.steps.first { $0.collection == collection } }
            #expect(step("customer")?.fields == ["email: null", "name: null"])
            #expect(step("address")?.action == .update && step("address")?.rows == 1)
            #expect(step("address")?.shared == 1 && step("address")?.sharedWith == ["shop_db.orders"])
            #expect(step("product")?.action == .unchanged && step("product")?.shared == 1)
            #expect(step("orders")?.action == .unchanged)
            #expect(step("order_item")?.action == .unchanged)
            #expect(step("customer_segment")?.action == .unchanged)
            #expect(step("service_request")?.action == .unchanged)
            #expect(step("login")?.action == .refused && step("login")?.reason?.contains("no primary key") == true)
            #expect(report.rowsChanged == 3)
        }
    }

    @Test("erasing the employee leaves the customers' requests they handled, which hold other people's identifiers", arguments: backends)
    func employeeErasureLeavesOthers(_ backend: String) async throws {
        try await Self.withShop(backend, email: "eve@example.org") { service, _, id, handle in
            let before = try await ShopDatabase.snapshot(handle)
            let report = try await service.runErasure(id, policy: ErasurePolicy(), actor: "caseworker")
            #expect(report.isComplete, "\(report.steps)")
            let after = try await ShopDatabase.snapshot(handle)
            #expect(after["service_request"] == before["service_request"])
            #expect(after["customer"] == before["customer"])
            #expect(after["employee"]?[0][1] == nil && after["employee"]?[0][2] == nil)
            #expect(after["address"]?[3].dropFirst().allSatisfy { $0 == nil } == true)
            #expect(after["address"]?[0...2] == before["address"]?[0...2])
            let requests = try #require(report.steps.first { $0.collection == "service_request" })
            #expect(requests.action == .unchanged && requests.shared == 2)
        }
    }

    @Test(
        "a change the database refuses is an error naming the source, the field and the database's reason, and changes nothing",
        arguments: backends
    )
    func refusedChangeIsNamed(_ backend: String) async throws {
        try await Self.withShop(backend) { service, _, id, handle in
            let before = try await ShopDatabase.snapshot(handle)
            let policy = ErasurePolicy(strategies: ["shop_db.address.zip": .fixed("X")])
            // The dry run makes the changes and rolls them back, so it finds what the run would.
            let dry = try await service.runErasure(id, policy: policy, actor: "caseworker", dryRun: true)
            #expect(!dry.isComplete && dry.rowsChanged == 0)
            let refused = try #require(dry.steps.first { $0.action == .failed })
            #expect(refused.collection == "address" && refused.field == "shop_db.address")
            #expect(refused.reason?.contains(backend == "postgres" ? "SQLSTATE 23514" : "SQLite") == true, "\(refused)")
            #expect(try await ShopDatabase.snapshot(handle) == before)
            let error = await #expect(throws: StewardError.self) {
                try await service.runErasure(id, policy: policy, actor: "caseworker")
            }
            #expect(error?.message.hasPrefix("source 'shop': the database refused a change to address by id") == true, "\(String(describing: error))")
            #expect(error?.message.contains(backend == "postgres" ? "SQLSTATE 23514" : "SQLite") == true, "\(String(describing: error))")
            #expect(error?.field == "shop_db.address")
            #expect(error?.code == .unavailable)
            #expect(try await ShopDatabase.snapshot(handle) == before)
        }
    }

    @Test("a masking strategy the column cannot hold is refused in planning, naming the field and the strategy", arguments: backends)
    func impossibleMaskIsRefused(_ backend: String) async throws {
        try await Self.withShop(backend) { service, _, id, handle in
            let before = try await ShopDatabase.snapshot(handle)
            let tooLong = try await service.runErasure(id, policy: ErasurePolicy(strategies: ["user.name": .hmac]), actor: "caseworker", dryRun: true)
            let name = try #require(tooLong.steps.first { $0.collection == "customer" })
            #expect(name.action == .failed && name.field == "shop_db.customer.name")
            #expect(name.reason?.contains("hmac writes up to 64 characters, more than the 40") == true, "\(name)")
            let boolean = try await service.runErasure(
                id,
                policy: ErasurePolicy(strategies: ["shop_db.payment_card.preferred": .random]),
                actor: "caseworker"
            )
            let card = try #require(boolean.steps.first { $0.collection == "payment_card" })
            #expect(card.action == .failed && card.field == "shop_db.payment_card.preferred")
            #expect(boolean.rowsChanged == 0)
            #expect(try await ShopDatabase.snapshot(handle) == before)
        }
    }
}
