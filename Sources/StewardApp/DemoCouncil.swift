public import Foundation
public import Logging
public import StewardCore
public import StewardStore

/// The demo council's own databases: its council tax system as a SQLite file and its library
/// system as a folder of CSV exports, holding a few thousand fictional residents (the same every
/// time), registered as the sources of the demo data map's `council_tax_db` and `library_db`.
///
/// People live in households that share an address; some appear in both systems, under different
/// identifiers (the library knows many by another email address, and by their card number), as
/// they would at a real council. One of them, Ada Okafor, is the resident the README follows.
public enum DemoCouncil {
    /// How many residents the demo holds.
    public static let residents = 3_000

    /// The README's resident: in council tax by `email`, in the library by another address and
    /// by her card number.
    public static let walkthroughEmail = "ada.okafor@example.org"
    public static let walkthroughCard = "L0000001"

    /// Writes the databases into `folder` (made if missing; earlier copies are replaced) and
    /// registers each as a source, unless one is registered for its dataset already. Returns the
    /// sources registered now.
    public static func create(in folder: URL, store: Store, logger: Logger) async throws -> [DataSource] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let people = Self.people()
        let councilTax = folder.appendingPathComponent("council_tax.sqlite").path
        let library = folder.appendingPathComponent("library")
        try await SourceTable.writeSQLite(Self.councilTaxTables(people), to: councilTax, logger: logger)
        try SourceTable.writeCSV(Self.libraryTables(people), to: library)
        let existing = Set(try await store.sources().map(\.dataset))
        var added: [DataSource] = []
        for (id, name, kind, dataset, location) in [
            ("council_tax", "Council tax revenues (demo SQLite)", DataSource.Kind.sqlite, Dataset.Key("council_tax_db"), councilTax),
            ("library", "Library management (demo CSV exports)", .csv, Dataset.Key("library_db"), library.path),
        ] where !existing.contains(dataset) {
            added.append(try await store.addSource(id: id, name: name, kind: kind, dataset: dataset, location: location, actor: "demo"))
        }
        return added
    }

    // MARK: The residents

    struct Person {
        var forename: String
        var surname: String
        var dateOfBirth: String
        var email: String
        var phone: String
        var niNumber: String
        var household: Int
    }

    struct Household {
        var uprn: String
        var line1: String
        var town: String
        var postcode: String
    }

    /// SplitMix64: the same residents on every machine and every run.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    static let forenames = [
        "Ada", "Ben", "Chloe", "Dev", "Eilidh", "Farah", "George", "Hana", "Isaac", "Jade", "Kofi", "Leah", "Mohammed", "Niamh", "Owen", "Priya",
        "Quentin", "Rosa", "Samir", "Tegan", "Usman", "Violet", "Wei", "Xavier", "Yasmin", "Zach", "Amara", "Callum", "Imogen", "Tomasz",
    ]
    static let surnames = [
        "Okafor", "Smith", "Jones", "Patel", "Williams", "Brown", "Taylor", "Khan", "Davies", "Evans", "Wilson", "Nowak", "Thomas", "Roberts",
        "Ahmed", "Walker", "Wright", "Chen", "Hughes", "Green", "Hall", "Begum", "Clarke", "Jackson", "Murphy", "Kaur", "Edwards", "Singh",
    ]
    static let streets = [
        "Mill Lane", "Church Street", "Station Road", "Orchard Close", "Victoria Road", "Kingsway", "Meadow View", "Castle Hill", "Park Avenue",
        "Bridge Street", "Elm Grove", "The Crescent",
    ]
    static let towns = [("Casterbridge", "DT1"), ("Budmouth", "DT4"), ("Sherton Abbas", "DT9"), ("Wintoncester", "SO23"), ("Anglebury", "BH20")]

    static func households() -> [Household] {
        var random = Generator(state: 2026)
        return (0..<2_200).map { index in
            let (town, district) = random.pick(towns)
            return Household(
                uprn: String(100_040_000_000 + index * 7),
                line1: "\(1 + random.below(180)) \(random.pick(streets))",
                town: town,
                postcode:
                    "\(district) \(1 + random.below(9))\(random.pick(["A", "B", "D", "E", "F", "G", "H", "J"]))\(random.pick(["L", "N", "P", "Q", "R", "S", "T", "U"]))"
            )
        }
    }

    /// The residents; the first is Ada Okafor.
    static func people() -> [Person] {
        var random = Generator(state: 1_974)
        let letters = Array("ABCEGHJKLMNPRSTWXYZ")
        return (0..<residents).map { index in
            let forename = index == 0 ? "Ada" : random.pick(forenames)
            let surname = index == 0 ? "Okafor" : random.pick(surnames)
            let year = 1935 + random.below(70)
            let month = 1 + random.below(12)
            let day = 1 + random.below(28)
            let prefix = "\(letters[random.below(letters.count)])\(letters[random.below(letters.count)])"
            return Person(
                forename: forename,
                surname: surname,
                dateOfBirth: String(format: "%04d-%02d-%02d", year, month, day),
                email: index == 0 ? walkthroughEmail : "\(forename).\(surname).\(index)@example.org".lowercased(),
                phone: String(format: "07700 9%05d", index),
                niNumber: String(format: "%@%06d%@", prefix, 100_000 + index, String(random.pick(Array("ABCD")))),
                // Households of one to three: about 1.4 people a home, some sharing an address.
                household: index == 0 ? 0 : index * 2_200 / residents
            )
        }
    }

    // MARK: Council tax (SQLite)

    static func councilTaxTables(_ people: [Person]) -> [SourceTable] {
        var random = Generator(state: 77)
        // When accounts closed: apart, so the residents' own values stay as they were.
        var history = Generator(state: 6)
        let homes = households()
        var byHousehold: [Int: [Person]] = [:]
        for person in people { byHousehold[person.household, default: []].append(person) }
        var properties: [[String?]] = []
        var accounts: [[String?]] = []
        var transactions: [[String?]] = []
        var recovery: [[String?]] = []
        var transaction = 1
        for (index, home) in homes.enumerated() {
            let reference = String(format: "P%06d", index + 1)
            properties.append([reference, home.uprn, home.line1, nil, home.town, home.postcode, random.pick(["A", "B", "C", "D", "E"])])
            guard let liable = byHousehold[index]?.first else { continue }
            let joint = byHousehold[index]?.dropFirst().first
            let account = String(format: "CT%07d", index + 1)
            let balance = random.chance(8) ? Double(50 + random.below(900)) : 0
            // Some households moved away: most long enough ago for the schedule's six years to have run.
            let closedYear: Int? = index == 0 ? nil : history.chance(15) ? 2015 + history.below(5) : history.chance(6) ? 2023 : nil
            let closedOn = closedYear.map { String(format: "%04d-%02d-%02d", $0, 1 + history.below(12), 1 + history.below(28)) }
            accounts.append([
                account, reference, "\(liable.forename) \(liable.surname)", joint.map { "\($0.forename) \($0.surname)" }, liable.dateOfBirth,
                liable.niNumber, liable.email, liable.phone, nil, joint == nil ? "1" : "0", "0",
                random.chance(10) ? String(format: "%.2f", Double(5 + random.below(25))) : nil,
                random.chance(70) ? "\(liable.forename) \(liable.surname)" : nil,
                random.chance(70) ? "30-\(10 + random.below(89))-\(10 + random.below(89))" : nil,
                random.chance(70) ? String(format: "%08d", random.below(99_999_999)) : nil, String(format: "%.2f", balance),
                closedYear.map { "\($0 - 3)-04-01" } ?? "20\(10 + random.below(15))-04-01", closedOn,
            ])
            for month in 1...(2 + random.below(3)) {
                transactions.append([
                    "\(transaction)", account, month == 1 ? "charge" : "payment", String(format: "%.2f", month == 1 ? 1_850.0 : -154.17),
                    month == 1 ? nil : random.pick(["direct_debit", "card", "cash"]),
                    String(format: "%04d-%02d-01T09:00:00Z", closedYear ?? 2026, month),
                ])
                transaction += 1
            }
            if balance > 0 {
                recovery.append([
                    "\(recovery.count + 1)", account, random.pick(["reminder", "summons", "liability_order"]), String(format: "%.2f", balance), nil,
                    nil, closedYear.map { "\($0)-06-01" } ?? "2026-06-01",
                ])
            }
        }
        return [
            SourceTable(
                name: "properties",
                columns: [
                    ("property_ref", .text), ("uprn", .text), ("address_line_1", .text), ("address_line_2", .text), ("address_town", .text),
                    ("address_postcode", .text), ("valuation_band", .text),
                ],
                rows: properties
            ),
            SourceTable(
                name: "accounts",
                columns: [
                    ("account_ref", .text), ("property_ref", .text), ("liable_party_name", .text), ("joint_liable_party_name", .text),
                    ("date_of_birth", .date), ("ni_number", .text), ("email", .text), ("phone", .text), ("forwarding_address", .text),
                    ("single_person_discount", .boolean), ("severe_mental_impairment_disregard", .boolean), ("council_tax_reduction_weekly", .real),
                    ("direct_debit_account_holder", .text), ("direct_debit_sort_code", .text), ("direct_debit_account_number", .text),
                    ("balance", .real), ("liability_start_date", .date), ("account_closed_on", .date),
                ],
                rows: accounts
            ),
            SourceTable(
                name: "transactions",
                columns: [
                    ("transaction_id", .integer), ("account_ref", .text), ("transaction_type", .text), ("amount", .real), ("payment_method", .text),
                    ("posted_at", .datetime),
                ],
                rows: transactions
            ),
            SourceTable(
                name: "recovery_actions",
                columns: [
                    ("action_id", .integer), ("account_ref", .text), ("stage", .text), ("amount_outstanding", .real), ("liability_order_date", .date),
                    ("enforcement_agent_ref", .text), ("action_date", .date),
                ],
                rows: recovery
            ),
        ]
    }

    // MARK: Library (CSV)

    static func libraryTables(_ people: [Person]) -> [SourceTable] {
        var random = Generator(state: 451)
        // Lapsed memberships, returned loans and old sessions: apart, so the residents' own values stay as they were.
        var history = Generator(state: 12)
        let homes = households()
        var borrowers: [[String?]] = []
        var loans: [[String?]] = []
        var sessions: [[String?]] = []
        for (index, person) in people.enumerated() where index == 0 || random.chance(40) {
            let id = borrowers.count + 1
            let home = homes[person.household]
            // Many joined with another address than the one council tax knows, or none.
            let email: String? =
                index == 0 || random.chance(35)
                ? "\(person.forename.prefix(1)).\(person.surname)@mail.example".lowercased() : random.chance(80) ? person.email : nil
            let card = index == 0 ? walkthroughCard : String(format: "L%07d", 1 + index)
            let lapsed: String? =
                index == 0 ? nil : history.chance(15) ? String(format: "%04d-%02d-15", 2021 + history.below(3), 1 + history.below(12)) : nil
            borrowers.append([
                "\(id)", card, "$2b$12$demo.demo.demo.demo.demo.demo.demo.demo.demo.demo.demo.", person.forename, person.surname, person.dateOfBirth,
                email, random.chance(60) ? person.phone : nil, home.line1, home.town, home.postcode, random.pick(["Central", "Budmouth", "Sherton"]),
                random.chance(30) ? "1" : "0", nil, nil, "20\(10 + random.below(15))-0\(1 + random.below(9))-15", lapsed,
            ])
            for _ in 0..<(index == 0 ? 2 : random.below(4)) {
                var loan: [String?] = [
                    "\(loans.count + 1)", "\(id)", String(format: "B%08d", random.below(99_999_999)),
                    random.pick(["Far from the Madding Crowd", "The Mayor of Casterbridge", "A Brief History of Time", "Wolf Hall", "The Gruffalo"]),
                    "2026-11-0\(1 + random.below(9))T10:30:00Z", "2026-12-2\(random.below(8))", nil, random.chance(10) ? "0.60" : "0.00",
                ]
                // Most loans of other residents were returned, many long enough ago for the 30 days to have run.
                if index != 0, history.chance(70) {
                    let month = 1 + history.below(10)
                    let year = history.chance(70) ? 2025 : 2026
                    loan[4] = String(format: "%04d-%02d-02T10:30:00Z", year, month)
                    loan[5] = String(format: "%04d-%02d-23", year, month)
                    loan[6] = String(format: "%04d-%02d-%02dT16:00:00Z", year, month, 10 + history.below(12))
                }
                loans.append(loan)
            }
            for _ in 0..<(random.chance(25) ? 1 + random.below(2) : 0) {
                var session: [String?] = [
                    "\(sessions.count + 1)", "\(id)", "PC-\(1 + random.below(12))", nil, "2026-11-1\(random.below(9))T14:00:00Z",
                    "2026-11-1\(random.below(9))T15:00:00Z",
                ]
                if index != 0, history.chance(60) {
                    let day = String(format: "2026-%02d-%02d", 2 + history.below(6), 1 + history.below(28))
                    session[4] = "\(day)T14:00:00Z"
                    session[5] = "\(day)T15:00:00Z"
                }
                sessions.append(session)
            }
        }
        return [
            SourceTable(
                name: "borrowers",
                columns: [
                    ("borrower_id", .integer), ("card_number", .text), ("pin_hash", .text), ("forename", .text), ("surname", .text),
                    ("date_of_birth", .date),
                    ("email", .text), ("phone", .text), ("address_line_1", .text), ("address_town", .text), ("address_postcode", .text),
                    ("home_library", .text), ("newsletter_opted_in", .boolean), ("newsletter_consented_at", .datetime),
                    ("newsletter_withdrawn_at", .datetime), ("joined_on", .date), ("membership_lapsed_on", .date),
                ],
                rows: borrowers
            ),
            SourceTable(
                name: "loans",
                columns: [
                    ("loan_id", .integer), ("borrower_id", .integer), ("item_barcode", .text), ("title", .text), ("issued_at", .datetime),
                    ("due_on", .date),
                    ("returned_at", .datetime), ("charges_outstanding", .real),
                ],
                rows: loans
            ),
            SourceTable(
                name: "computer_sessions",
                columns: [
                    ("session_id", .integer), ("borrower_id", .integer), ("pc_name", .text), ("device_mac_address", .text), ("started_at", .datetime),
                    ("ended_at", .datetime),
                ],
                rows: sessions
            ),
        ]
    }
}
