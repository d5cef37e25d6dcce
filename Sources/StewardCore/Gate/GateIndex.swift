/// The data map arranged for the gate's hot path: lookups by key, the categories each system holds,
/// and each category's sensitivities, all worked out once per data-map version instead of on every
/// decision.
public struct GateIndex: Sendable {
    let systems: [System.Key: System]
    let purposes: [Purpose.Key: Purpose]
    let recipients: [Recipient.Key: Recipient]
    /// Per system: every category a field holds, and every ancestor of one.
    let heldWithAncestors: [System.Key: Set<DataCategory.Key>]
    /// Per system: exactly the categories its fields hold.
    let heldExactly: [System.Key: Set<DataCategory.Key>]
    /// For every taxonomy key, the sensitivities of everything it may cover.
    let sensitivities: [DataCategory.Key: Set<DataCategory.Sensitivity>]

    public init(dataMap: DataMap, taxonomy: Taxonomy) {
        systems = Dictionary(dataMap.systems.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        purposes = Dictionary(dataMap.purposes.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        recipients = Dictionary(dataMap.recipients.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let datasets = Dictionary(dataMap.datasets.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var withAncestors: [System.Key: Set<DataCategory.Key>] = [:]
        var exactly: [System.Key: Set<DataCategory.Key>] = [:]
        for system in dataMap.systems {
            var held: Set<DataCategory.Key> = []
            for key in system.datasets {
                for collection in datasets[key]?.collections ?? [] {
                    for (_, field) in collection.allFields { held.formUnion(field.dataCategories) }
                }
            }
            exactly[system.key] = held
            withAncestors[system.key] = Set(held.flatMap(Self.selfAndAncestors))
        }
        heldWithAncestors = withAncestors
        heldExactly = exactly
        sensitivities = Dictionary(uniqueKeysWithValues: taxonomy.categories.keys.map { ($0, taxonomy.sensitivities(covering: $0)) })
    }

    public func system(_ key: System.Key) -> System? { systems[key] }
    public func purpose(_ key: Purpose.Key) -> Purpose? { purposes[key] }
    public func recipient(_ key: Recipient.Key) -> Recipient? { recipients[key] }

    /// A key and every key above it: `user.contact.email`, `user.contact`, `user`.
    static func selfAndAncestors(_ key: DataCategory.Key) -> [DataCategory.Key] {
        var result = [key]
        var current = key
        while let parent = current.parent {
            result.append(parent)
            current = parent
        }
        return result
    }

    /// True when the system holds the category, a narrower one, or a broader one that covers it.
    func holds(_ system: System.Key, _ category: DataCategory.Key) -> Bool {
        if heldWithAncestors[system]?.contains(category) == true { return true }
        guard let exact = heldExactly[system] else { return false }
        return Self.selfAndAncestors(category).contains { exact.contains($0) }
    }
}
