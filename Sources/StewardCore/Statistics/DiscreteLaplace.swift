import Foundation

/// The discrete Laplace (two-sided geometric) distribution with privacy loss ε: P(k) is
/// proportional to exp(−ε·|k|) for every integer k. Added to a count that one person can change
/// by at most 1, it makes the count ε-differentially private (pure DP).
///
/// Sampling is exact and in integer arithmetic only, by the algorithm of Canonne, Kamath and
/// Steinke, "The Discrete Gaussian for Differential Privacy" (2020), §5, as OpenDP samples it:
/// Bernoulli trials with rational probabilities drawn from uniform integers, so no floating-point
/// rounding shapes the noise (the leak Mironov found in floating-point Laplace, 2012). The random
/// integers come from the generator given: the system's cryptographically secure one in every
/// release (`SecureRandom`, `getrandom` on Linux); tests may give a seeded one.
public struct DiscreteLaplace: Sendable, Hashable {
    public let epsilon: PrivacyLoss

    public init(epsilon: PrivacyLoss) {
        self.epsilon = epsilon
    }

    /// One draw. With ε = s/t, this is the paper's Algorithm 2 with scale t/s.
    public func sample(using generator: inout some RandomNumberGenerator) -> Int {
        let s = epsilon.numerator
        let t = epsilon.denominator
        while true {
            let u = Int.random(in: 0..<t, using: &generator)
            guard Self.bernoulliExpMinus(u, over: t, using: &generator) else { continue }
            var v = 0
            while Self.bernoulliExpMinus(1, over: 1, using: &generator) { v += 1 }
            let x = u + t * v
            let y = x / s
            let negative = Bool.random(using: &generator)
            if negative && y == 0 { continue }
            return negative ? -y : y
        }
    }

    /// One draw from the system's cryptographically secure generator.
    public func sample() -> Int {
        var generator = SecureRandom()
        return sample(using: &generator)
    }

    /// True with probability exp(−n/d), exactly (the paper's Algorithm 1): for n/d ≤ 1, the
    /// parity of the first k with Bernoulli(n/(d·k)) false; above 1, one Bernoulli(exp(−1)) per
    /// whole unit first.
    static func bernoulliExpMinus(_ numerator: Int, over denominator: Int, using generator: inout some RandomNumberGenerator) -> Bool {
        var numerator = numerator
        while numerator > denominator {
            guard bernoulliExpMinus(1, over: 1, using: &generator) else { return false }
            numerator -= denominator
        }
        var k = 1
        while true {
            // Bernoulli(n / (d·k)); d·k cannot reach overflow in practice (k grows with
            // probability 1/k!), and if it did the trial would be false.
            let (trials, overflow) = denominator.multipliedReportingOverflow(by: k)
            if overflow || Int.random(in: 0..<trials, using: &generator) >= numerator { break }
            k += 1
        }
        return k % 2 == 1
    }

    /// exp(−ε), the ratio of the probabilities of neighbouring values.
    var ratio: Double { exp(-epsilon.value) }

    /// The probability of drawing `k`: (1 − r)/(1 + r) · r^|k| with r = exp(−ε). For checking and
    /// for the margins published beside each count, never for sampling.
    public func probability(of k: Int) -> Double {
        let r = ratio
        return (1 - r) / (1 + r) * pow(r, Double(abs(k)))
    }

    /// The smallest m such that the noise lies within ±m with at least `confidence` (0.95 for the
    /// "95% ±" published beside each count): P(|X| > m) = 2r^(m+1)/(1 + r).
    public func margin(confidence: Double = 0.95) -> Int {
        let r = ratio
        var m = 0
        while 2 * pow(r, Double(m + 1)) / (1 + r) > 1 - confidence { m += 1 }
        return m
    }

    /// The noise's variance, 2r/(1 − r)².
    public var variance: Double {
        let r = ratio
        return 2 * r / ((1 - r) * (1 - r))
    }

    /// The expected size of the noise, E|X| = 2r/(1 − r²): 0.85 at ε = 1.
    public var meanAbsoluteError: Double {
        let r = ratio
        return 2 * r / (1 - r * r)
    }
}
