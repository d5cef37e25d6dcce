import Foundation

/// What a rectification, erasure, restriction or objection would do to the rows a search found:
/// a step per collection, and the row changes per dataset. A step that fails names the collection
/// and field and why; a plan with a failed step changes nothing.
public struct PlannedChanges: Sendable, Hashable {
    public var steps: [ChangeReport.Step]
    public var changes: [Dataset.Key: [RowChange]]

    public init(steps: [ChangeReport.Step] = [], changes: [Dataset.Key: [RowChange]] = [:]) {
        self.steps = steps
        self.changes = changes
    }
}

/// The plan a request asks for, checked against the kind of request it is for: corrections go
/// only with rectification and an erasure policy only with erasure, so an erasure can never run
/// with its policy unread.
public enum ChangePlan: Sendable, Hashable {
    case rectification([Correction])
    case erasure(ErasurePolicy)
    /// Restriction and objection: the person is marked in the gate and their rows flagged.
    case restriction

    /// The plan for a request of `kind` from what was given; anything given for another kind is an
    /// error naming the field. Nil for an access request, which is searched, not changed.
    public init?(kind: RightsRequest.Kind, corrections: [Correction]?, erasure: ErasurePolicy?) throws {
        if corrections != nil, kind != .rectification {
            throw StewardError(.invalidInput, "corrections are for a rectification request; this one is \(kind.rawValue)", field: "corrections")
        }
        if erasure != nil, kind != .erasure {
            throw StewardError(.invalidInput, "an erasure policy is for an erasure request; this one is \(kind.rawValue)", field: "erasure")
        }
        switch kind {
        case .rectification: self = .rectification(corrections ?? [])
        case .erasure: self = .erasure(try (erasure ?? ErasurePolicy()).checked())
        case .restriction, .objection: self = .restriction
        case .access: return nil
        default:
            throw StewardError(
                .conflict,
                "a \(kind.rawValue) request is not acted on in the council's sources; only access, rectification, erasure, restriction and objection are",
                field: "id"
            )
        }
    }
}

/// The rules for changing the person's rows, as pure functions of the data map and what the
/// search found.
public enum ChangePlanner {
    /// Corrections (UK GDPR Art 16), only in fields the dataset allows to change, each value of the
    /// field's declared type.
    public static func rectification(_ corrections: [Correction], map: DataMap, found: [PersonSearch.Found]) throws -> PlannedChanges {
        var plan = PlannedChanges()
        for (index, correction) in corrections.enumerated() {
            let here = "corrections[\(index)]"
            guard let collection = map.dataset(.init(correction.dataset))?.collection(correction.collection) else {
                throw StewardError(
                    .invalidInput,
                    "the data map has no collection \(correction.dataset).\(correction.collection)",
                    field: "\(here).collection"
                )
            }
            guard let field = collection.field(at: correction.field), field.fields.isEmpty else {
                throw StewardError(
                    .invalidInput,
                    "\(correction.dataset).\(correction.collection) has no field '\(correction.field)'",
                    field: "\(here).field"
                )
            }
            if let value = correction.value, !Dataset.DataType.accepts(value, as: field.dataType) {
                throw StewardError(.invalidInput, "the value is not of type \(field.dataType?.description ?? "string")", field: "\(here).value")
            }
            let rows = found.first { $0.node.dataset.rawValue == correction.dataset && $0.node.collection == correction.collection }?.rows ?? []
            var step = ChangeReport.Step(
                dataset: correction.dataset,
                collection: correction.collection,
                action: .update,
                fields: [correction.field],
                rows: rows.count
            )
            if field.isReadOnly {
                step.fail("\(correction.dataset).\(correction.collection).\(correction.field)", "the field is read-only in the dataset")
            } else if !rows.isEmpty {
                guard let keys = keyFields(of: collection, rows: rows) else {
                    step.fail("\(correction.dataset).\(correction.collection)", keyProblem(of: collection, rows: rows))
                    plan.steps.append(step)
                    continue
                }
                for row in rows {
                    guard let key = key(of: row, keys) else { continue }  // every row has its key: checked above
                    plan.changes[.init(correction.dataset), default: []].append(
                        .update(collection: correction.collection, key: key, values: [correction.field: correction.value])
                    )
                }
            }
            plan.steps.append(step)
        }
        return plan
    }

