/// What one data-map version changed from the one before, by kind and key, for the audit log.
public struct DataMapChanges: Sendable, Hashable, Codable {
    /// Keys added, removed and changed, for one kind of thing.
    public struct Delta: Sendable, Hashable, Codable {
        public var added: [String] = []
        public var removed: [String] = []
        public var changed: [String] = []

        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

        init<Item: Hashable>(old: [Item], new: [Item], key: (Item) -> String) {
            let before = Dictionary(old.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
            let after = Dictionary(new.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
            added = after.keys.filter { before[$0] == nil }.sorted()
            removed = before.keys.filter { after[$0] == nil }.sorted()
            changed = after.keys.filter { before[$0] != nil && before[$0] != after[$0] }.sorted()
        }
    }

    public var controllerChanged: Bool
    public var systems: Delta
    public var datasets: Delta
    public var purposes: Delta
    public var recipients: Delta
    public var retention: Delta

    /// The changes from `old` (nil for the first load) to `new`.
    public init(from old: DataMap?, to new: DataMap) {
        controllerChanged = old?.controller != new.controller
        systems = Delta(old: old?.systems ?? [], new: new.systems, key: \.key.rawValue)
        datasets = Delta(old: old?.datasets ?? [], new: new.datasets, key: \.key.rawValue)
        purposes = Delta(old: old?.purposes ?? [], new: new.purposes, key: \.key.rawValue)
        recipients = Delta(old: old?.recipients ?? [], new: new.recipients, key: \.key.rawValue)
        retention = Delta(old: Self.numbered(old?.retention ?? []), new: Self.numbered(new.retention), key: \.key)
    }

    /// Retention rules keyed by collection and, where a collection has several, their order.
    struct NumberedRule: Hashable {
        var key: String
        var rule: RetentionRule
    }

    static func numbered(_ rules: [RetentionRule]) -> [NumberedRule] {
        var seen: [String: Int] = [:]
        return rules.map { rule in
            let base = "\(rule.dataset).\(rule.collection)"
            let count = seen[base, default: 0]
            seen[base] = count + 1
            return NumberedRule(key: count == 0 ? base : "\(base)#\(count + 1)", rule: rule)
        }
    }

    /// True when nothing changed.
    public var isEmpty: Bool {
        !controllerChanged && systems.isEmpty && datasets.isEmpty && purposes.isEmpty && recipients.isEmpty && retention.isEmpty
    }

    /// The changes as JSON for an audit entry's details.
    public var json: JSONValue {
        func delta(_ value: Delta) -> JSONValue {
            .object([
                "added": .array(value.added.map { .string($0) }), "removed": .array(value.removed.map { .string($0) }),
                "changed": .array(value.changed.map { .string($0) }),
            ])
        }
        return .object([
            "controllerChanged": .bool(controllerChanged), "systems": delta(systems), "datasets": delta(datasets), "purposes": delta(purposes),
            "recipients": delta(recipients), "retention": delta(retention),
        ])
    }
}
