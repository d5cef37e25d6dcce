import Foundation

/// Rectification, erasure, restriction and objection in the council's own databases: the person is
/// found as for access, the changes are planned collection by collection (`ChangePlanner`), and —
/// unless it is a dry run or any part cannot be done — made in one transaction per source. A plan
/// with a failure changes nothing and says which collection and field stood in the way.
extension RequestService {
    /// Runs a request's plan: the plan must be for the request's kind (`ChangePlan`).
    public func run(_ id: RightsRequest.ID, plan: ChangePlan, actor: String, dryRun: Bool = false) async throws -> ChangeReport {
        switch plan {
        case .rectification(let corrections): try await runRectification(id, corrections: corrections, actor: actor, dryRun: dryRun)
        case .erasure(let policy): try await runErasure(id, policy: policy, actor: actor, dryRun: dryRun)
        case .restriction: try await runRestriction(id, actor: actor, dryRun: dryRun)
        }
    }

    /// Corrects the person's rows (UK GDPR Art 16), only in fields the dataset allows to change.
    public func runRectification(_ id: RightsRequest.ID, corrections: [Correction], actor: String, dryRun: Bool = false) async throws -> ChangeReport
    {
        guard !corrections.isEmpty else { throw StewardError(.invalidInput, "give at least one correction", field: "corrections") }
        return try await change(id, kinds: [.rectification], actor: actor, dryRun: dryRun) { _, map, found in
            try ChangePlanner.rectification(corrections, map: map, found: found)
        }
    }

    /// Erases the person's data (UK GDPR Art 17) where the law allows (`ChangePlanner.erasure`).
    public func runErasure(_ id: RightsRequest.ID, policy: ErasurePolicy, actor: String, dryRun: Bool = false) async throws -> ChangeReport {
        let keys = erasureKeys
        let holds = legalHolds
        return try await change(id, kinds: [.erasure], actor: actor, dryRun: dryRun) { _, map, found in
            // One salt for this erasure, never kept: a value hashes the same way in every source,
            // and no guess can be tested afterwards.
            let salt = Secret.randomHex(bytes: 32)
            return try ChangePlanner.erasure(policy, legalHolds: holds, map: map, found: found) { value, strategy, place in
                try keys.mask(value, with: strategy, place: place, salt: salt)
            }
        }
    }

    /// Restriction (UK GDPR Art 18) or objection (Art 21): the person is marked in the gate, so every
    /// decision about them honours it, and in every source whose collection declares a restriction
    /// flag, their rows are flagged for the council's own systems to stop using them.
    public func runRestriction(_ id: RightsRequest.ID, actor: String, dryRun: Bool = false) async throws -> ChangeReport {
        let view = try await request(id)
        let kind = view.request.kind
        guard kind == .restriction || kind == .objection else {
            throw StewardError(.conflict, "the request must be a restriction or objection request", field: "id")
        }
        let subject = view.request.subject
        // The gate is told first, so the person's wish is honoured even if a source fails later.
        if !dryRun, let subject, view.state == .inProgress {
            let existing = try await people.preferences(of: subject)
            if !existing.contains(where: { $0.answers(kind) }) {
                let ground = view.request.description
                let preference = Preference(
                    id: .init(UUID().uuidString.lowercased()),
                    kind: kind == .objection ? .objection(.pending) : .restriction(ground: ground.isEmpty ? "requested" : ground),
                    given: today()
                )
                _ = try await people.addPreference(try preference.checked(), to: subject, actor: actor)
            }
        }
        return try await change(id, kinds: [kind], actor: actor, dryRun: dryRun) { request, map, found in
            ChangePlanner.restriction(kind, subjectLinked: request.subject != nil, map: map, found: found)
        }
    }

