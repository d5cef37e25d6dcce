/// How long a collection's records are kept, from what, and what happens at the end.
public struct RetentionRule: Sendable, Hashable, Codable {
    public var dataset: Dataset.Key
    public var collection: String
    public var period: Period
    public var trigger: Trigger
    public var action: Action
    public var source: String?

    /// A length of time in whole days, weeks, months or years.
    public struct Period: Sendable, Hashable, Codable, CustomStringConvertible {
        public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
            case days, weeks, months, years
        }
        public var count: Int
        public var unit: Unit

        public init(count: Int, unit: Unit) {
            self.count = count
            self.unit = unit
        }

        /// Parses `8 years`, `30 days`, `1 month`; nil for anything else.
        public init?(parsing text: String) {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
            let word = parts[1].lowercased()
            guard let unit = Unit(rawValue: word.hasSuffix("s") ? word : word + "s") else { return nil }
            self.init(count: count, unit: unit)
        }

        public var description: String { "\(count) \(count == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)" }
    }

    /// What the period runs from.
    public enum Trigger: Sendable, Hashable, Codable {
        /// A date held in the collection itself.
        case field(String)
        /// A named event recorded outside the collection (end of care, account closed).
        case event(String)
    }

    /// What happens when the period ends.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case delete, anonymise, review
    }
}
