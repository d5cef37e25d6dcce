public import Foundation

extension RetentionService {
    /// What a sweep would do today, rule by rule, with what each hold keeps and a sample of keys;
    /// nothing is changed. Audited as a plan.
    public func plan(actor: String, rule only: String? = nil) async throws -> RetentionPlan {
        let map = try await schedule()
        let rules = try Self.selected(map.retention, only: only)
        let opened = try await openSources(map)
        defer { Task { await opened.close() } }
        let holds = try await repository.holds(includingLifted: false)
        let day = today()
        var unsearched = opened.failures.keys.map(\.rawValue).sorted()
        var keepers = RetentionKeepers()
        var keeperProblem: StewardError?
        do {
            (keepers, unsearched) = try await self.keepers(opened, holds: holds)
        } catch {
            keeperProblem = StewardError.wrapping(error, .unavailable, "held rows could not be found")
        }
        var plans: [RetentionPlan.Rule] = []
        for rule in Self.ordered(rules, in: map) {
            var plan = RetentionPlan.Rule(rule: rule, source: opened.sourceIDs[rule.dataset]?.rawValue)
            do {
                if let keeperProblem { throw keeperProblem }
                let (target, connection) = try target(for: rule, opened, keepers: keepers, day: day)
                plan.cutoff = target.cutoff
                try await survey(target, connection, keepers: keepers) { counts in
                    plan.emptyTrigger = counts.emptyTrigger
                } each: { row, key, kept in
                    plan.due += 1
                    if kept.isEmpty {
                        plan.dispose += 1
                        if plan.sample.count < 10 { plan.sample.append(key) }
                    } else {
                        for keeper in kept { plan.kept[keeper.description, default: 0] += 1 }
                    }
                } dependents: { collection, count in
                    plan.dependents[collection, default: 0] += count
                }
            } catch {
                let failure = StewardError.wrapping(error, .unavailable, "the rule could not be planned")
                plan.problem = failure.message
                plan.field = failure.field
            }
            plans.append(plan)
        }
        let paused = try await repository.pause() != nil
        try await requests.append(
            AuditEvent(
                actor: actor,
                action: .retentionPlan,
                object: "retention",
                details: [
                    "rules": .int(plans.count), "due": .int(plans.reduce(0) { $0 + $1.due }), "dispose": .int(plans.reduce(0) { $0 + $1.dispose }),
                ]
            )
        )
        return RetentionPlan(
            plannedAt: AuditChain.timestamp(),
            today: day,
            rules: plans,
            holds: holds.filter { $0.isActive(on: day) },
            paused: paused,
            unsearched: unsearched
        )
    }

    /// Starts a sweep, or resumes the one a stopped process left (waiting up to its lease for the
    /// claim to lapse), and runs it to the end. Refused while sweeps are paused.
    public func sweep(
        actor: String,
        origin: String = "request",
        rule only: String? = nil,
        progress: (@Sendable (RetentionRun) async -> Void)? = nil
    ) async throws -> RetentionRun {
        let run = try await begin(actor: actor, origin: origin, rule: only, resuming: true)
        return try await carryOn(run, actor: actor, progress: progress)
    }

    /// Records a new sweep as running under this process's lease (or, `resuming`, claims the one a
    /// stopped process left), so it can be carried on in the background with `carryOn`. Refused
    /// while sweeps are paused, and while another process is sweeping.
    public func begin(actor: String, origin: String = "request", rule only: String? = nil, resuming: Bool = false) async throws -> RetentionRun {
        if let pause = try await repository.pause() {
            throw StewardError(.conflict, "sweeps are paused since \(pause.at) by \(pause.by): \(pause.reason); resume them first", field: "paused")
        }
        if resuming, let unfinished = try await claimUnfinished() { return unfinished }
        let map = try await schedule()
        let rules = Self.ordered(try Self.selected(map.retention, only: only), in: map)
        let sourceIDs = Dictionary(try await sources.sources().map { ($0.dataset, $0.id.rawValue) }, uniquingKeysWith: { first, _ in first })
        var generator = SystemRandomNumberGenerator()
        let run = RetentionRun(
            id: .init(readableReference("RS", using: &generator)),
            startedAt: AuditChain.timestamp(),
            startedBy: actor,
            today: today(),
            origin: origin,
            rules: rules.map { .init(rule: $0, source: sourceIDs[$0.dataset]) },
            includesOwnRecords: only == nil
        )
        try await repository.startRun(
            run,
            holder: holder,
            leaseSeconds: settings.leaseSeconds,
            event: AuditEvent(
                actor: actor,
                action: .retentionSweepStart,
                object: "sweep/\(run.id)",
                details: ["rules": .int(run.rules.count), "origin": .string(origin)]
            )
        )
        return run
    }