    /// Finds the person, plans the changes, and makes them unless it is a dry run or the plan has a
    /// failure; keeps the report with the request and audits it, with counts, never values.
    func change(
        _ id: RightsRequest.ID,
        kinds: [RightsRequest.Kind],
        actor: String,
        dryRun: Bool,
        plan: (RightsRequest, DataMap, [PersonSearch.Found]) throws -> PlannedChanges
    ) async throws -> ChangeReport {
        let view = try await request(id)
        guard kinds.contains(view.request.kind), view.state == .inProgress else {
            throw StewardError(
                .conflict,
                "the request must be a \(kinds.map(\.rawValue).joined(separator: " or ")) request in progress, with identity confirmed",
                field: "id"
            )
        }
        let kind = view.request.kind
        let ranAt = AuditChain.timestamp()
        if !dryRun { try await requests.startRun(id, startedAt: ranAt) }
        let requests = self.requests
        /// A run that stops on an error is recorded with where it stopped, never the values given;
        /// the error goes on with its cause.
        func recordFailure(_ error: any Error) async -> StewardError {
            let failure = StewardError.wrapping(error, .internal, "the run failed")
            let event = AuditEvent(
                actor: actor,
                action: .run(kind, .failed),
                object: "request/\(id)",
                details: ["dryRun": .bool(dryRun), "field": failure.field.map { .string($0) } ?? .null]
            )
            if dryRun {
                try? await requests.append(event)
            } else {
                try? await requests.finishRun(id, RunEnd(failure: failure.message), events: [event])
            }
            return failure
        }
        let opened: (map: DataMap, sources: [DataSource], connections: [Dataset.Key: any SourceConnection])
        do {
            opened = try await openSources()
        } catch {
            throw await recordFailure(error)
        }
        defer { for connection in opened.connections.values { Task { await connection.close() } } }
        do {
            let search = try PersonSearch(dataMap: opened.map, readers: opened.connections.mapValues { $0 as any CollectionReader })
            var outcome = try await search.run(identifiers: try await searchIdentifiers(of: view.request))
            // Erasure leaves alone the rows other people's rows point at.
            if kind == .erasure { outcome = try await search.markReferencedByOthers(outcome) }
            let planned = try plan(view.request, opened.map, outcome.found)
            var report = ChangeReport(
                request: id,
                kind: kind,
                ranAt: ranAt,
                dryRun: dryRun,
                steps: planned.stepsNamingRows,
                notices: [],
                unconfirmed: outcome.unconfirmed
            )
            // Art 19 covers rectification, erasure and restriction, not objection.
            if kind != .objection, let subjectID = view.request.subject,
                report.rowsChanged > 0 || report.steps.contains(where: { $0.rows > 0 && $0.action != .refused })
            {
                report.notices = ChangeReport.Notice.art19(for: kind, disclosures: try await people.disclosures(of: subjectID), map: opened.map)
            }
            if report.isComplete {
                if dryRun {
                    // The dry run is the run, rolled back: each source makes the changes and undoes them.
                    do {
                        try await apply(planned, map: opened.map, connections: opened.connections, rollingBack: true)
                    } catch let error as StewardError {
                        report.steps = report.steps.markingFailed(by: error)
                    }
                } else {
                    try await apply(planned, map: opened.map, connections: opened.connections, rollingBack: false)
                }
            }
            let details: JSONValue = [
                "dryRun": .bool(dryRun), "complete": .bool(report.isComplete), "rows": .int(report.rowsChanged),
                "steps": .array(
                    report.steps.map {
                        ["collection": .string("\($0.dataset).\($0.collection)"), "action": .string($0.action.rawValue), "rows": .int($0.rows)]
                    }
                ),
                "notices": .int(report.notices.count), "unconfirmedRows": .int(report.unconfirmed.reduce(0) { $0 + $1.rows }),
            ]
            let event = AuditEvent(
                actor: actor,
                action: .run(kind, dryRun ? .dryRun : report.isComplete ? .run : .failed),
                object: "request/\(id)",
                details: details
            )
            if dryRun {
                try await requests.append(event)
            } else {
                // The run's outcome and its audit entry in one transaction; the report names the
                // person's rows by key, so it is kept sealed, like what a search found.
                let failure = report.steps.first { $0.action == .failed }
                try await requests.finishRun(
                    id,
                    RunEnd(
                        failure: failure.map { "\($0.field ?? "\($0.dataset).\($0.collection)"): \($0.reason ?? "could not be processed")" },
                        document: report
                    ),
                    events: [event]
                )
            }
            return report
        } catch {
            throw await recordFailure(error)
        }
    }

