import Foundation
import StewardCore
import StewardTestSupport
import Testing

/// The noise equality statistics are published with: exact discrete Laplace sampling, and why it
/// defeats the attacks small-number suppression does not.
@Suite("Discrete Laplace noise")
struct DiscreteLaplaceTests {
    /// Pearson's χ² of `draws` against the distribution, over the values −m…m and the two tails.
    static func chiSquare(_ draws: [Int], _ distribution: DiscreteLaplace, bins m: Int) -> (statistic: Double, degreesOfFreedom: Int) {
        var observed = [Int: Int]()
        for draw in draws { observed[max(-m - 1, min(m + 1, draw)), default: 0] += 1 }
        let total = Double(draws.count)
        var statistic = 0.0
        let inner = (-m...m).map { distribution.probability(of: $0) }
        let tail = (1 - inner.reduce(0, +)) / 2
        for (bin, probability) in zip(-m - 1...m + 1, [tail] + inner + [tail]) {
            let expected = probability * total
            let difference = Double(observed[bin] ?? 0) - expected
            statistic += difference * difference / expected
        }
        return (statistic, 2 * m + 2)
    }

    /// The χ² value exceeded with probability 0.001 (Wilson–Hilferty).
    static func critical(degreesOfFreedom k: Int) -> Double {
        let z = 3.090
        let k = Double(k)
        return k * pow(1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot(), 3)
    }

    @Test("ε is exact: decimals and fractions are read as fractions, add up, and anything else is refused naming the field")
    func privacyLoss() throws {
        #expect(try PrivacyLoss(parsing: "0.5") == PrivacyLoss(1, 2))
        #expect(try PrivacyLoss(parsing: "1/3") + PrivacyLoss(parsing: "1/6") == PrivacyLoss(1, 2))
        #expect(try PrivacyLoss(parsing: "0.1") + PrivacyLoss(parsing: "0.2") == PrivacyLoss(parsing: "0.3"), "no floating point")
        #expect(try PrivacyLoss(parsing: "0.25").description == "0.25")
        #expect(try PrivacyLoss(parsing: "1/3").description == "1/3")
        #expect(try PrivacyLoss(parsing: "1") - PrivacyLoss(parsing: "0.25") == (try PrivacyLoss(parsing: "0.75")))
        #expect(try PrivacyLoss(parsing: "0.5") - PrivacyLoss(parsing: "1/2") == nil, "nothing left")
        #expect(PrivacyLoss.sum([]) == nil)
        for bad in ["0", "-1", "11", "e", "1/0", "0.0000001", ".", "1e-3", "½"] {
            #expect(throws: StewardError.self, "\(bad)") { try PrivacyLoss(parsing: bad, field: "tables[0].epsilon") }
        }
        do {
            _ = try PrivacyLoss(parsing: "zero", field: "tables[0].epsilon")
        } catch let error as StewardError {
            #expect(error.field == "tables[0].epsilon")
        }
    }

    @Test(
        "a hundred thousand draws fit the discrete Laplace distribution (χ² at the 0.1% level), for whole and fractional ε",
        arguments: ["1", "0.5", "1/3", "2", "0.1"]
    )
    func fitsTheDistribution(epsilon: String) throws {
        let distribution = DiscreteLaplace(epsilon: try PrivacyLoss(parsing: epsilon))
        var generator = SeededGenerator(seed: 20_261_204)
        let draws = (0..<100_000).map { _ in distribution.sample(using: &generator) }
        // Bins out to where about 20 draws are expected, the rest in the tails.
        let bins = max(1, (1...200).last { 2 * distribution.probability(of: $0) * 100_000 >= 20 } ?? 1)
        let (statistic, degrees) = Self.chiSquare(draws, distribution, bins: bins)
        #expect(statistic < Self.critical(degreesOfFreedom: degrees), "χ² \(statistic) on \(degrees) degrees of freedom")
        // Symmetric, centred on zero, and as large on average as the formula says.
        let mean = Double(draws.reduce(0, +)) / 100_000
        #expect(abs(mean) < 0.05 / distribution.epsilon.value)
        let absolute = Double(draws.map(abs).reduce(0, +)) / 100_000
        #expect(abs(absolute - distribution.meanAbsoluteError) / distribution.meanAbsoluteError < 0.03)
    }

    @Test("the test can fail: draws at ε = 1 do not fit the distribution at ε = 0.8")
    func theTestDiscriminates() throws {
        let drawn = DiscreteLaplace(epsilon: try PrivacyLoss(1, 1))
        var generator = SeededGenerator(seed: 7)
        let draws = (0..<100_000).map { _ in drawn.sample(using: &generator) }
        let (statistic, degrees) = Self.chiSquare(draws, DiscreteLaplace(epsilon: try PrivacyLoss(4, 5)), bins: 8)
        #expect(statistic > Self.critical(degreesOfFreedom: degrees))
    }

    @Test("the 95% margin holds 95% of the noise, and the mean error at ε = 1 is the 0.85 OpenDP measures")
    func margins() throws {
        let one = DiscreteLaplace(epsilon: try PrivacyLoss(1, 1))
        #expect(abs(one.meanAbsoluteError - 0.851) < 0.001)
        let margin = one.margin()
        let inside = (-margin...margin).map(one.probability(of:)).reduce(0, +)
        let narrower = (-(margin - 1)...(margin - 1)).map(one.probability(of:)).reduce(0, +)
        #expect(inside >= 0.95 && narrower < 0.95, "±\(margin)")
        #expect(margin == 3)
        #expect(try DiscreteLaplace(epsilon: PrivacyLoss(1, 10)).margin() == 30)
    }

    @Test(
        "differencing two tables recovers every small count exactly when counts under 5 are suppressed and totals shown; from noisy tables it recovers few"
    )
    func differencingAttack() throws {
        var generator = SeededGenerator(seed: 42)
        // 2,000 wards, each with a few children (under 16) and many adults.
        let wards = (0..<2_000).map { _ in (children: Int.random(in: 0...4, using: &generator), adults: Int.random(in: 20...400, using: &generator)) }
        // Suppression: the children's cell is hidden (under 5), but "all ages" and "16 and over"
        // are both published, so all ages minus 16+ gives it back.
        let suppressedRecovered = wards.filter { ward in
            let allAges = ward.children + ward.adults
            let sixteenPlus = ward.adults
            return allAges - sixteenPlus == ward.children
        }.count
        #expect(suppressedRecovered == wards.count)
        // Steward: every cell noisy, each table's total the sum of its noisy cells.
        let noise = DiscreteLaplace(epsilon: try PrivacyLoss(1, 2))
        let noisyRecovered = wards.filter { ward in
            let allAges = ward.children + noise.sample(using: &generator) + ward.adults + noise.sample(using: &generator)
            let sixteenPlus = ward.adults + noise.sample(using: &generator)
            return allAges - sixteenPlus == ward.children
        }.count
        // Exactly right only when the noise happens to cancel: about 10% of wards at ε = 1/2 per
        // table, and the attacker cannot tell which.
        #expect(Double(noisyRecovered) / Double(wards.count) < 0.15, "\(noisyRecovered) of \(wards.count)")
        // Asking again does not average the noise away: a release is stored and served again,
        // never drawn afresh (the ledger's job), so the attacker sees one draw per cell.
    }
}
