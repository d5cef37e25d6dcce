import Foundation

/// ε, the privacy-loss parameter of a differentially private release, as an exact fraction: the
/// noise is sampled in integer arithmetic from it (`DiscreteLaplace`), so it is never rounded.
public struct PrivacyLoss: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let numerator: Int
    public let denominator: Int

    /// The largest ε Steward releases with in one table: beyond it the guarantee means little.
    public static let largest = PrivacyLoss(exactly: 10, 1)
    /// The finest fraction ε may be given in.
    public static let largestDenominator = 1_000_000

    init(exactly numerator: Int, _ denominator: Int) {
        let divisor = Self.gcd(numerator, denominator)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// ε as `n/d`; an error naming `field` unless it is positive, at most `largest`, and its
    /// denominator at most `largestDenominator`.
    public init(_ numerator: Int, _ denominator: Int, field: String = "epsilon") throws {
        guard numerator > 0, denominator > 0, denominator <= Self.largestDenominator else {
            throw StewardError(.invalidInput, "ε must be a positive fraction with a denominator of at most \(Self.largestDenominator)", field: field)
        }
        let value = PrivacyLoss(exactly: numerator, denominator)
        guard value <= Self.largest else { throw StewardError(.invalidInput, "ε must be at most \(Self.largest) in one table", field: field) }
        self = value
    }

    /// ε written as a decimal (`0.5`, `1`, `0.25`) or a fraction (`1/3`).
    public init(parsing text: String, field: String = "epsilon") throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        func refused() -> StewardError {
            StewardError(.invalidInput, "ε must be a number such as 0.5 or a fraction such as 1/3, not '\(trimmed.prefix(20))'", field: field)
        }
        if let slash = trimmed.firstIndex(of: "/") {
            guard let top = Int(trimmed[..<slash]), let bottom = Int(trimmed[trimmed.index(after: slash)...]) else { throw refused() }
            try self.init(top, bottom, field: field)
            return
        }
        let parts = trimmed.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
            parts.count == 1 || (1...6).contains(parts[1].count)
        else { throw refused() }
        let whole = parts[0].isEmpty ? 0 : Int(parts[0])
        let fraction = parts.count == 2 ? Int(parts[1]) : 0
        guard let whole, let fraction, whole >= 0, fraction >= 0, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { throw refused() }
        var denominator = 1
        if parts.count == 2 { for _ in parts[1] { denominator *= 10 } }
        try self.init(whole * denominator + fraction, denominator, field: field)
    }

    public var value: Double { Double(numerator) / Double(denominator) }

    public var description: String {
        denominator == 1 ? "\(numerator)" : Self.decimal(numerator, denominator) ?? "\(numerator)/\(denominator)"
    }

    /// The sum of two (basic composition: ε adds up across the tables of a release).
    public static func + (left: PrivacyLoss, right: PrivacyLoss) -> PrivacyLoss {
        let denominator = left.denominator / gcd(left.denominator, right.denominator) * right.denominator
        return PrivacyLoss(
            exactly: left.numerator * (denominator / left.denominator) + right.numerator * (denominator / right.denominator),
            denominator
        )
    }

    /// The sum of several, nil for none: what a release's tables, or a cycle's releases, spend.
    public static func sum(_ losses: some Sequence<PrivacyLoss>) -> PrivacyLoss? {
        losses.reduce(nil) { sum, next in sum.map { $0 + next } ?? next }
    }

    /// What is left of `left` once `right` is spent, nil when nothing is.
    public static func - (left: PrivacyLoss, right: PrivacyLoss) -> PrivacyLoss? {
        let denominator = left.denominator / gcd(left.denominator, right.denominator) * right.denominator
        let numerator = left.numerator * (denominator / left.denominator) - right.numerator * (denominator / right.denominator)
        return numerator > 0 ? PrivacyLoss(exactly: numerator, denominator) : nil
    }

    public static func < (left: PrivacyLoss, right: PrivacyLoss) -> Bool {
        left.numerator * right.denominator < right.numerator * left.denominator
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (abs(a), abs(b))
        while b != 0 { (a, b) = (b, a % b) }
        return max(a, 1)
    }

    /// `n/d` as a terminating decimal, when it is one.
    static func decimal(_ numerator: Int, _ denominator: Int) -> String? {
        var rest = denominator
        while rest % 2 == 0 { rest /= 2 }
        while rest % 5 == 0 { rest /= 5 }
        guard rest == 1 else { return nil }
        var digits = ""
        var remainder = numerator % denominator
        while remainder != 0 && digits.count < 12 {
            remainder *= 10
            digits.append(String(remainder / denominator))
            remainder %= denominator
        }
        return "\(numerator / denominator).\(digits)"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self), let exact = Self.fromJSONNumber(number) {
            self = exact
        } else {
            self = try PrivacyLoss(parsing: try container.decode(String.self))
        }
    }

    /// A JSON number such as 0.5 read as the decimal it was written as.
    static func fromJSONNumber(_ number: Double) -> PrivacyLoss? {
        guard number.isFinite else { return nil }
        var text = String(number)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return try? PrivacyLoss(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
