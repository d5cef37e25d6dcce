import Foundation
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

/// Tables of equality statistics: people counted once into every cell, noise added once, and the
/// budget that ε is spent from.
@Suite("Equality tables and their budget")
struct StatisticsTableTests {
    static func dimensions(rolledUp: Bool = false) throws -> [Tabulation.Dimension] {
        let lists = try EqualityCategoriesFile.load()
        return [
            Tabulation.Dimension(try #require(lists["sex"])), Tabulation.Dimension(try #require(lists["ethnic_group"]), rolledUp: rolledUp),
        ]
    }

    @Test("every combination of the lists' values is a cell, empty ones included; a person in two sources is counted once, by their first record")
    func counting() throws {
        let records = [
            Tabulation.Record(person: "ada", values: ["sex": "female", "ethnic_group": "black_african"]),
            Tabulation.Record(person: "bob", values: ["sex": "male", "ethnic_group": "white_british"]),
            // Ada again, from the library, recorded differently: her first record counts.
            Tabulation.Record(person: "ada", values: ["sex": "female", "ethnic_group": "prefer_not_to_say"]),
        ]
        let counts = try Tabulation.count(records, dimensions: try Self.dimensions())
        #expect(counts.counts.count == 3 * 20, "female, male and prefer not to say, by 19 groups and prefer not to say")
        #expect(counts.people == 2 && counts.duplicates == 1)
        #expect(counts.counts.reduce(0, +) == 2)
        let rolled = try Tabulation.count(records, dimensions: try Self.dimensions(rolledUp: true))
        #expect(rolled.counts.count == 3 * 6)
        #expect(rolled.counts.reduce(0, +) == 2)
    }

    @Test("a value outside a list is an error naming the dimension and how many records hold such values, never dropped")
    func valuesOutsideTheList() throws {
        let records =
            (0..<7).map { Tabulation.Record(person: "p\($0)", values: ["sex": "female", "ethnic_group": $0 < 3 ? "Whtie" : "white_irish"]) }
            + [Tabulation.Record(person: "q", values: ["sex": "F", "ethnic_group": "white_irish"])]
        do {
            _ = try Tabulation.count(records, dimensions: try Self.dimensions())
            Issue.record("values outside the lists were counted")
        } catch let error as StewardError {
            #expect(error.details.map(\.field) == ["ethnic_group", "sex"])
            #expect(error.details.first?.message == "3 records hold a value not in the list, such as 'Whtie'")
            #expect(error.details.last?.message.hasPrefix("1 record holds") == true)
        }
    }

    @Test("the published table keeps every cell, signed and never clamped; totals are the sums of the noisy cells")
    func publishing() throws {
        let records = (0..<500).map { index in
            Tabulation.Record(person: "p\(index)", values: ["sex": index.isMultiple(of: 2) ? "female" : "male", "ethnic_group": "white_british"])
        }
        let counts = try Tabulation.count(records, dimensions: try Self.dimensions())
        var generator = SeededGenerator(seed: 99)
        let table = NoisyTable.release(counts, epsilon: try PrivacyLoss(1, 2), using: &generator)
        #expect(table.counts.count == counts.counts.count)
        #expect(table.counts.contains { $0 < 0 }, "empty cells drawn below zero stay below zero")
        #expect(table.margin == DiscreteLaplace(epsilon: try PrivacyLoss(1, 2)).margin())
        #expect(
            table.total(axis: 0, code: "female") + table.total(axis: 0, code: "male") + table.total(axis: 0, code: "prefer_not_to_say") == table.total
        )
        #expect(table.codes(at: 0) == ["female", "asian_bangladeshi"])
        // A total over 100 cells at ε = 1/2: 1.96 × √(100 × 7.83), rounded up.
        #expect(table.totalMargin(cells: 100) == 55)
        #expect(table.codes(at: table.counts.count - 1) == ["prefer_not_to_say", "prefer_not_to_say"])
        // Noise is added once: the exact counts are not what was published.
        #expect(table.counts != counts.counts)
        #expect(DisplayRule.roundTo(5).show(-3) == "-5" && DisplayRule.roundTo(5).show(12) == "10")
        #expect(DisplayRule.fewerThan(10).show(7) == "fewer than 10")
    }

    @Test("ε adds up across a cycle's releases, a release that would overspend is refused with the numbers, and the budget is unchanged")
    func budget() throws {
        var budget = PrivacyBudget(dataset: "equalities", cycle: "2026-27", total: try PrivacyLoss(parsing: "2"))
        budget = try budget.spending(try PrivacyLoss(parsing: "0.5"), release: "R1", at: "2026-12-04")
        budget = try budget.spending(try PrivacyLoss(parsing: "1/3") + PrivacyLoss(parsing: "2/3"), release: "R2", at: "2026-12-05")
        #expect(budget.spentSoFar == (try PrivacyLoss(parsing: "1.5")))
        do {
            _ = try budget.spending(try PrivacyLoss(parsing: "0.75"), release: "R3", at: "2026-12-06")
            Issue.record("an overspend was allowed")
        } catch let error as StewardError {
            #expect(error.message.contains("asks ε = 0.75") && error.message.contains("only ε = 0.5 is left of ε = 2"), "\(error.message)")
        }
        #expect(budget.spent.count == 2)
        budget = try budget.spending(try PrivacyLoss(parsing: "0.5"), release: "R3", at: "2026-12-06")
        #expect(budget.answer(try PrivacyLoss(1, 1_000_000)) == .overspends(asked: try PrivacyLoss(1, 1_000_000), left: nil))
    }
}
