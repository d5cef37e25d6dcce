public import Foundation
import Logging
import SQLKit
import StewardApp
public import StewardCore
import StewardFiles
public import StewardStore

/// A small council for the search and access tests: a housing database, a benefits database and a
/// library export, each one dataset of one system.
public enum CouncilFixture {
    public static func field(
        _ name: String,
        identity: IdentityKind.Key? = nil,
        type: Dataset.DataType.Base = .string,
        primaryKey: Bool = false,
        references: [Dataset.Reference] = [],
        categories: [DataCategory.Key] = ["user"],
        readOnly: Bool = false,
        shared: Bool = false,
        fields: [Dataset.Field] = []
    ) -> Dataset.Field {
        Dataset.Field(
            name: name,
            description: nil,
            dataCategories: categories,
            identity: identity,
            references: references,
            isPrimaryKey: primaryKey,
            dataType: fields.isEmpty ? .init(base: type) : .init(base: .object),
            isReadOnly: readOnly,
            isShared: shared,
            fields: fields
        )
    }

    public static func collection(_ name: String, _ fields: [Dataset.Field]) -> Dataset.Collection {
        Dataset.Collection(name: name, description: nil, fields: fields, skipProcessing: false)
    }

    public static func reference(
        _ dataset: String,
        _ collection: String,
        _ field: String,
        _ direction: Dataset.Reference.Direction?
    ) -> Dataset.Reference {
        Dataset.Reference(dataset: .init(dataset), collection: collection, field: field, direction: direction)
    }

    public static let datasets: [Dataset] = [
        Dataset(
            key: "housing_db",
            name: "Housing",
            description: nil,
            collections: [
                collection(
                    "tenants",
                    [
                        field("id", type: .integer, primaryKey: true), field("email", identity: "email"), field("name"),
                        field("ni_number", identity: "ni_number"), field("next_of_kin", categories: ["user.third_party.family_member"]),
                    ]
                ),
                collection(
                    "tenancies",
                    [
                        field("id", type: .integer, primaryKey: true),
                        field("tenant_id", type: .integer, references: [reference("housing_db", "tenants", "id", .from)]),
                        field("uprn"),
                    ]
                ),
            ]
        ),
        Dataset(
            key: "benefits_db",
            name: "Benefits",
            description: nil,
            collections: [
                collection(
                    "claimants",
                    [
                        field("id", type: .integer, primaryKey: true), field("ni_number", identity: "ni_number", readOnly: true),
                        // No direction: a UPRN leads both ways, which makes a cycle the search must end. A
                        // UPRN is an address, shared by everyone living there: a claimant found by one is
                        // the person's only when their NI number confirms it.
                        field("uprn", references: [reference("housing_db", "tenancies", "uprn", nil)], shared: true),
                    ]
                ),
                collection(
                    "payments",
                    [
                        field("id", type: .integer, primaryKey: true),
                        field("claimant_id", type: .integer, references: [reference("benefits_db", "claimants", "id", .from)]), field("amount"),
                    ]
                ),
            ]
        ),
        Dataset(
            key: "library_csv",
            name: "Library export",
            description: nil,
            collections: [
                collection("members", [field("member_no", primaryKey: true), field("email", identity: "email"), field("phone")]),
                collection(
                    "loans",
                    [field("loan_id", primaryKey: true), field("member_no", references: [reference("library_csv", "members", "member_no", .from)])]
                ),
            ]
        ),
    ]

    public static func searchMap(_ datasets: [Dataset]) -> DataMap {
        DataMap(
            controller: Controller(name: "Test council"),
            systems: [],
            datasets: datasets,
            purposes: [],
            recipients: [],
            retention: [],
            customIdentities: []
        )
    }

