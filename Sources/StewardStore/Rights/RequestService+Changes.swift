import Foundation
public import Logging
import SQLKit
public import StewardCore

/// Rectification and erasure in the council's own databases: the person is found as for access,
/// the changes are planned collection by collection, and — unless it is a dry run or any part
/// cannot be done — made in one transaction per source. A plan with a failure changes nothing and
/// says which collection and field stood in the way.
extension RequestService {
    /// Corrects the person's rows (UK GDPR Art 16), only in fields the dataset allows to change.
    public func runRectification(
        _ id: RightsRequest.ID, corrections: [Correction], actor: String, dryRun: Bool = false, logger: Logger
    ) async throws -> ChangeReport {
        guard !corrections.isEmpty else { throw StewardError(.invalidInput, "give at least one correction", field: "corrections") }
        return try await change(id, kind: .rectification, actor: actor, dryRun: dryRun, logger: logger) { map, found in
            var steps: [ChangeReport.Step] = []
            var changes: [Dataset.Key: [RowChange]] = [:]
            for (index, correction) in corrections.enumerated() {
                let here = "corrections[\(index)]"
                guard let collection = map.dataset(.init(correction.dataset))?.collection(correction.collection) else {
                    throw StewardError(
                        .invalidInput, "the data map has no collection \(correction.dataset).\(correction.collection)", field: "\(here).collection")
                }
                guard let field = collection.field(at: correction.field), field.fields.isEmpty else {
                    throw StewardError(
                        .invalidInput, "\(correction.dataset).\(correction.collection) has no field '\(correction.field)'", field: "\(here).field")
                }
                if let value = correction.value, !Self.fits(value, field.dataType) {
                    throw StewardError(
                        .invalidInput, "the value is not of type \(field.dataType?.description ?? "string")", field: "\(here).value")
                }
                let rows = found.first { $0.node.dataset.rawValue == correction.dataset && $0.node.collection == correction.collection }?.rows ?? []
                var step = ChangeReport.Step(
                    dataset: correction.dataset, collection: correction.collection, action: .update, fields: [correction.field], rows: rows.count)
                if field.isReadOnly {
                    step.action = .failed
                    step.reason = "the field is read-only in the dataset"
                    step.field = "\(correction.dataset).\(correction.collection).\(correction.field)"
                } else if !rows.isEmpty {
                    guard let keys = Self.keyFields(of: collection, rows: rows) else {
                        step.action = .failed
                        step.reason = Self.keyProblem(of: collection, rows: rows)
                        step.field = "\(correction.dataset).\(correction.collection)"
                        steps.append(step)
                        continue
                    }
                    for row in rows {
                        guard let key = Self.key(of: row, keys) else { continue }  // every row has its key: checked above
                        changes[.init(correction.dataset), default: []].append(
                            .update(collection: correction.collection, key: key, values: [correction.field: correction.value]))
                    }
                }
                steps.append(step)
            }
            return (steps, changes)
        }
    }

