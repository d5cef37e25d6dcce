/// How long Steward keeps its own records about people, by the same machinery as the council's
/// schedule. The audit log is never swept: it holds ids and counts, never personal values.
public struct OwnRecordPeriods: Sendable, Hashable, Codable {
    /// Closed rights requests and their letters, from closing (SAR case file: 6 years).
    public var requests = RetentionRule.Period(count: 6, unit: .years)
    /// Identity challenges (the hashed codes), from issue.
    public var identityChallenges = RetentionRule.Period(count: 30, unit: .days)
    /// Sent or failed messages of the outbox not belonging to a request, from sending.
    public var outbox = RetentionRule.Period(count: 1, unit: .years)
    /// What a search found for a request (the bundle's contents), from the request closing.
    public var searchResults = RetentionRule.Period(count: 30, unit: .days)
    /// Revoked API tokens, from revocation.
    public var revokedTokens = RetentionRule.Period(count: 1, unit: .years)

    public init() {}

    /// Each kind of record with its period, as configuration and the sweep name them.
    public var all: [(kind: String, period: RetentionRule.Period)] {
        [
            ("requests", requests), ("identity_challenges", identityChallenges), ("outbox", outbox), ("search_results", searchResults),
            ("revoked_tokens", revokedTokens),
        ]
    }
}

/// How many of Steward's own records one sweep removed, by kind.
public struct OwnRecordsSwept: Sendable, Hashable, Codable {
    public var kind: String
    public var period: String
    public var cutoff: CalendarDate
    public var removed: Int

    public init(kind: String, period: String, cutoff: CalendarDate, removed: Int) {
        self.kind = kind
        self.period = period
        self.cutoff = cutoff
        self.removed = removed
    }
}
