/// A table as it is published: every cell's count with discrete Laplace noise added once, signed
/// and never clamped (a negative count is what the noise made; clamping would bias small cells),
/// and the same 95% margin for every cell. Totals are sums of the noisy cells, so they add up and
/// spend no further ε; rounding and "fewer than" are display rules applied afterwards, and said.
public struct NoisyTable: Sendable, Hashable, Codable {
    public struct Axis: Sendable, Hashable, Codable {
        public var name: String
        public var codes: [String]
        public var labels: [String]
    }

    public var axes: [Axis]
    /// The noisy counts, in the order of the axes' values (the last axis varying fastest).
    public var counts: [Int]
    public var epsilon: PrivacyLoss
    /// Each count is within ± this of the true one with 95% probability.
    public var margin: Int

    /// Adds noise to every cell of `counts`, once.
    public static func release(_ counts: Tabulation.Counts, epsilon: PrivacyLoss, using generator: inout some RandomNumberGenerator) -> NoisyTable {
        let noise = DiscreteLaplace(epsilon: epsilon)
        return NoisyTable(
            axes: counts.dimensions.map { Axis(name: $0.name, codes: $0.values.map(\.code), labels: $0.values.map(\.label)) },
            counts: counts.counts.map { $0 + noise.sample(using: &generator) },
            epsilon: epsilon,
            margin: noise.margin()
        )
    }

    /// Adds noise from the system's cryptographically secure generator.
    public static func release(_ counts: Tabulation.Counts, epsilon: PrivacyLoss) -> NoisyTable {
        var generator = SecureRandom()
        return release(counts, epsilon: epsilon, using: &generator)
    }

    /// The codes of the cell at `index`, one per axis.
    public func codes(at index: Int) -> [String] {
        var rest = index
        var codes = [String](repeating: "", count: axes.count)
        for (position, axis) in axes.enumerated().reversed() {
            codes[position] = axis.codes[rest % axis.codes.count]
            rest /= axis.codes.count
        }
        return codes
    }

    /// The sum of the noisy cells whose value on `axis` is `code`: a total that adds up with the
    /// others exactly, at no further cost in ε.
    public func total(axis: Int, code: String) -> Int {
        counts.indices.filter { codes(at: $0)[axis] == code }.reduce(0) { $0 + counts[$1] }
    }

    /// The sum of every noisy cell.
    public var total: Int { counts.reduce(0, +) }

    /// The 95% margin of a total over `cells` cells, approximately (the noise of a sum of many
    /// cells is near normal): ±1.96·σ·√cells.
    public func totalMargin(cells: Int) -> Int {
        Int((1.96 * (DiscreteLaplace(epsilon: epsilon).variance * Double(cells)).squareRoot()).rounded(.up))
    }
}

/// How a published count is shown: post-processing of the noisy count, which costs no ε and is
/// always said in the release notes.
public enum DisplayRule: Sendable, Hashable, Codable {
    /// The noisy count as it is, negative ones included.
    case asDrawn
    /// Rounded to the nearest multiple.
    case roundTo(Int)
    /// Counts below the threshold shown as "fewer than" it.
    case fewerThan(Int)

    public func show(_ count: Int) -> String {
        switch self {
        case .asDrawn: return "\(count)"
        case .roundTo(let step):
            guard step > 1 else { return "\(count)" }
            let rounded = Int((Double(count) / Double(step)).rounded()) * step
            return "\(rounded)"
        case .fewerThan(let threshold): return count < threshold ? "fewer than \(threshold)" : "\(count)"
        }
    }

    /// The rule in words, for the release notes.
    public var words: String {
        switch self {
        case .asDrawn:
            "Counts are shown as drawn, including any below zero: the noise can take a small count under zero, and leaving it so keeps totals unbiased."
        case .roundTo(let step): "Counts are rounded to the nearest \(step) after the noise is added."
        case .fewerThan(let threshold): "Counts below \(threshold) after the noise is added are shown as \"fewer than \(threshold)\"."
        }
    }
}