    /// Erases the person's data (UK GDPR Art 17) where the law allows: collections held for a legal
    /// obligation, the public task, public health or legal claims, or under a legal hold, are
    /// refused with the reason; elsewhere fields are masked as the policy says, or rows deleted,
    /// children before the rows they point to.
    public func runErasure(
        _ id: RightsRequest.ID, policy: ErasurePolicy, actor: String, dryRun: Bool = false, logger: Logger
    ) async throws
        -> ChangeReport
    {
        let store = self.store
        let holds = legalHolds
        return try await change(id, kind: .erasure, actor: actor, dryRun: dryRun, logger: logger) { map, found in
            var steps: [ChangeReport.Step] = []
            var changes: [Dataset.Key: [RowChange]] = [:]
            var deletions: [(PersonSearch.Found, [String])] = []
            // One salt for this erasure, never kept: a value hashes the same way in every source,
            // and no guess can be tested afterwards.
            let salt = Secret.randomHex(bytes: 32)
            // Fields other collections point at: masking them would break the council's own links.
            var referenced: Set<String> = []
            for dataset in map.datasets {
                for collection in dataset.collections {
                    for (_, field) in collection.allFields {
                        for reference in field.references { referenced.insert("\(reference.dataset).\(reference.collection).\(reference.field)") }
                    }
                }
            }
            for item in found where !item.rows.isEmpty {
                let place = item.node.description
                guard let collection = map.dataset(item.node.dataset)?.collection(item.node.collection) else { continue }
                var step = ChangeReport.Step(
                    dataset: item.node.dataset.rawValue, collection: item.node.collection, action: .update, fields: [], rows: item.rows.count)
                if policy.legalHolds.contains(place) || holds.contains(place) {
                    step.action = .refused
                    step.reason = "a legal hold applies"
                    steps.append(step)
                    continue
                }
                if let exemption = erasureExemption(dataset: item.node.dataset, in: map) {
                    step.action = .refused
                    step.reason = exemption
                    steps.append(step)
                    continue
                }
                guard let keys = Self.keyFields(of: collection, rows: item.rows) else {
                    step.action = .failed
                    step.reason = Self.keyProblem(of: collection, rows: item.rows)
                    step.field = place
                    steps.append(step)
                    continue
                }
                if policy.deleteCollections.contains(place) {
                    // A row that also holds another person's key (the other side of a relationship,
                    // a joint record) is theirs too: deleting it would change their record.
                    if let shared = Set(item.othersKeys.flatMap { $0 }).sorted().first {
                        step.action = .failed
                        step.field = "\(place).\(shared)"
                        step.reason =
                            "\(item.othersKeys.filter { !$0.isEmpty }.count) of the rows also hold another person's key in \(shared), so deleting them would change that person's record; mask this collection instead, or settle those rows by hand"
                        steps.append(step)
                        continue
                    }
                    step.action = .delete
                    deletions.append((item, keys))
                    steps.append(step)
                    continue
                }
                // Masked: every field but the keys that link rows together.
                var masks: [(String, MaskingStrategy)] = []
                for (path, field) in collection.allFields
                where field.fields.isEmpty && !field.isPrimaryKey && field.references.isEmpty
                    && !referenced.contains("\(place).\(path)")
                {
                    let strategy = policy.strategy(for: "\(place).\(path)", categories: field.dataCategories)
                    if field.isReadOnly || (strategy != .null && (field.dataType?.base ?? .string) != .string) {
                        step.action = .failed
                        step.field = "\(place).\(path)"
                        step.reason =
                            field.isReadOnly
                            ? "the field is read-only in the dataset"
                            : "a \(field.dataType?.description ?? "") field can only be masked with null, not \(strategy)"
                        break
                    }
                    masks.append((path, strategy))
                }
                step.fields = masks.map { "\($0.0): \($0.1)" }
                step.pseudonymised = masks.filter { $0.1.isPseudonymising }.map(\.0)
                steps.append(step)
                guard step.action == .update else { continue }
                for row in item.rows {
                    guard let key = Self.key(of: row, keys) else { continue }  // every row has its key: checked above
                    var values: [String: String?] = [:]
                    for (path, strategy) in masks {
                        values[path] = try Self.mask(row[path], with: strategy, store: store, place: "\(place).\(path)", salt: salt)
                    }
                    changes[item.node.dataset, default: []].append(.update(collection: item.node.collection, key: key, values: values))
                }
            }
            // A collection's rows go only after every collection that points at it has gone (a
            // reference is a child pointing at its parent); a parent whose children the person has
            // rows in but which are not being deleted cannot lose its rows.
            let deleting = Set(deletions.map(\.0.node))
            let holding = Set(found.filter { !$0.rows.isEmpty }.map(\.node))
            func parents(of node: DatasetGraph.Node) -> Set<DatasetGraph.Node> {
                Set(
                    map.dataset(node.dataset)?.collection(node.collection)?.allFields.flatMap { _, field in
                        field.references.map { DatasetGraph.Node(dataset: $0.dataset, collection: $0.collection) }
                    }.filter { $0 != node } ?? [])
            }
            for (item, _) in deletions {
                let children = holding.filter { parents(of: $0).contains(item.node) && !deleting.contains($0) }
                if let child = children.sorted().first,
                    let index = steps.firstIndex(where: { $0.dataset == item.node.dataset.rawValue && $0.collection == item.node.collection })
                {
                    steps[index].action = .failed
                    steps[index].field = item.node.description
                    steps[index].reason = "rows of \(child) point at these rows and are not being deleted; delete \(child) too, or mask instead"
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
                    guard let key = Self.key(of: row, keys) else { continue }  // every row has its key: checked above
                    changes[item.node.dataset, default: []].append(.delete(collection: item.node.collection, key: key))
                }
            }
            return (steps, changes)
        }
    }