    /// The council of the search tests: three systems, each with one dataset held in one source.
    public static func dataMap(_ datasets: [Dataset] = CouncilFixture.datasets) -> DataMap {
        let purposes = [
            Purpose(
                key: "housing",
                name: "Managing council tenancies",
                description: nil,
                dataUse: "public_service",
                lawfulBasis: .publicTask,
                legislation: "Housing Act 1985",
                specialCondition: nil,
                criminalOffenceCondition: nil,
                dataCategories: ["user.name", "user.contact"],
                dataSubjects: ["resident"],
                sources: ["the tenant"]
            ),
            Purpose(
                key: "benefits",
                name: "Paying housing benefit",
                description: nil,
                dataUse: "public_service",
                lawfulBasis: .legalObligation,
                legislation: "Social Security Administration Act 1992",
                specialCondition: nil,
                criminalOffenceCondition: nil,
                dataCategories: ["user.financial"],
                dataSubjects: ["resident"]
            ),
            Purpose(
                key: "library",
                name: "Library membership and events newsletter",
                description: nil,
                dataUse: "public_service",
                lawfulBasis: .consent,
                legislation: nil,
                specialCondition: nil,
                criminalOffenceCondition: nil,
                dataCategories: ["user.contact"],
                dataSubjects: ["library_member"]
            ),
        ]
        func system(_ key: String, _ name: String, _ dataset: String, _ purpose: String) -> System {
            System(
                key: .init(key),
                name: name,
                description: nil,
                department: "\(name) team",
                hostingCountry: "GB",
                processor: nil,
                datasets: [.init(dataset)],
                purposes: [.init(purpose)],
                dataSubjects: ["resident"],
                securityMeasures: nil
            )
        }
        return DataMap(
            controller: Controller(name: "Wessex County Council"),
            systems: [
                system("housing", "Housing management", "housing_db", "housing"), system("benefits", "Benefits", "benefits_db", "benefits"),
                system("library", "Library", "library_csv", "library"),
            ],
            datasets: datasets,
            purposes: purposes,
            recipients: [
                Recipient(
                    key: "dwp",
                    name: "Department for Work and Pensions",
                    description: nil,
                    kind: .thirdParty,
                    country: "GB",
                    dpfCertified: false,
                    agreements: [
                        .init(
                            kind: .sharingAgreement,
                            reference: "DWP-HB-01",
                            categories: ["user.financial"],
                            purposes: ["benefits"],
                            starts: CalendarDate(year: 2020, month: 1, day: 1)!,
                            ends: nil
                        )
                    ]
                ),
                // Never disclosed to: told of nothing.
                Recipient(
                    key: "housing_ombudsman",
                    name: "Housing Ombudsman",
                    description: nil,
                    kind: .thirdParty,
                    country: "GB",
                    dpfCertified: false,
                    agreements: [
                        .init(
                            kind: .sharingAgreement,
                            reference: "HO-01",
                            categories: ["user.name"],
                            purposes: ["housing"],
                            starts: CalendarDate(year: 2020, month: 1, day: 1)!,
                            ends: nil
                        )
                    ]
                ),
            ],
            retention: [],
            customIdentities: []
        )
    }
}

/// Three council systems holding one person and three others (one of them at the person's own
/// address): a housing database on PostgreSQL, a benefits database in a SQLite file, and a library
/// export as CSV files.
public struct CouncilSources: Sendable {
    public var housing: TestDatabase
    public var benefitsPath: String
    public var libraryFolder: URL
    public var folder: URL