    /// Erasure (UK GDPR Art 17) where the law allows: collections held for a legal obligation, the
    /// public task, public health or legal claims (Art 17(3)), or under a legal hold, are refused
    /// with the reason; elsewhere fields are masked as the policy says (`mask` gives each masked
    /// value), or rows deleted, children before the rows they point to. Rows that also hold
    /// another person's key are never deleted, and fields other collections point at are never
    /// masked.
    public static func erasure(
        _ policy: ErasurePolicy,
        legalHolds: Set<String>,
        map: DataMap,
        found: [PersonSearch.Found],
        mask: (_ value: String?, _ strategy: MaskingStrategy, _ place: String) throws -> String?
    ) throws -> PlannedChanges {
        var plan = PlannedChanges()
        var deletions: [(PersonSearch.Found, [String])] = []
        // Fields other collections point at: masking them would break the council's own links.
        var referenced: Set<String> = []
        for dataset in map.datasets {
            for collection in dataset.collections {
                for (_, field) in collection.allFields {
                    for reference in field.references { referenced.insert("\(reference.dataset).\(reference.collection).\(reference.field)") }
                }
            }
        }
        for var item in found where !item.rows.isEmpty {
            let place = item.node.description
            guard let collection = map.dataset(item.node.dataset)?.collection(item.node.collection) else { continue }
            // Rows other people's rows point at are theirs too: never masked or deleted.
            let sharedIndexes = item.rows.indices.filter { item.sharedWith.indices.contains($0) && !item.sharedWith[$0].isEmpty }
            let sharedWith = Set(sharedIndexes.flatMap { item.sharedWith[$0] }).sorted()
            if !sharedIndexes.isEmpty {
                let keep = Set(sharedIndexes)
                item.rows = item.rows.indices.filter { !keep.contains($0) }.map { item.rows[$0] }
                item.othersKeys = item.othersKeys.indices.filter { !keep.contains($0) }.map { item.othersKeys[$0] }
            }
            var step = ChangeReport.Step(
                dataset: item.node.dataset.rawValue,
                collection: item.node.collection,
                action: .update,
                fields: [],
                rows: item.rows.count
            )
            step.shared = sharedIndexes.count
            step.sharedWith = sharedWith
            if item.rows.isEmpty {
                step.action = .unchanged
                step.reason =
                    "every row of the person's here is also pointed at by other people's rows in \(sharedWith.joined(separator: ", ")): shared, not changed"
                plan.steps.append(step)
                continue
            }
            if policy.legalHolds.contains(place) || legalHolds.contains(place) {
                step.refuse("a legal hold applies")
                plan.steps.append(step)
                continue
            }
            if let exemption = erasureExemption(dataset: item.node.dataset, in: map) {
                step.refuse(exemption)
                plan.steps.append(step)
                continue
            }
            guard let keys = keyFields(of: collection, rows: item.rows) else {
                // Without a key no row can be picked out: the collection is left as it is, and
                // the report says why, for staff to settle by hand.
                if collection.allFields.contains(where: { $0.field.isPrimaryKey }) {
                    step.fail(place, keyProblem(of: collection, rows: item.rows))
                } else {
                    step.refuse(keyProblem(of: collection, rows: item.rows) + "; erase them in the council's system by hand")
                }
                plan.steps.append(step)
                continue
            }
            let erasesSomething = collection.allFields.contains { path, field in
                field.fields.isEmpty && policy.targets("\(place).\(path)", categories: field.dataCategories)
            }
            if policy.deleteCollections.contains(place) || (collection.erasureDeletes && erasesSomething) {
                // A row that also holds another person's key (the other side of a relationship,
                // a joint record) is theirs too: deleting it would change their record.
                if let shared = Set(item.othersKeys.flatMap { $0 }).sorted().first {
                    step.fail(
                        "\(place).\(shared)",
                        "\(item.othersKeys.filter { !$0.isEmpty }.count) of the rows also hold another person's key in \(shared), so deleting them would change that person's record; mask this collection instead, or settle those rows by hand"
                    )
                    plan.steps.append(step)
                    continue
                }
                step.action = .delete
                deletions.append((item, keys))
                plan.steps.append(step)
                continue
            }
            // Masked: the fields of the person's own data the policy targets, never the keys that
            // link rows together, and only with a value the column can hold.
            var masks: [(String, MaskingStrategy)] = []
            for (path, field) in collection.allFields
            where field.fields.isEmpty && !field.isPrimaryKey && field.references.isEmpty && !referenced.contains("\(place).\(path)")
                && policy.targets("\(place).\(path)", categories: field.dataCategories)
            {
                let strategy = policy.strategy(for: "\(place).\(path)", categories: field.dataCategories, override: field.maskingStrategy)
                if strategy == .preserve { continue }
                if let problem = maskingProblem(strategy, for: field) {
                    step.fail("\(place).\(path)", problem)
                    break
                }
                masks.append((path, strategy))
            }
            // Only the rows with a value to mask, and in each only the fields that have one.
            var changes: [RowChange] = []
            if step.action == .update {
                for row in item.rows {
                    guard let key = key(of: row, keys) else { continue }  // every row has its key: checked above
                    var values: [String: String?] = [:]
                    for (path, strategy) in masks where row[path] != nil { values[path] = try mask(row[path], strategy, "\(place).\(path)") }
                    if !values.isEmpty { changes.append(.update(collection: item.node.collection, key: key, values: values)) }
                }
            }
            let masked = Set(
                changes.flatMap { change -> [String] in
                    if case .update(_, _, let values) = change { return Array(values.keys) }
                    return []
                }
            )
            masks.removeAll { !masked.contains($0.0) }
            step.fields = masks.map { "\($0.0): \($0.1)" }
            step.pseudonymised = masks.filter { $0.1.isPseudonymising }.map(\.0)
            if step.action == .update, changes.isEmpty {
                step.action = .unchanged
                step.reason =
                    "nothing of the person's here to erase: no field with a value holds their data in the categories erased (\(policy.categories.map(\.rawValue).joined(separator: ", ")))"
            } else if step.action == .update {
                step.rows = changes.count
            }
            plan.steps.append(step)
            plan.changes[item.node.dataset, default: []] += changes
        }
        // A collection's rows go only after every collection that points at it has gone (a
        // reference is a child pointing at its parent); a parent whose children the person has
        // rows in but which are not being deleted cannot lose its rows.
        let deleting = Set(deletions.map(\.0.node))
        let holding = Set(found.filter { !$0.rows.isEmpty }.map(\.node))
        // Collections some of whose rows are kept as shared: a parent they point at cannot go.
        let keeping = Set(plan.steps.filter { $0.shared > 0 }.map { DatasetGraph.Node(dataset: .init($0.dataset), collection: $0.collection) })
        func parents(of node: DatasetGraph.Node) -> Set<DatasetGraph.Node> {
            Set(
                map.dataset(node.dataset)?.collection(node.collection)?.allFields.flatMap { _, field in
                    field.references.map { DatasetGraph.Node(dataset: $0.dataset, collection: $0.collection) }
                }.filter { $0 != node } ?? []
            )
        }
        for (item, _) in deletions {
            let children = holding.filter { parents(of: $0).contains(item.node) && (!deleting.contains($0) || keeping.contains($0)) }
            if let child = children.sorted().first,
                let index = plan.steps.firstIndex(where: { $0.dataset == item.node.dataset.rawValue && $0.collection == item.node.collection })
            {
                plan.steps[index].fail(
                    item.node.description,
                    "rows of \(child) point at these rows and are not being deleted; delete \(child) too, or mask instead"
                )
            }
        }
        var ordered: [(PersonSearch.Found, [String])] = []
        var remaining = deletions
        while !remaining.isEmpty {
            let placed = Set(ordered.map(\.0.node))
            let ready = remaining.filter { candidate in
                !remaining.contains { other in other.0.node != candidate.0.node && parents(of: other.0.node).contains(candidate.0.node) }
                    || remaining.count == 1
            }
            let next = ready.isEmpty ? [remaining[0]] : ready  // a cycle of references: go in any order
            ordered += next
            remaining.removeAll { item in next.contains { $0.0.node == item.0.node } || placed.contains(item.0.node) }
        }
        for (item, keys) in ordered {
            for row in item.rows {
                guard let key = key(of: row, keys) else { continue }  // every row has its key: checked above
                plan.changes[item.node.dataset, default: []].append(.delete(collection: item.node.collection, key: key))
            }
        }
        // A collection that says it is erased after others (Fides `erase_after`) has its changes
        // made after theirs, in the source's one transaction.
        for (dataset, changes) in plan.changes {
            guard let declared = map.dataset(dataset), declared.collections.contains(where: { !$0.eraseAfter.isEmpty }) else { continue }
            var ranks: [String: Int] = [:]
            func rank(_ name: String, _ seen: Set<String>) -> Int {
                if let known = ranks[name] { return known }
                let after = declared.collection(name)?.eraseAfter.filter { !seen.contains($0) } ?? []
                let value = after.map { rank($0, seen.union([name])) + 1 }.max() ?? 0
                ranks[name] = value
                return value
            }
            let ranked = changes.enumerated().map { (rank: rank($0.element.collection, []), index: $0.offset, change: $0.element) }
            plan.changes[dataset] = ranked.sorted { ($0.rank, $0.index) < ($1.rank, $1.index) }.map(\.change)
        }
        return plan
    }

