/// A published release of equality statistics: its tables with their noisy counts, the ε each
/// spent and the budget it was spent from. Once published it is never drawn again: asking for the
/// same release returns it as it was, so nobody can average the noise away by asking twice.
public struct StatisticsRelease: Sendable, Hashable, Codable {
    public typealias ID = Key<StatisticsRelease>

    /// One table of the release.
    public struct Table: Sendable, Hashable, Codable {
        public var name: String
        public var title: String
        public var table: NoisyTable
        public var display: DisplayRule

        public init(name: String, title: String, table: NoisyTable, display: DisplayRule = .asDrawn) {
            self.name = name
            self.title = title
            self.table = table
            self.display = display
        }
    }

    public var id: ID
    /// The budget's scope: the dataset counted, and the release cycle (`2026-27`).
    public var dataset: String
    public var cycle: String
    /// The release's own name: the same name in the same cycle is the same release.
    public var name: String
    public var tables: [Table]
    /// The edition of the category lists counted by.
    public var categoriesVersion: String
    public var publishedAt: String
    public var publishedBy: String

    public init(
        id: ID,
        dataset: String,
        cycle: String,
        name: String,
        tables: [Table],
        categoriesVersion: String,
        publishedAt: String,
        publishedBy: String
    ) {
        self.id = id
        self.dataset = dataset
        self.cycle = cycle
        self.name = name
        self.tables = tables
        self.categoriesVersion = categoriesVersion
        self.publishedAt = publishedAt
        self.publishedBy = publishedBy
    }

    /// The ε the release spends: the sum of its tables' (basic composition, since one person is in
    /// every table).
    public var epsilon: PrivacyLoss? {
        PrivacyLoss.sum(tables.map(\.table.epsilon))
    }
}

/// Where releases and the budget they spend are kept. `publish` checks the budget and records the
/// release in one unit of work, so two releases at once cannot together overspend.
public protocol StatisticsRepository: Sendable {
    /// The release of this name in this cycle, if it was published.
    func release(named name: String, dataset: String, cycle: String) async throws -> StatisticsRelease?
    func release(_ id: StatisticsRelease.ID) async throws -> StatisticsRelease?
    /// Every release, newest first.
    func releases() async throws -> [StatisticsRelease]
    /// The budget of a dataset's cycle and what it has spent; nil before its first release.
    func budget(dataset: String, cycle: String) async throws -> PrivacyBudget?
    /// Records the release against its cycle's budget (`total` when the cycle has none yet),
    /// audited; an error with the numbers when it would overspend, changing nothing.
    func publish(_ release: StatisticsRelease, budget total: PrivacyLoss, actor: String) async throws -> StatisticsRelease
}