    /// The sweep a stopped process left, claimed for this one if its lease has lapsed; nil when
    /// there is none or another process still holds it.
    public func claimStopped() async throws -> RetentionRun? {
        guard let (run, lapsed, _) = try await repository.unfinishedRun(), lapsed else { return nil }
        return try await repository.takeOver(run.id, holder: holder, leaseSeconds: settings.leaseSeconds) ? run : nil
    }

    /// The sweep a stopped process left running, claimed for this one once its lease lapses.
    func claimUnfinished() async throws -> RetentionRun? {
        let deadline = ContinuousClock.now + .seconds(settings.leaseSeconds + 2)
        while let (run, lapsed, left) = try await repository.unfinishedRun() {
            if lapsed {
                if try await repository.takeOver(run.id, holder: holder, leaseSeconds: settings.leaseSeconds) { return run }
                continue
            }
            guard ContinuousClock.now < deadline else {
                throw StewardError(.conflict, "sweep \(run.id) is running in another process; it can be resumed once that stops", field: "run")
            }
            try await Task.sleep(for: .seconds(max(1, min(left, 3))))
        }
        return nil
    }

    /// Runs each rule of the sweep not yet ended, then ends the sweep.
    public func carryOn(_ start: RetentionRun, actor: String, progress: (@Sendable (RetentionRun) async -> Void)?) async throws -> RetentionRun {
        // The lease is renewed while the sweep works, also through a long person search or batch.
        let repository = self.repository
        let (holder, seconds) = (self.holder, settings.leaseSeconds)
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(max(1, seconds / 3)))
                try await repository.renewLease(start.id, holder: holder, leaseSeconds: seconds)
            }
        }
        defer { heartbeat.cancel() }
        return try await carryOnHeld(start, actor: actor, progress: progress)
    }

    func carryOnHeld(_ start: RetentionRun, actor: String, progress: (@Sendable (RetentionRun) async -> Void)?) async throws -> RetentionRun {
        var run = start
        let map = try await schedule()
        let opened = try await openSources(map)
        defer { Task { await opened.close() } }
        var keepers = RetentionKeepers()
        var keeperProblem: StewardError?
        do {
            (keepers, run.unsearched) = try await self.keepers(opened, holds: try await repository.holds(includingLifted: false))
        } catch {
            keeperProblem = StewardError.wrapping(error, .unavailable, "held rows could not be found")
        }
        for index in run.rules.indices where [.pending, .running].contains(run.rules[index].state) {
            guard let rule = map.retention.first(where: { $0.id == run.rules[index].rule }) else {
                run.rules[index].state = .failed
                run.rules[index].error = "the schedule no longer has this rule"
                continue
            }
            // A dataset no source is registered for is not Steward's to sweep: said, not failed.
            if opened.sourceIDs[rule.dataset] == nil {
                run.rules[index].state = .skipped
                run.rules[index].error = "no source is registered for \(rule.dataset): the council disposes of these records by hand"
                run.rules[index].finishedAt = AuditChain.timestamp()
                continue
            }
            do {
                if let keeperProblem { throw keeperProblem }
                try await sweepRule(rule, index: index, run: &run, map: map, opened: opened, keepers: keepers, actor: actor, progress: progress)
            } catch {
                let failure = StewardError.wrapping(error, .unavailable, "the rule failed")
                run.rules[index].state = .failed
                run.rules[index].error = failure.message
                run.rules[index].field = failure.field
                run.rules[index].finishedAt = AuditChain.timestamp()
                try await repository.saveRun(run, holder: holder, leaseSeconds: settings.leaseSeconds)
            }
            await progress?(run)
        }
        if run.includesOwnRecords, run.ownRecords.isEmpty {
            do {
                run.ownRecords = try await repository.sweepOwnRecords(settings.ownRecords, today: run.today, actor: actor)
            } catch {
                run.rules.append(
                    {
                        var failed = RetentionRun.RuleProgress(
                            rule: RetentionRule(
                                dataset: "steward",
                                collection: "own_records",
                                period: .init(count: 1, unit: .days),
                                trigger: .field("-"),
                                action: .delete
                            ),
                            source: "steward"
                        )
                        failed.state = .failed
                        failed.error = StewardError.wrapping(error, .unavailable, "Steward's own records could not be swept").message
                        return failed
                    }()
                )
            }
        }
        run.finishedAt = AuditChain.timestamp()
        let failed = run.rules.filter { $0.state == .failed }.count
        run.state = failed == 0 ? .done : failed == run.rules.count ? .failed : .partial
        try await repository.finishRun(
            run,
            events: [
                AuditEvent(
                    actor: actor,
                    action: .retentionSweepEnd,
                    object: "sweep/\(run.id)",
                    details: [
                        "state": .string(run.state.rawValue), "disposed": .int(run.disposed), "failedRules": .int(failed),
                        "unsearched": .array(run.unsearched.map { .string($0) }),
                    ]
                )
            ]
        )
        await progress?(run)
        return run
    }

    /// One rule of a sweep: its batches, then its certificate (or its review).
    func sweepRule(
        _ rule: RetentionRule,
        index: Int,
        run: inout RetentionRun,
        map: DataMap,
        opened: OpenedSources,
        keepers: RetentionKeepers,
        actor: String,
        progress: (@Sendable (RetentionRun) async -> Void)?
    ) async throws {
        let (target, connection) = try target(for: rule, opened, keepers: keepers, day: run.today)
        let scan = RetentionScan(target)
        run.rules[index].cutoff = target.cutoff
        run.rules[index].before = target.before
        if run.rules[index].state == .pending {
            run.rules[index].state = .running
            run.rules[index].startedAt = AuditChain.timestamp()
        }
        let counts = try await connection.counts(scan)
        run.rules[index].emptyTrigger = counts.emptyTrigger
        try await repository.saveRun(run, holder: holder, leaseSeconds: settings.leaseSeconds)
        var kept = try await repository.keptKeys(rule: rule.id, today: run.today)
        var everything = keepers
        // A review's "dispose" is not kept back by the review itself.
        for (key, keeper) in kept where !(keeper.kind == .review && keeper.id == run.rules[index].review) {
            everything.keep(key, of: rule.id, by: keeper)
        }
        kept = [:]
        // A whole collection held: nothing goes, and the plan says what kept it.
        let whole = everything.collectionKeepers(rule.id)
        if !whole.isEmpty {
            for keeper in whole { run.rules[index].kept[keeper.description] = counts.due }
            run.rules[index].state = .skipped
            run.rules[index].finishedAt = AuditChain.timestamp()
            try await repository.saveRun(run, holder: holder, leaseSeconds: settings.leaseSeconds)
            return
        }
        var digest = KeysDigest()
        var sequence = 0
        // Batches made before a restart count again towards the digest, in order.
        while true {
            let done = try await repository.doneBatches(run: run.id, rule: rule.id, from: sequence + 1, limit: 50)
            for batch in done { digest.add(batch.keys) }
            sequence = done.last?.sequence ?? sequence
            if done.count < 50 { break }
        }
        // A batch recorded but not marked: finish it first.
        if var pending = try await repository.pendingBatch(run: run.id, rule: rule.id) {
            let keys = pending.keys.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            let result = try await connection.dispose(
                Disposal(scan: scan, keys: keys, children: target.children, anonymise: rule.action == .anonymise),
                rollingBack: false
            )
            // Rows no longer there went in the batch that stopped.
            pending.done = true
            pending.dependents = result.dependents
            run.rules[index].disposed += pending.keys.count
            for (collection, count) in result.dependents where count > 0 { run.rules[index].dependents[collection, default: 0] += count }
            run.rules[index].batches = pending.sequence
            try await repository.finishBatch(pending, keysChanged: false, run: run, holder: holder, leaseSeconds: settings.leaseSeconds)
            digest.add(pending.keys)
            sequence = pending.sequence
        }
        var reviewKeys: [String] = []
        let clock = ContinuousClock()
        // A review's "dispose" goes through the rows it covered, by key; a sweep through every due row.
        let listed: [String]? =
            try await run.rules[index].review.asyncMap { review in
                run.origin == "review" ? try await repository.reviewKeys(.init(review)) : nil
            } ?? nil
        let action: RetentionRule.Action = listed == nil ? rule.action : .delete
        func nextRows(after: [String]?) async throws -> (rows: [[String: String]], next: [String]?) {
            guard let listed else {
                let rows = try await connection.dueRows(scan, after: after, limit: settings.batchSize)
                return (rows, rows.last.map { last in target.keyFields.map { last[$0] ?? "" } })
            }
            let offset = Int(after?.first ?? "0") ?? 0
            guard offset < listed.count else { return ([], nil) }
            let chunk = Array(listed[offset..<min(listed.count, offset + settings.batchSize)])
            let wanted = Set(chunk)
            let first = target.keyFields[0]
            let values = chunk.map { $0.split(separator: "\t", omittingEmptySubsequences: false).first.map(String.init) ?? "" }
            let found = try await connection.rows(
                collection: rule.collection,
                matching: first,
                type: target.types["\(rule.collection).\(first)"],
                values: values,
                fields: target.fields
            )
            // Only rows still past their period: a trigger changed since the review keeps its row.
            let due = found.filter { row in
                guard let key = target.key(of: row), wanted.contains(key), let trigger = row[target.trigger] else { return false }
                return trigger < target.before
            }
            let order = Dictionary(chunk.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
            return (due.sorted { (order[target.key(of: $0) ?? ""] ?? 0) < (order[target.key(of: $1) ?? ""] ?? 0) }, [String(offset + chunk.count)])
        }
        while true {
            let began = clock.now
            let (rows, next) = try await nextRows(after: run.rules[index].lastKey)
            guard let lastKey = next else { break }
            var disposable: [(values: [String], key: String)] = []
            for row in rows {
                guard let key = target.key(of: row) else { continue }
                let keptBy = everything.keepers(of: row, key: key, in: rule.id)
                if keptBy.isEmpty {
                    disposable.append((target.keyFields.map { row[$0] ?? "" }, key))
                } else {
                    for keeper in keptBy { run.rules[index].kept[keeper.description, default: 0] += 1 }
                }
            }
            if action == .delete, !target.children.isEmpty, !disposable.isEmpty {
                let heldParents = try await heldThroughChildren(disposable.map(\.key), target: target, connection: connection, keepers: everything)
                if !heldParents.isEmpty {
                    disposable.removeAll { item in
                        guard let keptBy = heldParents[item.key] else { return false }
                        for keeper in keptBy { run.rules[index].kept[keeper.description, default: 0] += 1 }
                        return true
                    }
                }
            }
            if action == .review {
                reviewKeys += disposable.map(\.key).prefix(max(0, settings.reviewLimit - reviewKeys.count))
                run.rules[index].lastKey = lastKey
                if reviewKeys.count >= settings.reviewLimit { break }
                continue
            }
            sequence += 1
            var batch = RetentionBatch(run: run.id, rule: rule.id, sequence: sequence, keys: disposable.map(\.key), done: false)
            run.rules[index].lastKey = lastKey
            run.rules[index].batches = sequence
            try await repository.recordBatch(batch, run: run, holder: holder, leaseSeconds: settings.leaseSeconds)
            let result =
                disposable.isEmpty
                ? DisposalResult(keys: [], dependents: [:])
                : try await connection.dispose(
                    Disposal(scan: scan, keys: disposable.map(\.values), children: target.children, anonymise: action == .anonymise),
                    rollingBack: false
                )
            let keysChanged = result.keys.count != batch.keys.count
            if keysChanged { batch.keys = result.keys.map { $0.joined(separator: "\t") } }
            batch.done = true
            batch.dependents = result.dependents
            run.rules[index].disposed += batch.keys.count
            for (collection, count) in result.dependents where count > 0 { run.rules[index].dependents[collection, default: 0] += count }
            try await repository.finishBatch(batch, keysChanged: keysChanged, run: run, holder: holder, leaseSeconds: settings.leaseSeconds)
            digest.add(batch.keys)
            await progress?(run)
            // Room for the service between batches.
            let took = clock.now - began
            if settings.yieldShare > 0 { try await Task.sleep(for: took * settings.yieldShare) }
        }
        let finished = AuditChain.timestamp()
        run.rules[index].state = .done
        run.rules[index].finishedAt = finished
        var certificate: DisposalCertificate?
        var review: (RetentionReview, [String])?
        var events: [AuditEvent] = []
        var generator = SystemRandomNumberGenerator()
        if action == .review {
            run.rules[index].disposed = reviewKeys.count
            if !reviewKeys.isEmpty {
                let item = RetentionReview(
                    id: .init(readableReference("RV", using: &generator)),
                    rule: rule.id,
                    owner: Self.owner(of: rule, in: map),
                    rows: reviewKeys.count,
                    createdAt: finished,
                    due: run.today.adding(days: settings.reviewDays),
                    run: run.id
                )
                run.rules[index].review = item.id.rawValue
                review = (item, reviewKeys)
                events.append(
                    AuditEvent(
                        actor: actor,
                        action: .retentionReviewOpen,
                        object: "review/\(item.id)",
                        details: [
                            "rule": .string(rule.id), "rows": .int(item.rows), "due": .string(item.due.description),
                            "sweep": .string(run.id.rawValue),
                        ]
                    )
                )
            }
        } else {
            let made = DisposalCertificate(
                id: .init(readableReference("DC", using: &generator)),
                run: run.id,
                rule: rule,
                action: action,
                source: run.rules[index].source,
                cutoff: target.cutoff,
                rows: run.rules[index].disposed,
                dependents: run.rules[index].dependents,
                fields: target.masks.keys.sorted(),
                keysDigest: digest.hex(),
                startedAt: run.rules[index].startedAt ?? finished,
                finishedAt: finished,
                issuedBy: actor
            )
            certificate = made
            run.rules[index].certificate = made.id.rawValue
            events.append(
                AuditEvent(actor: actor, action: .retentionCertificate, object: "certificate/\(made.id)", details: try JSONValue(encoding: made))
            )
        }
        try await repository.finishRule(
            run: run,
            certificate: certificate,
            review: review,
            events: events,
            holder: holder,
            leaseSeconds: settings.leaseSeconds
        )
    }

    /// The rule made runnable on its source, or an error naming why not.
    func target(
        for rule: RetentionRule,
        _ opened: OpenedSources,
        keepers: RetentionKeepers,
        day: CalendarDate
    ) throws -> (RetentionTarget, any RetentionSource) {
        if let failure = opened.failures[rule.dataset] { throw failure }
        guard let connection = opened.connections[rule.dataset], let dataset = opened.map.dataset(rule.dataset) else {
            throw StewardError(.conflict, "no source is registered for \(rule.dataset)", field: rule.id)
        }
        let target = try RetentionTarget.make(rule, dataset: dataset, today: day, holdFields: keepers.filterFields(rule.id))
        return (target, connection)
    }

    /// Reads the due rows of a rule in batches without changing anything, telling `each` every
    /// row with what keeps it, and `dependents` the rows of child collections that would go with it.
    func survey(
        _ target: RetentionTarget,
        _ connection: any RetentionSource,
        keepers: RetentionKeepers,
        counts report: (RetentionCounts) -> Void,
        each: (_ row: [String: String], _ key: String, _ keptBy: Set<RetentionKeeper>) -> Void,
        dependents: (_ collection: String, _ count: Int) -> Void
    ) async throws {
        let scan = RetentionScan(target)
        report(try await connection.counts(scan))
        var everything = keepers
        for (key, keeper) in try await repository.keptKeys(rule: target.rule.id, today: today()) {
            everything.keep(key, of: target.rule.id, by: keeper)
        }
        let whole = everything.collectionKeepers(target.rule.id)
        var after: [String]?
        while true {
            let rows = try await connection.dueRows(scan, after: after, limit: settings.batchSize)
            guard let last = rows.last else { break }
            after = target.keyFields.map { last[$0] ?? "" }
            var going: [String] = []
            var held: [(row: [String: String], key: String, keptBy: Set<RetentionKeeper>)] = []
            for row in rows {
                guard let key = target.key(of: row) else { continue }
                let keptBy = whole.isEmpty ? everything.keepers(of: row, key: key, in: target.rule.id) : Set(whole)
                held.append((row, key, keptBy))
                if keptBy.isEmpty { going.append(key) }
            }
            var throughChildren: [String: Set<RetentionKeeper>] = [:]
            if target.rule.action == .delete, !target.children.isEmpty, !going.isEmpty {
                throughChildren = try await heldThroughChildren(going, target: target, connection: connection, keepers: everything)
                let going = going.filter { throughChildren[$0] == nil }
                for (collection, count) in try await countChildren(going, of: target.children, parentKeyType: target.types, connection: connection)
                where count > 0 {
                    dependents(collection, count)
                }
            }
            for item in held { each(item.row, item.key, item.keptBy.union(throughChildren[item.key] ?? [])) }
        }
    }

    /// Parents (by key) that a held row of a child collection points at: they cannot go while it stays.
    func heldThroughChildren(
        _ keys: [String],
        target: RetentionTarget,
        connection: any RetentionSource,
        keepers: RetentionKeepers
    ) async throws -> [String: Set<RetentionKeeper>] {
        var held: [String: Set<RetentionKeeper>] = [:]
        func walk(_ children: [RetentionTarget.Child], parents: [String: String]) async throws {
            // parents: each parent key value → the top-level key it leads back to
            for child in children {
                let place = "\(target.rule.dataset).\(child.collection)"
                let fields = Array(Set(child.keyFields + [child.field] + keepers.filterFields(place)))
                let rows = try await connection.rows(
                    collection: child.collection,
                    matching: child.field,
                    type: target.types["\(child.collection).\(child.field)"],
                    values: Array(parents.keys),
                    fields: fields
                )
                var next: [String: String] = [:]
                for row in rows {
                    guard let parent = row[child.field], let top = parents[parent] else { continue }
                    let key = child.keyFields.compactMap { row[$0] }.joined(separator: "\t")
                    let keptBy = keepers.keepers(of: row, key: key, in: place).union(keepers.collectionKeepers(place))
                    if !keptBy.isEmpty { held[top, default: []].formUnion(keptBy) }
                    if child.keyFields.count == 1 { next[key] = top }
                }
                if !child.children.isEmpty, !next.isEmpty { try await walk(child.children, parents: next) }
            }
        }
        try await walk(target.children, parents: Dictionary(keys.map { ($0, $0) }, uniquingKeysWith: { first, _ in first }))
        return held
    }

    /// How many rows of each child collection point (directly or further down) at the parents `keys`.
    func countChildren(
        _ keys: [String],
        of children: [RetentionTarget.Child],
        parentKeyType types: [String: Dataset.DataType],
        connection: any RetentionSource
    ) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        guard !keys.isEmpty else { return counts }
        for child in children {
            let rows = try await connection.rows(
                collection: child.collection,
                matching: child.field,
                type: types["\(child.collection).\(child.field)"],
                values: keys,
                fields: child.keyFields
            )
            counts[child.collection, default: 0] += rows.count
            if child.keyFields.count == 1 {
                let next = rows.compactMap { $0[child.keyFields[0]] }
                for (collection, count) in try await countChildren(next, of: child.children, parentKeyType: types, connection: connection) {
                    counts[collection, default: 0] += count
                }
            }
        }
        return counts
    }

    /// The rules asked for: all, or the one named.
    static func selected(_ rules: [RetentionRule], only: String?) throws -> [RetentionRule] {
        guard let only else { return rules }
        guard let rule = rules.first(where: { $0.id == only }) else {
            throw StewardError(.notFound, "the schedule has no rule for '\(only)' (give it as dataset.collection)", field: "rule")
        }
        return [rule]
    }
}
