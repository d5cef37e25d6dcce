import Foundation
import SQLKit
public import StewardCore

extension Store: StatisticsRepository {
    public func release(named name: String, dataset: String, cycle: String) async throws -> StatisticsRelease? {
        try await handle.read { database in
            try await database.raw(
                "SELECT document FROM stats_releases WHERE dataset = \(bind: dataset) AND cycle = \(bind: cycle) AND name = \(bind: name)"
            ).first().map(Self.decodeRelease)
        }
    }

    public func release(_ id: StatisticsRelease.ID) async throws -> StatisticsRelease? {
        try await handle.read { database in
            try await database.raw("SELECT document FROM stats_releases WHERE id = \(bind: id.rawValue)").first().map(Self.decodeRelease)
        }
    }

    public func releases() async throws -> [StatisticsRelease] {
        try await handle.read { database in
            try await database.raw("SELECT document FROM stats_releases ORDER BY published_at DESC, id").all().map(Self.decodeRelease)
        }
    }

    public func budget(dataset: String, cycle: String) async throws -> PrivacyBudget? {
        try await handle.read { database in try await Self.budget(dataset: dataset, cycle: cycle, lock: false, on: database) }
    }

    /// The cycle's budget and its spending; on PostgreSQL, `lock` holds its row until the
    /// transaction ends, so releases of one cycle are checked one at a time.
    static func budget(dataset: String, cycle: String, lock: Bool, on database: any SQLDatabase) async throws -> PrivacyBudget? {
        let suffix = SQLQueryString(lock ? " FOR UPDATE" : "")
        guard
            let row = try await database.raw(
                "SELECT total FROM stats_budgets WHERE dataset = \(bind: dataset) AND cycle = \(bind: cycle)" + suffix
            ).first()
        else { return nil }
        let total = try PrivacyLoss(parsing: try row.decode(column: "total", as: String.self))
        let spent = try await database.raw(
            "SELECT id, epsilon, published_at FROM stats_releases WHERE dataset = \(bind: dataset) AND cycle = \(bind: cycle) ORDER BY published_at, id"
        ).all().map { row in
            PrivacyBudget.Spending(
                release: try row.decode(column: "id", as: String.self),
                epsilon: try PrivacyLoss(parsing: try row.decode(column: "epsilon", as: String.self)),
                at: try row.decode(column: "published_at", as: String.self)
            )
        }
        return PrivacyBudget(dataset: dataset, cycle: cycle, total: total, spent: spent)
    }

    public func publish(_ release: StatisticsRelease, budget total: PrivacyLoss, actor: String) async throws -> StatisticsRelease {
        guard let epsilon = release.epsilon else {
            throw StewardError(.invalidInput, "a release needs at least one table", field: "tables")
        }
        let document = try Self.encode(release)
        let lock = dialect == .postgres
        return try await writeAudited { database in
            try await database.raw(
                """
                INSERT INTO stats_budgets (dataset, cycle, total, created_at)
                VALUES (\(bind: release.dataset), \(bind: release.cycle), \(bind: total.description), \(bind: AuditChain.timestamp()))
                ON CONFLICT (dataset, cycle) DO NOTHING
                """
            ).run()
            guard let budget = try await Self.budget(dataset: release.dataset, cycle: release.cycle, lock: lock, on: database) else {
                throw StewardError(.internal, "the budget of \(release.dataset) for \(release.cycle) was not recorded")
            }
            if try await database.raw(
                "SELECT id FROM stats_releases WHERE dataset = \(bind: release.dataset) AND cycle = \(bind: release.cycle) AND name = \(bind: release.name)"
            ).first() != nil {
                throw StewardError(.conflict, "a release named '\(release.name)' was published for \(release.cycle) already", field: "name")
            }
            let after = try budget.spending(epsilon, release: release.id.rawValue, at: release.publishedAt)
            try await database.raw(
                """
                INSERT INTO stats_releases (id, dataset, cycle, name, epsilon, published_at, document)
                VALUES (\(bind: release.id.rawValue), \(bind: release.dataset), \(bind: release.cycle), \(bind: release.name),
                    \(bind: epsilon.description), \(bind: release.publishedAt), \(bind: document))
                """
            ).run()
            let event = AuditEvent(
                actor: actor,
                action: .statisticsRelease,
                object: "statistics/\(release.id)",
                details: [
                    "dataset": .string(release.dataset), "cycle": .string(release.cycle), "epsilon": .string(epsilon.description),
                    "spent": .string(after.spentSoFar?.description ?? epsilon.description), "budget": .string(budget.total.description),
                    "tables": .array(release.tables.map { ["name": .string($0.name), "epsilon": .string($0.table.epsilon.description)] }),
                ]
            )
            return (release, [event])
        }
    }

    static func decodeRelease(_ row: any SQLRow) throws -> StatisticsRelease {
        try JSONDecoder().decode(StatisticsRelease.self, from: Data(try row.decode(column: "document", as: String.self).utf8))
    }
}
