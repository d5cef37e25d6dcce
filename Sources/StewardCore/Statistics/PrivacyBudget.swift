/// The ε a dataset may spend in one release cycle, and what has been spent: releases compose
/// (basic composition), so their ε adds up, and a release that would take the total past the
/// budget is refused with the numbers. Asking again for a table already published spends nothing:
/// the stored release is served (noise drawn afresh for the same question would average away).
public struct PrivacyBudget: Sendable, Hashable, Codable {
    /// One release recorded against the budget.
    public struct Spending: Sendable, Hashable, Codable {
        public var release: String
        public var epsilon: PrivacyLoss
        public var at: String

        public init(release: String, epsilon: PrivacyLoss, at: String) {
            self.release = release
            self.epsilon = epsilon
            self.at = at
        }
    }

    /// What the budget says to a release.
    public enum Answer: Sendable, Hashable {
        /// It fits; the total spent afterwards.
        case fits(spentAfter: PrivacyLoss)
        /// It does not: what it asks, what is left.
        case overspends(asked: PrivacyLoss, left: PrivacyLoss?)
    }

    public var dataset: String
    public var cycle: String
    public var total: PrivacyLoss
    public var spent: [Spending]

    public init(dataset: String, cycle: String, total: PrivacyLoss, spent: [Spending] = []) {
        self.dataset = dataset
        self.cycle = cycle
        self.total = total
        self.spent = spent
    }

    /// The ε spent so far, or nil when nothing has been.
    public var spentSoFar: PrivacyLoss? { PrivacyLoss.sum(spent.map(\.epsilon)) }

    /// Whether a release spending `epsilon` fits what is left.
    public func answer(_ epsilon: PrivacyLoss) -> Answer {
        let after = spentSoFar.map { $0 + epsilon } ?? epsilon
        guard after <= total else {
            let left: PrivacyLoss?
            if let spent = spentSoFar { left = total - spent } else { left = total }
            return .overspends(asked: epsilon, left: left)
        }
        return .fits(spentAfter: after)
    }

    /// The budget with a release recorded, or an error with the numbers when it would overspend.
    public func spending(_ epsilon: PrivacyLoss, release: String, at time: String) throws -> PrivacyBudget {
        switch answer(epsilon) {
        case .fits:
            var next = self
            next.spent.append(Spending(release: release, epsilon: epsilon, at: time))
            return next
        case .overspends(let asked, let left):
            throw StewardError(
                .conflict,
                "the release asks ε = \(asked) of \(dataset)'s budget for \(cycle), but \(left.map { "only ε = \($0)" } ?? "nothing") is left of ε = \(total) (ε = \(spentSoFar?.description ?? "0") spent in \(spent.count) release\(spent.count == 1 ? "" : "s"))",
                field: "epsilon"
            )
        }
    }
}
