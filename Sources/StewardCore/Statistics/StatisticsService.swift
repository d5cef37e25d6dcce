public import Foundation

/// Publishes equality statistics: counts made into noisy tables once, checked against the cycle's
/// budget and stored with their audit entry; a release asked for again is served as stored.
public struct StatisticsService: Sendable {
    let repository: any StatisticsRepository
    public let categories: EqualityCategories
    /// The ε each dataset may spend in one cycle, unless its budget was set already.
    public let budgetPerCycle: PrivacyLoss

    public init(repository: any StatisticsRepository, categories: EqualityCategories, budgetPerCycle: PrivacyLoss) {
        self.repository = repository
        self.categories = categories
        self.budgetPerCycle = budgetPerCycle
    }

    /// One table to publish: its counts (never published themselves) and the ε it spends.
    public struct TableRequest: Sendable {
        public var name: String
        public var title: String
        public var counts: Tabulation.Counts
        public var epsilon: PrivacyLoss
        public var display: DisplayRule

        public init(name: String, title: String, counts: Tabulation.Counts, epsilon: PrivacyLoss, display: DisplayRule = .asDrawn) {
            self.name = name
            self.title = title
            self.counts = counts
            self.epsilon = epsilon
            self.display = display
        }
    }

    /// What a release was: newly drawn and published, or the stored one served again.
    public enum Outcome: Sendable, Hashable {
        case published(StatisticsRelease)
        case servedAgain(StatisticsRelease)

        public var release: StatisticsRelease {
            switch self {
            case .published(let release), .servedAgain(let release): release
            }
        }
    }

    /// The release `name` of `dataset` for `cycle`: the stored one if it was published, else the
    /// tables made noisy now (`generator` only in tests: releases draw from the system's secure
    /// generator) and published against the budget.
    public func release(
        name: String,
        dataset: String,
        cycle: String,
        tables: @autoclosure () throws -> [TableRequest],
        actor: String,
        using generator: inout some RandomNumberGenerator
    ) async throws -> Outcome {
        if let stored = try await repository.release(named: name, dataset: dataset, cycle: cycle) { return .servedAgain(stored) }
        let requests = try tables()
        guard !requests.isEmpty else { throw StewardError(.invalidInput, "a release needs at least one table", field: "tables") }
        var seen = Set<String>()
        for request in requests where !seen.insert(request.name).inserted {
            throw StewardError(.invalidInput, "the table name '\(request.name)' is given twice", field: "tables")
        }
        let release = StatisticsRelease(
            id: .init("ST-\(UUID().uuidString.lowercased().prefix(8))"),
            dataset: dataset,
            cycle: cycle,
            name: name,
            tables: requests.map { request in
                .init(
                    name: request.name,
                    title: request.title,
                    table: NoisyTable.release(request.counts, epsilon: request.epsilon, using: &generator),
                    display: request.display
                )
            },
            categoriesVersion: categories.version,
            publishedAt: AuditChain.timestamp(),
            publishedBy: actor
        )
        do {
            return .published(try await repository.publish(release, budget: budgetPerCycle, actor: actor))
        } catch let error as StewardError where error.code == .conflict && error.field == "name" {
            // Published by another node meanwhile: that one stands, and this draw is thrown away.
            guard let stored = try await repository.release(named: name, dataset: dataset, cycle: cycle) else { throw error }
            return .servedAgain(stored)
        }
    }

    /// The same, drawing from the system's cryptographically secure generator.
    public func release(
        name: String,
        dataset: String,
        cycle: String,
        tables: @autoclosure () throws -> [TableRequest],
        actor: String
    ) async throws -> Outcome {
        var generator = SecureRandom()
        return try await release(name: name, dataset: dataset, cycle: cycle, tables: try tables(), actor: actor, using: &generator)
    }
}
