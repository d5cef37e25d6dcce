/// A retention rule made runnable against a source's real collection: its key, its trigger
/// column and type, what an anonymising rule writes, and the collections whose rows point at it
/// (which go first when its rows are deleted, as erasure deletes children before parents).
public struct RetentionTarget: Sendable, Hashable {
    /// A collection whose rows point at the rows of another by one of its fields.
    public struct Child: Sendable, Hashable {
        public var collection: String
        /// The field holding the parent's key.
        public var field: String
        public var keyFields: [String]
        public var children: [Child]
    }

    public var rule: RetentionRule
    public var keyFields: [String]
    public var trigger: String
    /// The last trigger date whose period has run out: rows whose trigger is on or before it are due.
    public var cutoff: CalendarDate
    /// `cutoff` plus one day, as the sources compare it: a trigger before it is due (a date-time on
    /// the cutoff date included).
    public var before: String
    /// Each field of the dataset with its type (`collection.field`), so values are bound as the
    /// source stores them.
    public var types: [String: Dataset.DataType]
    /// For `anonymise`: each field masked, with the value written (nil for NULL).
    public var masks: [String: String?]
    public var children: [Child]
    /// Fields read with each due row, for holds on rows and for masks.
    public var fields: [String]

    public var place: String { rule.id }

    /// A row's key as one text: its key fields' values in order, separated by tabs.
    public func key(of row: [String: String]) -> String? {
        var values: [String] = []
        for field in keyFields {
            guard let value = row[field] else { return nil }
            values.append(value)
        }
        return values.joined(separator: "\t")
    }

    /// The rule as it can run against `dataset` (resolved by its source's schema), with the cutoff
    /// for `today`; an error naming the field when it cannot: a trigger that is not a date, no
    /// primary key, a mask a column cannot hold.
    public static func make(
        _ rule: RetentionRule,
        dataset: Dataset,
        today: CalendarDate,
        holdFields: [String] = []
    ) throws -> RetentionTarget {
        let place = rule.id
        guard let collection = dataset.collection(rule.collection) else {
            throw StewardError(.invalidInput, "the source has no collection '\(rule.collection)'", field: place)
        }
        guard let trigger = rule.trigger.field else {
            throw StewardError(
                .invalidInput,
                "the rule runs from \(rule.trigger.description), which no field of \(place) records; name the field in trigger.field",
                field: "\(place).trigger"
            )
        }
        guard let triggerField = collection.field(at: trigger) else {
            throw StewardError(.invalidInput, "\(place) has no field '\(trigger)'", field: "\(place).\(trigger)")
        }
        switch triggerField.dataType?.base {
        case .date?, .datetime?, .string?, nil: break
        case let other?:
            throw StewardError(
                .invalidInput,
                "the trigger field '\(trigger)' is \(other.rawValue) in the source, not a date or datetime",
                field: "\(place).\(trigger)"
            )
        }
        let keyFields = collection.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
        guard !keyFields.isEmpty else {
            throw StewardError(
                .invalidInput,
                "\(place) has no primary key, in the dataset or the database, so its rows cannot be picked out one by one to dispose of",
                field: place
            )
        }
        var types: [String: Dataset.DataType] = [:]
        for other in dataset.collections {
            for (path, field) in other.allFields { if let type = field.dataType { types["\(other.name).\(path)"] = type } }
        }
        // Fields other collections point at keep the council's own links: never masked.
        var referenced: Set<String> = []
        for other in dataset.collections {
            for (_, field) in other.allFields {
                for reference in field.references where reference.dataset == dataset.key {
                    referenced.insert("\(reference.collection).\(reference.field)")
                }
            }
        }
        var masks: [String: String?] = [:]
        if rule.action == .anonymise {
            let policy = ErasurePolicy(strategies: rule.masking)
            for (path, field) in collection.allFields
            where field.fields.isEmpty && !field.isPrimaryKey && (field.references.isEmpty || rule.masking[path] != nil) && path != trigger
                && !referenced.contains("\(collection.name).\(path)") && (policy.targets(path, categories: field.dataCategories))
            {
                let override = field.maskingStrategy.flatMap { $0.isRetentionMask ? $0 : nil }
                let strategy = policy.strategy(for: path, categories: field.dataCategories, override: override)
                switch strategy {
                case .preserve: continue
                case .null, .fixed: break
                default: continue  // refused when the schedule is loaded
                }
                if let problem = ChangePlanner.maskingProblem(strategy, for: field) {
                    throw StewardError(.invalidInput, "\(place).\(path) cannot be anonymised with \(strategy): \(problem)", field: "\(place).\(path)")
                }
                if case .fixed(let text) = strategy { masks[path] = .some(text) } else { masks[path] = .some(nil) }
            }
            guard !masks.isEmpty else {
                throw StewardError(
                    .invalidInput,
                    "anonymising \(place) would change nothing: none of its fields holds the person's own data (categories under user) or is named in masking",
                    field: "\(place).masking"
                )
            }
        }
        func children(of parent: Dataset.Collection, parentKeys: [String], depth: Int) -> [Child] {
            guard depth < 8, parentKeys.count == 1, let parentKey = parentKeys.first else { return [] }
            var found: [Child] = []
            for other in dataset.collections where other.name != parent.name && !other.skipProcessing {
                for (path, field) in other.allFields
                where field.references.contains(where: { $0.dataset == dataset.key && $0.collection == parent.name && $0.field == parentKey }) {
                    let keys = other.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
                    found.append(
                        Child(collection: other.name, field: path, keyFields: keys, children: children(of: other, parentKeys: keys, depth: depth + 1))
                    )
                }
            }
            return found.sorted { ($0.collection, $0.field) < ($1.collection, $1.field) }
        }
        let childList = rule.action == .anonymise ? [] : children(of: collection, parentKeys: keyFields, depth: 0)
        if rule.action != .anonymise, keyFields.count > 1,
            dataset.collections.contains(where: { other in
                other.allFields.contains { $0.field.references.contains { $0.dataset == dataset.key && $0.collection == collection.name } }
            })
        {
            throw StewardError(
                .invalidInput,
                "rows of other collections point at \(place), whose key has \(keyFields.count) fields; Steward deletes such children only by a one-field key",
                field: place
            )
        }
        let cutoff = rule.period.cutoff(on: today)
        let extra = Set(holdFields + masks.keys).subtracting(keyFields + [trigger]).sorted()
        return RetentionTarget(
            rule: rule,
            keyFields: keyFields,
            trigger: trigger,
            cutoff: cutoff,
            before: cutoff.adding(days: 1).description,
            types: types,
            masks: masks,
            children: childList,
            fields: keyFields + [trigger] + extra
        )
    }
}

