import Foundation

extension RetentionService {
    /// Ends a review: "dispose" deletes the rows it covered that are still past their period and
    /// not held (a sweep of their own, with its certificate); "keep" keeps them until the date
    /// given. Both are audited with the reason.
    public func decide(
        _ id: RetentionReview.ID,
        decision: RetentionReview.Decision,
        keepUntil: CalendarDate?,
        reason: String,
        actor: String
    ) async throws -> RetentionReview {
        guard var review = try await repository.review(id) else { throw StewardError(.notFound, "no review '\(id)'", field: "id") }
        guard review.state == .open else {
            throw StewardError(.conflict, "review \(id) was decided already (\(review.state.rawValue))", field: "id")
        }
        var outcome = try RetentionReview.outcome(
            decision: decision,
            keepUntil: keepUntil,
            reason: reason,
            actor: actor,
            today: today(),
            at: AuditChain.timestamp()
        )
        switch decision {
        case .keep:
            review.state = .kept
            review.outcome = outcome
            try await repository.decideReview(
                review,
                event: AuditEvent(
                    actor: actor,
                    action: .retentionReviewKeep,
                    object: "review/\(id)",
                    details: ["rule": .string(review.rule), "rows": .int(review.rows), "keepUntil": .string(keepUntil?.description ?? "")]
                )
            )
        case .dispose:
            if let pause = try await repository.pause() {
                throw StewardError(
                    .conflict,
                    "sweeps are paused since \(pause.at) by \(pause.by): \(pause.reason); resume them first",
                    field: "paused"
                )
            }
            let map = try await schedule()
            guard let rule = map.retention.first(where: { $0.id == review.rule }) else {
                throw StewardError(.conflict, "the schedule no longer has a rule for \(review.rule)", field: "rule")
            }
            let sourceID = try await sources.sources().first { $0.dataset == rule.dataset }?.id.rawValue
            var generator = SystemRandomNumberGenerator()
            var progress = RetentionRun.RuleProgress(rule: rule, source: sourceID)
            progress.action = .delete
            progress.review = id.rawValue
            let run = RetentionRun(
                id: .init(readableReference("RS", using: &generator)),
                startedAt: AuditChain.timestamp(),
                startedBy: actor,
                today: today(),
                origin: "review",
                rules: [progress]
            )
            try await repository.startRun(
                run,
                holder: holder,
                leaseSeconds: settings.leaseSeconds,
                event: AuditEvent(
                    actor: actor,
                    action: .retentionSweepStart,
                    object: "sweep/\(run.id)",
                    details: ["rules": 1, "origin": "review", "review": .string(id.rawValue)]
                )
            )
            let ended = try await carryOn(run, actor: actor, progress: nil)
            guard ended.state == .done, ended.rules.first?.state == .done else {
                throw StewardError(
                    .unavailable,
                    "the review's rows could not all be disposed of: \(ended.rules.first?.error ?? "the sweep did not run"); the review stays open",
                    field: ended.rules.first?.field
                )
            }
            outcome.run = ended.id
            review.state = .disposed
            review.outcome = outcome
            try await repository.decideReview(
                review,
                event: AuditEvent(
                    actor: actor,
                    action: .retentionReviewDispose,
                    object: "review/\(id)",
                    details: [
                        "rule": .string(review.rule), "rows": .int(review.rows), "disposed": .int(ended.disposed),
                        "sweep": .string(ended.id.rawValue),
                        "certificate": .string(ended.rules.first?.certificate ?? ""),
                    ]
                )
            )
        }
        return review
    }

    /// Are we keeping anything longer than the schedule says? Per rule: rows past their period
    /// now, what keeps them lawfully, the oldest, the last certificate and open reviews; and the
    /// collections holding personal data that no rule covers.
    public func status() async throws -> RetentionStatus {
        let map = try await schedule()
        let opened = try await openSources(map)
        defer { Task { await opened.close() } }
        let day = today()
        let holds = try await repository.holds(includingLifted: false)
        var keepers = RetentionKeepers(holds: holds.filter { $0.isActive(on: day) && $0.kind != .subject }, configured: legalHolds)
        var keeperProblem: String?
        do {
            (keepers, _) = try await self.keepers(opened, holds: holds)
        } catch {
            keeperProblem = StewardError.wrapping(error, .unavailable, "held rows could not be found").message
        }
        let reviews = try await repository.reviews(state: .open)
        var rules: [RetentionStatus.Rule] = []
        for rule in Self.ordered(map.retention, in: map) {
            var line = RetentionStatus.Rule(
                rule: rule.id,
                source: opened.sourceIDs[rule.dataset]?.rawValue,
                action: rule.action,
                period: rule.period.description,
                overdue: 0,
                kept: 0,
                emptyTrigger: 0,
                oldestOverdueDays: nil,
                lastCertificate: try await repository.certificates(run: nil, rule: rule.id).first,
                openReviews: reviews.filter { $0.rule == rule.id }.count,
                problem: keeperProblem
            )
            do {
                let (target, connection) = try target(for: rule, opened, keepers: keepers, day: day)
                let counts = try await connection.counts(RetentionScan(target))
                line.overdue = counts.due
                line.emptyTrigger = counts.emptyTrigger
                if let oldest = counts.oldest.flatMap({ CalendarDate(iso: String($0.prefix(10))) }) {
                    line.oldestOverdueDays = oldest.days(until: target.cutoff)
                }
                if counts.due > 0, keeperProblem == nil {
                    var kept = 0
                    try await survey(target, connection, keepers: keepers) { _ in
                    } each: { _, _, keptBy in
                        if !keptBy.isEmpty { kept += 1 }
                    } dependents: { _, _ in
                    }
                    line.kept = kept
                }
            } catch {
                line.problem = StewardError.wrapping(error, .unavailable, "the rule could not be checked").message
            }
            rules.append(line)
        }
        let covered = Set(map.retention.map(\.id))
        var gaps: [RetentionStatus.Gap] = []
        for dataset in map.datasets {
            for collection in dataset.collections where !covered.contains("\(dataset.key).\(collection.name)") {
                let personal = collection.allFields.contains { $0.field.dataCategories.contains { DataCategory.Key("user").covers($0) } }
                guard personal else { continue }
                gaps.append(
                    .init(
                        collection: "\(dataset.key).\(collection.name)",
                        system: map.systems.first { $0.datasets.contains(dataset.key) }?.key.rawValue
                    )
                )
            }
        }
        return RetentionStatus(
            today: day,
            rules: rules,
            gaps: gaps,
            lastRun: try await repository.runs(limit: 1).first,
            paused: try await repository.pause(),
            holds: holds.filter { $0.isActive(on: day) }.count
        )
    }
}