    /// The primary-key fields of a collection (several for a composite key); nil when it has none,
    /// or when one of `rows` has no value in one of them, so that row cannot be picked out.
    static func keyFields(of collection: Dataset.Collection, rows: [[String: String]]) -> [String]? {
        let keys = collection.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
        guard !keys.isEmpty, rows.allSatisfy({ row in keys.allSatisfy { row[$0] != nil } }) else { return nil }
        return keys
    }

    /// Why `keyFields` found no way to pick out the rows.
    static func keyProblem(of collection: Dataset.Collection, rows: [[String: String]]) -> String {
        let keys = collection.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
        guard let empty = keys.first(where: { key in rows.contains { $0[key] == nil } }) else {
            return "the collection declares no primary key, so the person's rows cannot be picked out one by one"
        }
        return "a row of the person's has no value in its key field '\(empty)', so it cannot be picked out"
    }

    /// A row's key: the value of each key field; nil when one is missing.
    static func key(of row: [String: String], _ fields: [String]) -> [String: String]? {
        var key: [String: String] = [:]
        for field in fields {
            guard let value = row[field] else { return nil }
            key[field] = value
        }
        return key
    }

    /// The masked value of a field.
    static func mask(_ value: String?, with strategy: MaskingStrategy, store: Store, place: String, salt: String) throws -> String? {
        guard let value else { return nil }
        switch strategy {
        case .null: return nil
        case .fixed(let text): return text
        case .random: return Secret.randomHex(bytes: 8)
        case .hash: return Secret.sha256(salt + value)
        case .hmac: return store.erasureKey.hmac(value)
        case .encrypt: return try store.erasureSeal.seal(value, context: place)
        }
    }

    /// True when the text is a value of the type, as the source will be asked to store it.
    static func fits(_ value: String, _ type: Dataset.DataType?) -> Bool {
        switch type?.base {
        case .date?, .datetime?: SQLSourceReader.isDateOrTime(value)
        default: SQLSourceReader.bind(value, as: type) != nil
        }
    }