/// Why a due row is kept: a hold on it, or a review that has not ended or ended in "keep".
public struct RetentionKeeper: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A legal hold made through Steward.
        case hold
        /// A collection the configuration's `legal_holds` lists.
        case configuration
        /// An open rights request from the person the row belongs to.
        case request
        /// A review not yet decided.
        case review
        /// A review that decided to keep the row until a date.
        case kept
    }

    public var kind: Kind
    public var id: String

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    public var description: String { "\(kind.rawValue)/\(id)" }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}

/// Everything that keeps due rows from going, gathered before a sweep: holds on collections and on
/// rows by filter, and the keys the person search found for held people and open requests.
public struct RetentionKeepers: Sendable, Hashable {
    /// Holds on whole collections, and on rows by a filter.
    public var holds: [LegalHold]
    /// Collections held by configuration (`legal_holds`).
    public var configured: Set<String>
    /// For each collection (`dataset.collection`), each held row's key with what holds it.
    public var keys: [String: [String: Set<RetentionKeeper>]]

    public init(holds: [LegalHold] = [], configured: Set<String> = [], keys: [String: [String: Set<RetentionKeeper>]] = [:]) {
        self.holds = holds
        self.configured = configured
        self.keys = keys
    }

    /// Adds `keeper` for the row `key` of `place`.
    public mutating func keep(_ key: String, of place: String, by keeper: RetentionKeeper) {
        keys[place, default: [:]][key, default: []].insert(keeper)
    }

    /// What keeps the whole collection, if anything.
    public func collectionKeepers(_ place: String) -> [RetentionKeeper] {
        var found: [RetentionKeeper] = []
        if configured.contains(place) { found.append(.init(.configuration, place)) }
        for hold in holds where hold.kind == .collection && hold.collection == place { found.append(.init(.hold, hold.id.rawValue)) }
        return found
    }

    /// Fields the holds on rows of `place` compare, to be read with each due row.
    public func filterFields(_ place: String) -> [String] {
        Array(Set(holds.filter { $0.kind == .rows && $0.collection == place }.flatMap { ($0.filter ?? [:]).keys })).sorted()
    }

    /// What keeps one due row of `place`; empty when it may go.
    public func keepers(of row: [String: String], key: String, in place: String) -> Set<RetentionKeeper> {
        var found = keys[place]?[key] ?? []
        for hold in holds where hold.kind == .rows && hold.keeps(row, in: place) { found.insert(.init(.hold, hold.id.rawValue)) }
        return found
    }
}
