extension PersonSearch {
    /// The outcome with each row of the person's that rows outside their set point at marked as
    /// shared, naming the collections those rows are in: a shared address, a catalogue entry, a
    /// record others' cases refer to. Erasure leaves such rows as they are.
    public func markReferencedByOthers(_ outcome: Outcome) async throws -> Outcome {
        var outcome = outcome
        let positions = Dictionary(outcome.found.enumerated().map { ($1.node, $0) }, uniquingKeysWith: { first, _ in first })
        // One question per reference into a collection the person has rows in, all asked at once:
        // which rows point at the person's values, and are they the person's own?
        struct Question: Sendable {
            var item: Int
            var path: String
            var here: Place
            var values: [String]
        }
        var questions: [Question] = []
        for (index, item) in outcome.found.enumerated() where !item.rows.isEmpty {
            for (path, _) in plan.fields[item.node] ?? [] {
                let values = Set(item.rows.compactMap { $0[path] })
                guard !values.isEmpty else { continue }
                // A shared value (a UPRN) says where, not whose: only keys count.
                for here in plan.referencedBy[Place(node: item.node, field: path)] ?? [] where !plan.shared.contains(here) {
                    questions.append(Question(item: index, path: path, here: here, values: values.sorted()))
                }
            }
        }
        let answers = try await withThrowingTaskGroup(of: (Int, [[String: String]]).self) { group in
            for (number, question) in questions.enumerated() {
                guard let reader = readers[question.here.node.dataset], let fields = plan.fields[question.here.node] else { continue }
                let keys = plan.primaryKeys[question.here.node] ?? []
                let wanted = keys.isEmpty ? fields.map(\.path) : Array(Set(keys + [question.here.field])).sorted()
                let type = fields.first { $0.path == question.here.field }?.field.dataType
                group.addTask {
                    (
                        number,
                        try await reader.rows(
                            collection: question.here.node.collection,
                            matching: question.here.field,
                            type: type,
                            values: question.values,
                            fields: wanted
                        )
                    )
                }
            }
            var all: [Int: [[String: String]]] = [:]
            for try await (number, rows) in group { all[number] = rows }
            return all
        }
        for index in outcome.found.indices where outcome.found[index].sharedWith.count != outcome.found[index].rows.count {
            outcome.found[index].sharedWith = Array(repeating: [], count: outcome.found[index].rows.count)
        }
        for (number, question) in questions.enumerated() {
            let here = question.here
            let own = Set((positions[here.node].map { outcome.found[$0].rows } ?? []).map { plan.key(of: $0, at: here.node) })
            let others = Set((answers[number] ?? []).filter { !own.contains(plan.key(of: $0, at: here.node)) }.compactMap { $0[here.field] })
            guard !others.isEmpty else { continue }
            for (position, row) in outcome.found[question.item].rows.enumerated() where row[question.path].map(others.contains) ?? false {
                outcome.found[question.item].sharedWith[position].insert(here.node.description)
            }
        }
        return outcome
    }
}

extension PersonSearch.Plan {
    /// A row's identity within its collection: its primary key, or all of it.
    func key(of row: [String: String], at node: DatasetGraph.Node) -> String {
        if let keys = primaryKeys[node], keys.allSatisfy({ row[$0] != nil }) {
            return keys.map { row[$0]! }.joined(separator: "\u{1F}")
        }
        return row.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\u{1F}")
    }
}
