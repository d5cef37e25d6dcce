extension PersonSearch {
    /// The state of one search: the person's rows, the candidates, and what has been asked.
    struct Walk {
        let plan: Plan
        /// Values to look for in the next round, and those already looked for, by place. Whether
        /// a place's rows are the person's or candidates is the plan's to say (`plan.shared`).
        var pending: [Place: Set<String>] = [:]
        var asked: [Place: Set<String>] = [:]
        /// The person's rows, by collection and key.
        var rows: [DatasetGraph.Node: [String: [String: String]]] = [:]
        /// Rows reached only through a shared value, with the places they were reached by.
        var candidates: [DatasetGraph.Node: [String: (row: [String: String], by: Set<String>)]] = [:]
        /// Every value of the person's own rows, by place.
        var ownValues: [Place: Set<String>] = [:]
        /// The person's identifiers, normalised, by kind (and, for one system's own ids, by
        /// dataset): those given and those in their rows.
        var known: [String: Set<String>] = [:]
        var knownPairs: Set<[String]> = []
        /// The identifiers given, normalised, keyed as `known` is.
        var given: [String: Set<String>] = [:]

        init(plan: Plan, identifiers: [Subject.Identifier], datasets: Set<Dataset.Key>) {
            self.plan = plan
            for identifier in identifiers {
                let value = Self.canonical(kind: identifier.kind, value: identifier.value)
                if let system = identifier.system {
                    // A system's own id is that person's only in that system's datasets.
                    for dataset in plan.systemDatasets[system] ?? [] where datasets.contains(dataset) {
                        known[Self.knownKey(identifier.kind, dataset), default: []].insert(value)
                    }
                } else {
                    known[identifier.kind.rawValue, default: []].insert(value)
                }
            }
            given = known
            for name in known[IdentityKind.Key.name.rawValue] ?? [] {
                for birth in known[IdentityKind.Key.dateOfBirth.rawValue] ?? [] { knownPairs.insert([name, birth]) }
            }
        }

        /// A row's identity within its collection: its primary key, or all of it.
        func key(of row: [String: String], at node: DatasetGraph.Node) -> String { plan.key(of: row, at: node) }

        /// The keys of the rows found by the person's own identifiers, and the identifiers in
        /// them: who the person is, for telling another person's identifier apart.
        var roots: [DatasetGraph.Node: Set<String>] = [:]
        var rootIdentifiers: [String: Set<String>] = [:]

        /// Takes a row found by one of the person's identifiers as saying who they are.
        mutating func addRoot(_ row: [String: String], at node: DatasetGraph.Node) {
            roots[node, default: []].insert(key(of: row, at: node))
            for identity in plan.identities[node] ?? [] where !identity.shared {
                guard let value = row[identity.path] else { continue }
                rootIdentifiers[Self.knownKey(identity.kind, node.dataset), default: []].insert(Self.canonical(kind: identity.kind, value: value))
            }
        }

        /// For a row reached through references, the identity fields holding an identifier that
        /// is neither given nor in a row found by one that was: someone else's.
        func othersIdentifiers(in row: [String: String], at node: DatasetGraph.Node) -> Set<String> {
            guard roots[node]?.contains(key(of: row, at: node)) != true else { return [] }
            var fields: Set<String> = []
            for identity in plan.identities[node] ?? [] where !identity.shared && !PersonSearch.pairedIdentities.contains(identity.kind) {
                guard let value = row[identity.path] else { continue }
                let key = Self.knownKey(identity.kind, node.dataset)
                let canonical = Self.canonical(kind: identity.kind, value: value)
                if !(given[key]?.contains(canonical) ?? false), !(rootIdentifiers[key]?.contains(canonical) ?? false) {
                    fields.insert("\(node).\(identity.path) (another person's identifier)")
                }
            }
            return fields
        }

        /// Rows whose values have led on along every link, not only upwards.
        var expanded: [DatasetGraph.Node: Set<String>] = [:]

        /// Takes a row as the person's: its values are theirs, and lead on along every link. A
        /// `related` row — one the person's rows point at, which others' may point at too (an
        /// address, a product, the employee who handled their case) — is in their copy as a
        /// related record, but leads nowhere: not down to everyone else's rows that point at it,
        /// nor on to what it points at itself (the employee's own address); unless it holds one of
        /// the person's identifiers, and so is theirs.
        mutating func add(_ row: [String: String], at node: DatasetGraph.Node, related: Bool = false) {
            let key = key(of: row, at: node)
            candidates[node]?[key] = nil
            let leadsNowhere = related && !holdsPersonsIdentifier(row, at: node)
            let isNew = rows[node, default: [:]].updateValue(row, forKey: key) == nil
            if !isNew {
                // Reached again, now as the person's own: what it leads to downwards is theirs too.
                guard !leadsNowhere, expanded[node, default: []].insert(key).inserted else { return }
                follow(row, at: node)
                return
            }
            // What could confirm a candidate is kept only where there can be candidates.
            let confirming = !plan.shared.isEmpty
            if confirming {
                for identity in plan.identities[node] ?? [] where !identity.shared {
                    guard let value = row[identity.path] else { continue }
                    known[Self.knownKey(identity.kind, node.dataset), default: []].insert(Self.canonical(kind: identity.kind, value: value))
                }
                let identities = plan.identities[node] ?? []
                if let name = identities.first(where: { $0.kind == .name }).flatMap({ row[$0.path] }),
                    let birth = identities.first(where: { $0.kind == .dateOfBirth }).flatMap({ row[$0.path] })
                {
                    knownPairs.insert([PersonSearch.normalisedName(name), String(birth.prefix(10))])
                }
            }
            for (path, _) in plan.fields[node] ?? [] {
                guard let value = row[path] else { continue }
                let place = Place(node: node, field: path)
                if confirming, plan.keySources.contains(place) { ownValues[place, default: []].insert(value) }
            }
            if !leadsNowhere {
                expanded[node, default: []].insert(key)
                follow(row, at: node)
            }
        }

        /// Sends the row's values along its links.
        mutating func follow(_ row: [String: String], at node: DatasetGraph.Node) {
            for (path, _) in plan.fields[node] ?? [] {
                guard let value = row[path] else { continue }
                for link in plan.links[Place(node: node, field: path)] ?? [] where !(asked[link.to]?.contains(value) ?? false) {
                    pending[link.to, default: []].insert(value)
                }
            }
        }

        /// Whether one of the row's identity fields holds an identifier of the person's: given,
        /// or in a row found by one that was.
        func holdsPersonsIdentifier(_ row: [String: String], at node: DatasetGraph.Node) -> Bool {
            for identity in plan.identities[node] ?? [] where !identity.shared && !PersonSearch.pairedIdentities.contains(identity.kind) {
                guard let value = row[identity.path] else { continue }
                let key = Self.knownKey(identity.kind, node.dataset)
                let canonical = Self.canonical(kind: identity.kind, value: value)
                if given[key]?.contains(canonical) ?? false || rootIdentifiers[key]?.contains(canonical) ?? false { return true }
            }
            let identities = plan.identities[node] ?? []
            if let name = identities.first(where: { $0.kind == .name }).flatMap({ row[$0.path] }),
                let birth = identities.first(where: { $0.kind == .dateOfBirth }).flatMap({ row[$0.path] }),
                knownPairs.contains([PersonSearch.normalisedName(name), String(birth.prefix(10))])
            {
                return true
            }
            return false
        }

        /// Keeps a row reached through a shared value until something confirms it.
        mutating func consider(_ row: [String: String], at node: DatasetGraph.Node, reachedBy place: Place) {
            let key = key(of: row, at: node)
            guard rows[node]?[key] == nil else { return }
            candidates[node, default: [:]][key, default: (row, [])].by.insert(place.field)
        }

        /// Where the person's identifiers of a kind are kept: a system's own ids (`local_id`) by
        /// dataset, so an id of one system never confirms a row of another.
        static func knownKey(_ kind: IdentityKind.Key, _ dataset: Dataset.Key) -> String {
            kind == .localID ? "local_id@\(dataset)" : kind.rawValue
        }

        /// One form for comparing values of a kind: normalised, and a UK number with +44 written
        /// from 0.
        static func canonical(kind: IdentityKind.Key, value: String) -> String {
            if kind == .name { return PersonSearch.normalisedName(value) }
            let normalised = Subject.Identifier.normalised(kind: kind, value: value) ?? value
            if kind == .phoneNumber, normalised.hasPrefix("+44") { return "0" + normalised.dropFirst(3) }
            return normalised
        }

        /// Whether a candidate holds one of the person's identifiers, or a key their rows hold.
        func isConfirmed(_ row: [String: String], at node: DatasetGraph.Node) -> Bool {
            let identities = plan.identities[node] ?? []
            for identity in identities where !identity.shared && !PersonSearch.pairedIdentities.contains(identity.kind) {
                guard let value = row[identity.path], let values = known[Self.knownKey(identity.kind, node.dataset)] else { continue }
                if values.contains(Self.canonical(kind: identity.kind, value: value)) { return true }
            }
            if let name = identities.first(where: { $0.kind == .name }).flatMap({ row[$0.path] }),
                let birth = identities.first(where: { $0.kind == .dateOfBirth }).flatMap({ row[$0.path] }),
                knownPairs.contains([PersonSearch.normalisedName(name), String(birth.prefix(10))])
            {
                return true
            }
            for (path, value) in row {
                for neighbour in plan.keyNeighbours[Place(node: node, field: path)] ?? [] where ownValues[neighbour]?.contains(value) ?? false {
                    return true
                }
            }
            return false
        }

        /// Takes every confirmed candidate as the person's, until no more are confirmed.
        mutating func confirmCandidates() {
            var changed = true
            while changed {
                changed = false
                for (node, list) in candidates {
                    for (_, candidate) in list where isConfirmed(candidate.row, at: node) {
                        add(candidate.row, at: node)
                        changed = true
                    }
                }
            }
        }

        /// Whether a value of a reference field is one the search reached from the person.
        func wasFollowed(_ value: String, at place: Place) -> Bool {
            if asked[place]?.contains(value) ?? false { return true }
            for link in plan.links[place] ?? [] where asked[link.to]?.contains(value) ?? false { return true }
            return false
        }

        func outcome() -> Outcome {
            let found = rows.keys.sorted().map { node in
                let list = rows[node]!.sorted { $0.key < $1.key }.map(\.value)
                // A reference field the search could only have entered, holding a value it never
                // reached: a key to someone else's record.
                let entered = (plan.fields[node] ?? []).map { Place(node: node, field: $0.path) }.filter(plan.enteredOnly.contains)
                let others = list.map { row in
                    Set(entered.filter { place in row[place.field].map { !wasFollowed($0, at: place) } ?? false }.map(\.field))
                }
                // A related record (reached up a reference without a direction, holding nothing
                // of the person's) is in the copy, but is not theirs to erase.
                let shared = list.map { row in
                    var reasons = othersIdentifiers(in: row, at: node)
                    if !(expanded[node]?.contains(key(of: row, at: node)) ?? false) { reasons.insert("\(node) (a related record)") }
                    return reasons
                }
                return Found(node: node, rows: list, othersKeys: others, sharedWith: shared)
            }
            let unconfirmed = candidates.keys.sorted().compactMap { node -> Unconfirmed? in
                guard let list = candidates[node], !list.isEmpty else { return nil }
                return Unconfirmed(
                    dataset: node.dataset.rawValue,
                    collection: node.collection,
                    fields: Set(list.values.flatMap(\.by)).sorted(),
                    rows: list.count
                )
            }
            return Outcome(found: found, unconfirmed: unconfirmed)
        }
    }
}