    /// Finds the person, plans the changes, and makes them unless it is a dry run or the plan has a
    /// failure; keeps the report with the request and audits it, with counts, never values.
    func change(
        _ id: RightsRequest.ID, kind: RightsRequest.Kind, actor: String, dryRun: Bool, logger: Logger,
        plan: (DataMap, [PersonSearch.Found]) throws -> ([ChangeReport.Step], [Dataset.Key: [RowChange]])
    ) async throws -> ChangeReport {
        let view = try await request(id, today: .today)
        guard view.request.kind == kind, view.state == .inProgress else {
            throw StewardError(.conflict, "the request must be a \(kind.rawValue) request in progress, with identity confirmed", field: "id")
        }
        let ranAt = AuditChain.timestamp()
        if !dryRun { try await startRun(id, startedAt: ranAt) }
        let store = self.store
        /// A run that stops on an error is recorded with where it stopped, never the values given.
        func recordFailure(_ error: any Error) async {
            if !dryRun { try? await finishRun(id, failed: (error as? StewardError)?.message ?? "the run failed", document: nil) }
            _ = try? await store.audit.append(
                AuditEvent(
                    actor: actor, action: "request.\(kind.rawValue)_failed", object: "request/\(id)",
                    details: ["dryRun": .bool(dryRun), "field": (error as? StewardError)?.field.map { .string($0) } ?? .null]))
        }
        let opened: (map: DataMap, sources: [DataSource], connections: [Dataset.Key: any SourceConnection])
        do {
            opened = try await openSources(logger: logger)
        } catch {
            await recordFailure(error)
            throw error
        }
        defer { for connection in opened.connections.values { Task { await connection.close() } } }
        do {
            let search = try PersonSearch(dataMap: opened.map, readers: opened.connections.mapValues { $0 as any CollectionReader })
            let outcome = try await search.run(identifiers: try await identifiers(of: view.request))
            let (planned, changes) = try plan(opened.map, outcome.found)
            var steps = planned
            // Each step names the rows it changes (or would, in a dry run), by key.
            for index in steps.indices where steps[index].action == .update || steps[index].action == .delete {
                let step = steps[index]
                var seen: Set<[String: String]> = []
                steps[index].keys = (changes[.init(step.dataset)] ?? []).filter { $0.collection == step.collection }.map(\.key).filter {
                    seen.insert($0).inserted
                }
            }
            var report = ChangeReport(
                request: id, kind: kind, ranAt: ranAt, dryRun: dryRun, steps: steps, notices: [], unconfirmed: outcome.unconfirmed)
            // Art 19 covers rectification, erasure and restriction, not objection.
            if kind != .objection, let subjectID = view.request.subject,
                report.rowsChanged > 0 || steps.contains(where: { $0.rows > 0 && $0.action != .refused })
            {
                report.notices = try await notices(for: subjectID, kind: kind, map: opened.map)
            }
            if !dryRun, report.isComplete {
                // One transaction per source; should a later source fail, the error names those
                // already changed, so the record says exactly what happened.
                var applied: [String] = []
                for (dataset, list) in changes.sorted(by: { $0.key < $1.key }) {
                    var types: [String: Dataset.DataType] = [:]
                    for collection in opened.map.dataset(dataset)?.collections ?? [] {
                        for (path, field) in collection.allFields { if let type = field.dataType { types["\(collection.name).\(path)"] = type } }
                    }
                    do {
                        _ = try await opened.connections[dataset]!.apply(list, types: types)
                    } catch {
                        let reason = (error as? StewardError)?.message ?? "the source refused the changes"
                        let done = applied.isEmpty ? "no source was changed" : "already changed: \(applied.joined(separator: ", "))"
                        throw StewardError(
                            .unavailable, "\(dataset): \(reason); \(done)",
                            field: (error as? StewardError)?.field.map { "\(dataset).\($0)" } ?? dataset.rawValue)
                    }
                    applied.append(dataset.rawValue)
                }
            }
            let details: JSONValue = [
                "dryRun": .bool(dryRun), "complete": .bool(report.isComplete), "rows": .int(report.rowsChanged),
                "steps": .array(
                    steps.map {
                        ["collection": .string("\($0.dataset).\($0.collection)"), "action": .string($0.action.rawValue), "rows": .int($0.rows)]
                    }),
                "notices": .int(report.notices.count), "unconfirmedRows": .int(report.unconfirmed.reduce(0) { $0 + $1.rows }),
            ]
            let action = "request.\(kind.rawValue)\(dryRun ? "_dry_run" : report.isComplete ? "_run" : "_failed")"
            let event = AuditEvent(actor: actor, action: action, object: "request/\(id)", details: details)
            if dryRun {
                try await store.audit.append(event)
            } else {
                // The run's outcome and its audit entry in one transaction.
                let failure = report.steps.first { $0.action == .failed }
                // The report names the person's rows by key: kept sealed, like what a search found.
                let document = try store.dataSeal.seal(try Store.encode(report), context: "request-run:\(id)")
                try await store.writeAudited { database in
                    try await Self.finishRun(
                        id, failed: failure.map { "\($0.field ?? "\($0.dataset).\($0.collection)"): \($0.reason ?? "could not be processed")" },
                        document: document, on: database)
                    return ((), [event])
                }
            }
            return report
        } catch {
            await recordFailure(error)
            throw error
        }
    }

    /// Records how a run ended.
    func finishRun(_ id: RightsRequest.ID, failed: String?, document: String?) async throws {
        try await store.handle.write { database in try await Self.finishRun(id, failed: failed, document: document, on: database) }
    }

    static func finishRun(_ id: RightsRequest.ID, failed: String?, document: String?, on database: any SQLDatabase) async throws {
        try await database.raw(
            """
            UPDATE request_runs SET status = \(bind: failed == nil ? "done" : "failed"), finished_at = \(bind: AuditChain.timestamp()),
                error = \(bind: failed), document = \(bind: document) WHERE request_id = \(bind: id.rawValue)
            """
        ).run()
    }

