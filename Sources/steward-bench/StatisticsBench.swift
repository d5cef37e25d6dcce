import Foundation
import StewardCore
import StewardFiles

/// Equality statistics at the size the issue sets: 1,000,000 synthetic people counted into
/// 18 age bands × 2 sexes × 19 ethnic groups × 50 wards (34,200 cells), then published at ε = 1.
enum StatisticsBench {
    struct Result {
        /// Counting the records into the cells, Steward's `Tabulation`, and a bare loop over
        /// integer codes doing the same counting (the floor), in seconds.
        var tabulation: Double
        var floor: Double
        /// Making the noisy table from the counts, median of 5, in seconds.
        var noise: Double
        /// Mean absolute error per cell, over the 5 releases.
        var meanAbsoluteError: Double
        var cells: Int
    }

    static func run(people: Int = 1_000_000) throws -> Result {
        let lists = try EqualityCategoriesFile.load()
        func axis(_ key: CategoryList.Key) throws -> Tabulation.Dimension {
            guard let list = lists[key] else { throw StewardError(.internal, "the \(key) list is missing") }
            // The categories alone, without "prefer not to say", as the workload has them.
            return Tabulation.Dimension(
                name: key.rawValue,
                values: list.categories,
                mapping: Dictionary(uniqueKeysWithValues: list.categories.map { ($0.code, $0.code) })
            )
        }
        let wards = (1...50).map { CategoryList.Category(code: "W\($0)", label: "Ward \($0)") }
        let dimensions = [
            try axis("age"), try axis("sex"), try axis("ethnic_group"),
            Tabulation.Dimension(name: "ward", values: wards, mapping: Dictionary(uniqueKeysWithValues: wards.map { ($0.code, $0.code) })),
        ]
        var generator = SystemRandomNumberGenerator()
        let picks = (0..<people).map { _ in dimensions.map { Int.random(in: 0..<$0.values.count, using: &generator) } }
        let records = picks.enumerated().map { index, pick in
            Tabulation.Record(
                person: "P\(index)",
                values: Dictionary(uniqueKeysWithValues: zip(dimensions, pick).map { ($0.name, $0.values[$1].code) })
            )
        }
        var counts: Tabulation.Counts?
        let tabulation = try time { counts = try Tabulation.count(records, dimensions: dimensions) }
        guard let counts else { throw StewardError(.internal, "no counts") }
        // The floor: the same cells counted from integer codes with nothing checked.
        var floorCounts = [Int](repeating: 0, count: counts.counts.count)
        let sizes = dimensions.map(\.values.count)
        let floor = time {
            var seen = Set<Int>()
            for (index, pick) in picks.enumerated() {
                guard seen.insert(index).inserted else { continue }
                var cell = 0
                for (position, value) in pick.enumerated() { cell = cell * sizes[position] + value }
                floorCounts[cell] += 1
            }
        }
        precondition(floorCounts == counts.counts, "the floor counted differently")
        let epsilon = try PrivacyLoss(1, 1)
        var timings: [Double] = []
        var errors: [Double] = []
        for _ in 0..<5 {
            var table: NoisyTable?
            timings.append(time { table = NoisyTable.release(counts, epsilon: epsilon) })
            let noisy = table?.counts ?? []
            errors.append(Double(zip(noisy, counts.counts).map { abs($0 - $1) }.reduce(0, +)) / Double(noisy.count))
        }
        return Result(
            tabulation: tabulation,
            floor: floor,
            noise: timings.sorted()[2],
            meanAbsoluteError: errors.reduce(0, +) / Double(errors.count),
            cells: counts.counts.count
        )
    }

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
