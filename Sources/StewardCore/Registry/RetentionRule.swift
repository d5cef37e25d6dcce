/// How long a collection's records are kept, from what, and what happens at the end: one entry of
/// the council's retention schedule (`retention.yaml`).
public struct RetentionRule: Sendable, Hashable, Codable {
    public var dataset: Dataset.Key
    public var collection: String
    public var period: Period
    public var trigger: Trigger
    public var action: Action
    /// Where the rule comes from: the schedule's reference, a statute.
    public var source: String?
    /// For `anonymise`: how each field is masked, by field name or by data category (the most
    /// specific category wins), as erasure's policy names them. Fields it leaves out that hold the
    /// person's own data are set to NULL.
    public var masking: [String: MaskingStrategy]

    public init(
        dataset: Dataset.Key,
        collection: String,
        period: Period,
        trigger: Trigger,
        action: Action,
        source: String? = nil,
        masking: [String: MaskingStrategy] = [:]
    ) {
        self.dataset = dataset
        self.collection = collection
        self.period = period
        self.trigger = trigger
        self.action = action
        self.source = source
        self.masking = masking
    }

    /// The rule's name: the collection it governs, `dataset.collection` (one rule per collection).
    public var id: String { "\(dataset).\(collection)" }

    enum CodingKeys: String, CodingKey {
        case dataset, collection, period, trigger, action, source, masking
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try container.decode(Dataset.Key.self, forKey: .dataset)
        collection = try container.decode(String.self, forKey: .collection)
        period = try container.decode(Period.self, forKey: .period)
        trigger = try container.decode(Trigger.self, forKey: .trigger)
        action = try container.decode(Action.self, forKey: .action)
        source = try container.decodeIfPresent(String.self, forKey: .source)
        // Maps stored before masking was read.
        masking = try container.decodeIfPresent([String: MaskingStrategy].self, forKey: .masking) ?? [:]
    }

    /// A length of time in whole days, weeks, months or years, or an age reached: "until the 75th
    /// birthday" counts 75 years from a date of birth.
    public struct Period: Sendable, Hashable, Codable, CustomStringConvertible {
        public enum Unit: String, Sendable, Hashable, Codable, CaseIterable {
            case days, weeks, months, years
        }
        public var count: Int
        public var unit: Unit
        /// True for an age: the count is in years from the person's date of birth.
        public var birthday: Bool

        public init(count: Int, unit: Unit, birthday: Bool = false) {
            self.count = count
            self.unit = unit
            self.birthday = birthday
        }

        /// Parses `8 years`, `30 days`, `1 month`, `until the 75th birthday`; nil for anything else.
        public init?(parsing text: String) {
            let words = text.lowercased().split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if words.first == "until", words.last == "birthday" {
                let middle = words.dropFirst().dropLast().filter { $0 != "the" }
                guard middle.count == 1, let ordinal = middle.first else { return nil }
                let digits = ordinal.prefix { $0.isNumber }
                let suffix = ordinal.dropFirst(digits.count)
                guard let count = Int(digits), count > 0, count <= 150, ["st", "nd", "rd", "th"].contains(String(suffix)) else { return nil }
                self.init(count: count, unit: .years, birthday: true)
                return
            }
            guard words.count == 2, let count = Int(words[0]), count > 0, count <= 10_000 else { return nil }
            let word = words[1]
            guard let unit = Unit(rawValue: word.hasSuffix("s") ? word : word + "s") else { return nil }
            self.init(count: count, unit: unit)
        }

        enum CodingKeys: String, CodingKey {
            case count, unit, birthday
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            count = try container.decode(Int.self, forKey: .count)
            unit = try container.decode(Unit.self, forKey: .unit)
            birthday = try container.decodeIfPresent(Bool.self, forKey: .birthday) ?? false
        }

        public var description: String {
            if birthday {
                let suffix =
                    switch (count % 10, count % 100) {
                    case (1, let hundred) where hundred != 11: "st"
                    case (2, let hundred) where hundred != 12: "nd"
                    case (3, let hundred) where hundred != 13: "rd"
                    default: "th"
                    }
                return "until the \(count)\(suffix) birthday"
            }
            return "\(count) \(count == 1 ? String(unit.rawValue.dropLast()) : unit.rawValue)"
        }

        /// The latest trigger date whose period has ended by `today`: a row whose trigger is on or
        /// before it is due. A month or a year from the 31st (or from 29 February) ends on the
        /// month's last day, as the statutory clock counts months.
        public func cutoff(on today: CalendarDate) -> CalendarDate {
            switch unit {
            case .days: today.adding(days: -count)
            case .weeks: today.adding(days: -7 * count)
            case .months: today.adding(months: -count)
            case .years: today.adding(months: -12 * count)
            }
        }
    }

    /// What the period runs from.
    public enum Trigger: Sendable, Hashable, Codable {
        /// A date held in the collection itself.
        case field(String)
        /// A named event the schedule speaks of ("case closed", "end of care") that nothing in the
        /// collection records: the rule cannot be run until it names the field that does.
        case event(String)
        /// A named event recorded in a date field of the collection (case closure in `closed_at`).
        case recorded(event: String, field: String)

        /// The date field the period runs from, when the collection holds one.
        public var field: String? {
            switch self {
            case .field(let field), .recorded(_, let field): field
            case .event: nil
            }
        }

        public var description: String {
            switch self {
            case .field(let field): field
            case .event(let event): "event '\(event)'"
            case .recorded(let event, let field): "\(event) (\(field))"
            }
        }
    }

    /// What happens when the period ends.
    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case delete, anonymise, review
    }
}