    /// Every recipient the disclosure log shows the person's data went to, to be told of the change
    /// (UK GDPR Art 19).
    func notices(for subject: Subject.ID, kind: RightsRequest.Kind, map: DataMap) async throws -> [ChangeReport.Notice] {
        let disclosures = try await store.disclosures(of: subject)
        let byRecipient = Dictionary(grouping: disclosures, by: \.recipient)
        let (done, ask) =
            switch kind {
            case .rectification: ("corrected it", "correct your copy")
            case .erasure: ("erased it", "erase your copy")
            default: ("restricted its use", "restrict your use of it")
            }
        return byRecipient.keys.sorted().map { key in
            let name = map.recipient(key)?.name ?? key.rawValue
            return ChangeReport.Notice(
                recipient: key.rawValue, name: name, disclosures: byRecipient[key]!.count,
                message:
                    "We disclosed personal data about this person to \(name) and have since \(done) at their request. Please \(ask) (UK GDPR Art 19)."
            )
        }
    }
}

extension RequestService {
    /// Restriction (UK GDPR Art 18) or objection (Art 21): the person is marked in the gate, so every
    /// decision about them honours it, and in every source whose collection declares a restriction
    /// flag, their rows are flagged for the council's own systems to stop using them.
    public func runRestriction(_ id: RightsRequest.ID, actor: String, dryRun: Bool = false, logger: Logger) async throws -> ChangeReport {
        let view = try await request(id, today: .today)
        let kind = view.request.kind
        guard kind == .restriction || kind == .objection else {
            throw StewardError(.conflict, "the request must be a restriction or objection request", field: "id")
        }
        let subject = view.request.subject
        let ground = view.request.description
        let store = self.store
        // The gate is told first, so the person's wish is honoured even if a source fails later.
        if !dryRun, let subject, view.state == .inProgress {
            let existing = try await store.preferences(of: subject)
            let already = existing.contains { preference in
                guard preference.withdrawn == nil else { return false }
                switch (preference.kind, kind) {
                case (.restriction, .restriction), (.objection, .objection): return true
                default: return false
                }
            }
            if !already {
                let preference: Preference.Kind =
                    kind == .objection ? .objection(.pending) : .restriction(ground: ground.isEmpty ? "requested" : ground)
                _ = try await store.addPreference(
                    to: subject, kind: preference, purpose: nil, recipient: nil, given: .today, expires: nil, actor: actor)
            }
        }
        let report = try await change(id, kind: kind, actor: actor, dryRun: dryRun, logger: logger) { map, found in
            var steps: [ChangeReport.Step] = []
            var changes: [Dataset.Key: [RowChange]] = [:]
            if subject == nil {
                steps.append(
                    .init(
                        dataset: "steward", collection: "subjects", action: .failed, fields: [], rows: 0,
                        reason: "the person is not linked to a record in Steward's register, so the gate cannot be told; link them first",
                        field: "subject"))
            }
            for item in found where !item.rows.isEmpty {
                guard let collection = map.dataset(item.node.dataset)?.collection(item.node.collection), let flag = collection.restrictionFlag else {
                    continue
                }
                var step = ChangeReport.Step(
                    dataset: item.node.dataset.rawValue, collection: item.node.collection, action: .update, fields: [flag], rows: item.rows.count)
                // There is no right to object to processing a legal obligation requires (Art 21(1)).
                let purposes = map.systems.filter { $0.datasets.contains(item.node.dataset) }.flatMap(\.purposes).compactMap { map.purpose($0) }
                if kind == .objection, let duty = purposes.first(where: { $0.lawfulBasis == .legalObligation }) {
                    step.action = .refused
                    step.reason = "\(duty.name) rests on a legal obligation, which a person cannot object to (Art 21(1))"
                    steps.append(step)
                    continue
                }
                guard let keys = Self.keyFields(of: collection, rows: item.rows) else {
                    step.action = .failed
                    step.reason = Self.keyProblem(of: collection, rows: item.rows)
                    step.field = item.node.description
                    steps.append(step)
                    continue
                }
                let marker: String =
                    switch collection.field(at: flag)?.dataType?.base {
                    case .boolean?: "true"
                    case .integer?: "1"
                    default: kind == .objection ? "objected" : "restricted"
                    }
                for row in item.rows {
                    guard let key = Self.key(of: row, keys) else { continue }  // every row has its key: checked above
                    changes[item.node.dataset, default: []].append(.update(collection: item.node.collection, key: key, values: [flag: marker]))
                }
                steps.append(step)
            }
            return (steps, changes)
        }
        return report
    }
}