    /// Restriction (UK GDPR Art 18) or objection (Art 21): in every collection that declares a
    /// restriction flag, the person's rows are flagged for the council's own systems to stop using
    /// them. An objection is refused where the data is held for a legal obligation (Art 21(1));
    /// a person not linked in Steward's register cannot be marked in the gate, which fails the plan.
    public static func restriction(_ kind: RightsRequest.Kind, subjectLinked: Bool, map: DataMap, found: [PersonSearch.Found]) -> PlannedChanges {
        var plan = PlannedChanges()
        if !subjectLinked {
            plan.steps.append(
                .init(
                    dataset: "steward",
                    collection: "subjects",
                    action: .failed,
                    fields: [],
                    rows: 0,
                    reason: "the person is not linked to a record in Steward's register, so the gate cannot be told; link them first",
                    field: "subject"
                )
            )
        }
        for item in found where !item.rows.isEmpty {
            guard let collection = map.dataset(item.node.dataset)?.collection(item.node.collection), let flag = collection.restrictionFlag else {
                continue
            }
            var step = ChangeReport.Step(
                dataset: item.node.dataset.rawValue,
                collection: item.node.collection,
                action: .update,
                fields: [flag],
                rows: item.rows.count
            )
            let purposes = map.systems.filter { $0.datasets.contains(item.node.dataset) }.flatMap(\.purposes).compactMap { map.purpose($0) }
            if kind == .objection, let duty = purposes.first(where: { $0.lawfulBasis.objectionRight == .excluded }) {
                step.refuse("\(duty.name) rests on a legal obligation, which a person cannot object to (Art 21(1))")
                plan.steps.append(step)
                continue
            }
            guard let keys = keyFields(of: collection, rows: item.rows) else {
                if collection.allFields.contains(where: { $0.field.isPrimaryKey }) {
                    step.fail(item.node.description, keyProblem(of: collection, rows: item.rows))
                } else {
                    step.refuse(keyProblem(of: collection, rows: item.rows) + "; flag them in the council's system by hand")
                }
                plan.steps.append(step)
                continue
            }
            let marker: String =
                switch collection.field(at: flag)?.dataType?.base {
                case .boolean?: "true"
                case .integer?: "1"
                default: kind == .objection ? "objected" : "restricted"
                }
            for row in item.rows {
                guard let key = key(of: row, keys) else { continue }  // every row has its key: checked above
                plan.changes[item.node.dataset, default: []].append(.update(collection: item.node.collection, key: key, values: [flag: marker]))
            }
            plan.steps.append(step)
        }
        return plan
    }
}