    /// Makes the planned changes, one transaction per source. Should a later source fail, the
    /// error names those already changed, so the record says exactly what happened.
    func apply(_ planned: PlannedChanges, map: DataMap, connections: [Dataset.Key: any SourceConnection], rollingBack: Bool) async throws {
        var applied: [String] = []
        for (dataset, list) in planned.changes.sorted(by: { $0.key < $1.key }) {
            guard let connection = connections[dataset] else {
                throw StewardError(.internal, "no connection to the source of \(dataset), which the plan changes", field: dataset.rawValue)
            }
            do {
                _ = try await connection.apply(list, types: map.dataset(dataset)?.fieldTypes ?? [:], rollingBack: rollingBack)
            } catch {
                // The connection's error names the source, the collection and the database's reason.
                let reason = StewardError.wrapping(error, .unavailable, "the source refused the changes")
                let done = applied.isEmpty ? "no source was changed" : "sources already changed: \(applied.joined(separator: ", "))"
                throw StewardError(
                    reason.code == .conflict ? .conflict : .unavailable,
                    "\(reason.message); \(done)",
                    field: reason.field ?? dataset.rawValue,
                    underlying: error
                )
            }
            applied.append(dataset.rawValue)
        }
    }
}

extension [ChangeReport.Step] {
    /// The steps with the one a source refused marked failed, with the source's reason; a step
    /// is added for it when no step names its collection.
    func markingFailed(by error: StewardError) -> [ChangeReport.Step] {
        var steps = self
        let place = error.field ?? ""
        let index = steps.lastIndex { step in
            let collection = "\(step.dataset).\(step.collection)"
            return place == collection || place.hasPrefix(collection + ".")
        }
        if let index {
            steps[index].fail(place, error.message)
        } else {
            let parts = place.split(separator: ".").map(String.init)
            var step = ChangeReport.Step(
                dataset: parts.first ?? "",
                collection: parts.count > 1 ? parts[1] : "",
                action: .failed,
                fields: [],
                rows: 0
            )
            step.fail(place, error.message)
            steps.append(step)
        }
        return steps
    }
}

extension PlannedChanges {
    /// The steps, each naming the rows it changes (or would, in a dry run) by key.
    var stepsNamingRows: [ChangeReport.Step] {
        var steps = self.steps
        for index in steps.indices where steps[index].action == .update || steps[index].action == .delete {
            let step = steps[index]
            var seen: Set<[String: String]> = []
            steps[index].keys = (changes[.init(step.dataset)] ?? []).filter { $0.collection == step.collection }.map(\.key).filter {
                seen.insert($0).inserted
            }
        }
        return steps
    }
}

extension Dataset {
    /// Each field's declared type, by `collection.field`, so values are written as a source stores them.
    public var fieldTypes: [String: Dataset.DataType] {
        var types: [String: Dataset.DataType] = [:]
        for collection in collections {
            for (path, field) in collection.allFields { if let type = field.dataType { types["\(collection.name).\(path)"] = type } }
        }
        return types
    }
}

extension ChangeReport.Notice {
    /// A notice to every recipient the disclosure log shows the person's data went to, to be told
    /// of the change (UK GDPR Art 19).
    public static func art19(for kind: RightsRequest.Kind, disclosures: [Disclosure], map: DataMap) -> [ChangeReport.Notice] {
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
                recipient: key.rawValue,
                name: name,
                disclosures: byRecipient[key]!.count,
                message:
                    "We disclosed personal data about this person to \(name) and have since \(done) at their request. Please \(ask) (UK GDPR Art 19)."
            )
        }
    }
}

extension RequestService {
    /// What the last rectification, erasure, restriction or objection run of a request did, if
    /// it has been run.
    public func changeReport(_ id: RightsRequest.ID) async throws -> ChangeReport? {
        guard [.rectification, .erasure, .restriction, .objection].contains(try await requests.request(id).kind) else { return nil }
        return try await requests.runDocument(id, as: ChangeReport.self)
    }
}