    public static func with(_ body: (CouncilSources) async throws -> Void) async throws {
        let logger = Logger(label: "test")
        let housing = try await TestDatabase.makeCouncilPostgres()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-sources-\(UUID().uuidString)")
        let sources = CouncilSources(
            housing: housing,
            benefitsPath: folder.appendingPathComponent("benefits.sqlite").path,
            libraryFolder: folder.appendingPathComponent("library"),
            folder: folder
        )
        do {
            try FileManager.default.createDirectory(at: sources.libraryFolder, withIntermediateDirectories: true)
            let housingHandle = try await openDatabase(housing.location, logger: logger)
            try await housingHandle.write { database in
                for statement in [
                    "CREATE TABLE tenants (id INTEGER PRIMARY KEY, email TEXT, name TEXT, ni_number TEXT, next_of_kin TEXT, processing_restricted BOOLEAN NOT NULL DEFAULT FALSE)",
                    "CREATE TABLE tenancies (id INTEGER PRIMARY KEY, tenant_id INTEGER REFERENCES tenants (id), uprn TEXT)",
                    "CREATE INDEX tenancies_tenant ON tenancies (tenant_id)",
                    "INSERT INTO tenants (id, email, name, ni_number, next_of_kin) VALUES (1, 'amy@example.org', 'Amy Pond', 'QQ 12 34 56 C', 'Mrs Pond (mother)'), (2, 'rory@example.org', 'Rory Williams', NULL, NULL), (3, 'x'' OR ''1''=''1', 'Trap', NULL, NULL)",
                    "INSERT INTO tenancies VALUES (10, 1, '100023336956'), (11, 2, '100023336957'), (12, 1, '100023336958')",
                ] {
                    try await database.raw(SQLQueryString(statement)).run()
                }
            }
            await housingHandle.close()
            let benefitsHandle = try await openDatabase(.sqlite(path: sources.benefitsPath), logger: logger)
            try await benefitsHandle.write { database in
                for statement in [
                    "CREATE TABLE claimants (id INTEGER PRIMARY KEY, ni_number TEXT, uprn TEXT)",
                    "CREATE TABLE payments (id INTEGER PRIMARY KEY, claimant_id INTEGER, amount TEXT)",
                    // Claimant 9 lives with the person, at the same address.
                    "INSERT INTO claimants VALUES (7, 'QQ123456C', '100023336956'), (8, 'AB123456D', '100023336999'), (9, 'CD123456A', '100023336956')",
                    "INSERT INTO payments VALUES (70, 7, '120.50'), (71, 7, '98.10'), (80, 8, '300.00'), (90, 9, '45.00')",
                ] {
                    try await database.raw(SQLQueryString(statement)).run()
                }
            }
            await benefitsHandle.close()
            try "member_no,email,phone\r\nM1,amy@example.org,\"01632 960000\"\r\nM2,clara@example.org,\"01632, 960001\"\r\n"
                .write(to: sources.libraryFolder.appendingPathComponent("members.csv"), atomically: true, encoding: .utf8)
            try "loan_id,member_no\nL1,M1\nL2,M2\nL3,M1\n".write(
                to: sources.libraryFolder.appendingPathComponent("loans.csv"),
                atomically: true,
                encoding: .utf8
            )
            try await body(sources)
        } catch {
            await housing.destroy()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        await housing.destroy()
        try? FileManager.default.removeItem(at: folder)
    }
}

extension CouncilSources {
    /// Registers the three sources in a store whose data map is `CouncilFixture.dataMap()`.
    public func register(in store: Store) async throws {
        guard case .postgres(let housingURL) = housing.location else { return }
        _ = try await store.addSource(
            id: "housing",
            name: "Housing database",
            kind: .postgres,
            dataset: "housing_db",
            location: housingURL,
            actor: "dpo"
        )
        _ = try await store.addSource(id: "benefits", name: "Benefits", kind: .sqlite, dataset: "benefits_db", location: benefitsPath, actor: "dpo")
        _ = try await store.addSource(
            id: "library",
            name: "Library export",
            kind: .csv,
            dataset: "library_csv",
            location: libraryFolder.path,
            actor: "dpo"
        )
    }

    /// The request service over `store`, as Steward assembles it, with its own letters and bank
    /// holidays and any legal holds.
    public static func requestService(_ store: Store, legalHolds: Set<String> = []) throws -> RequestService {
        var configuration = StewardConfiguration()
        configuration.legalHolds = legalHolds
        return try StewardServices(store: store, configuration: configuration).requests
    }
}
