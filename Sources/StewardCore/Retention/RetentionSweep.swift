import Foundation

/// What a sweep would do, rule by rule, found without changing anything.
public struct RetentionPlan: Sendable, Hashable, Codable {
    public struct Rule: Sendable, Hashable, Codable {
        public var rule: String
        public var source: String?
        public var action: RetentionRule.Action
        public var period: String
        public var trigger: String
        public var cutoff: CalendarDate?
        /// Rows past their period (for `anonymise`, those not yet anonymised).
        public var due: Int
        /// Of those, what the sweep would do: delete, anonymise, or send to review.
        public var dispose: Int
        /// Rows of other collections that point at rows to be deleted, and go with them.
        public var dependents: [String: Int]
        /// Due rows a hold, an open request or a review keeps, by what keeps them.
        public var kept: [String: Int]
        /// Rows whose trigger is empty: never silently kept or deleted, reported for the owner.
        public var emptyTrigger: Int
        /// A few keys of rows that would go, to check by hand.
        public var sample: [String]
        /// Why the rule cannot run (a source down, a trigger that is not a date); nil when it can.
        public var problem: String?
        public var field: String?

        public init(rule: RetentionRule, source: String?) {
            self.rule = rule.id
            self.source = source
            action = rule.action
            period = rule.period.description
            trigger = rule.trigger.description
            due = 0
            dispose = 0
            dependents = [:]
            kept = [:]
            emptyTrigger = 0
            sample = []
        }
    }

    public var plannedAt: String
    public var today: CalendarDate
    public var rules: [Rule]
    /// Holds in force, with what each kept across the plan.
    public var holds: [LegalHold]
    /// Sweeps are paused council-wide: a run would be refused.
    public var paused: Bool
    /// Sources that could not be searched for the rows of held people and open requests.
    public var unsearched: [String]

    public init(plannedAt: String, today: CalendarDate, rules: [Rule], holds: [LegalHold], paused: Bool, unsearched: [String]) {
        self.plannedAt = plannedAt
        self.today = today
        self.rules = rules
        self.holds = holds
        self.paused = paused
        self.unsearched = unsearched
    }
}

/// One sweep: every rule of the schedule run in bounded batches, each recorded before and after it
/// is made, so a sweep stopped part-way (a crash, a restart) resumes where it stopped and counts
/// every row once.
public struct RetentionRun: Sendable, Hashable, Codable {
    public typealias ID = Key<RetentionRun>

    public enum State: String, Sendable, Hashable, Codable {
        case running
        /// Every rule ran.
        case done
        /// Some rules could not run or failed part-way; the others ran. Nothing failed is reported done.
        case partial
        case failed
    }

    /// Where one rule stands in the run.
    public struct RuleProgress: Sendable, Hashable, Codable {
        public enum State: String, Sendable, Hashable, Codable {
            case pending, running, done, failed
            /// Nothing to do: the whole collection is held, or the rule cannot run on an event.
            case skipped
        }

        public var rule: String
        public var source: String?
        public var action: RetentionRule.Action
        public var state: State
        public var cutoff: CalendarDate?
        public var before: String?
        /// Rows deleted or anonymised so far, and rows sent to review.
        public var disposed: Int
        public var dependents: [String: Int]
        public var kept: [String: Int]
        public var emptyTrigger: Int
        /// Batches made so far, and the key the next batch starts after.
        public var batches: Int
        public var lastKey: [String]?
        public var startedAt: String?
        public var finishedAt: String?
        public var error: String?
        public var field: String?
        public var certificate: String?
        public var review: String?

        public init(rule: RetentionRule, source: String?) {
            self.rule = rule.id
            self.source = source
            action = rule.action
            state = .pending
            disposed = 0
            dependents = [:]
            kept = [:]
            emptyTrigger = 0
            batches = 0
        }
    }

    public var id: ID
    public var state: State
    public var startedAt: String
    public var startedBy: String
    public var today: CalendarDate
    /// `schedule` for the daily sweep, `request` for one started by staff, `review` for a review's "dispose".
    public var origin: String
    public var finishedAt: String?
    public var rules: [RuleProgress]
    /// Sources that could not be searched for the rows of held people and open requests.
    public var unsearched: [String]
    /// A sweep of the whole schedule sweeps Steward's own records too.
    public var includesOwnRecords: Bool
    public var ownRecords: [OwnRecordsSwept]

    public init(
        id: ID,
        startedAt: String,
        startedBy: String,
        today: CalendarDate,
        origin: String,
        rules: [RuleProgress],
        includesOwnRecords: Bool = false
    ) {
        self.includesOwnRecords = includesOwnRecords
        ownRecords = []
        self.id = id
        state = .running
        self.startedAt = startedAt
        self.startedBy = startedBy
        self.today = today
        self.origin = origin
        self.rules = rules
        unsearched = []
    }

    /// The rows disposed of across every rule.
    public var disposed: Int { rules.reduce(0) { $0 + $1.disposed } }
}

/// A batch of a sweep, recorded before its rows are changed in the source and marked done after:
/// on resume, a batch recorded but not marked is finished first (rows still there are disposed of,
/// rows gone were disposed of by it), so nothing is counted twice or lost from a certificate.
public struct RetentionBatch: Sendable, Hashable, Codable {
    public var run: RetentionRun.ID
    public var rule: String
    public var sequence: Int
    /// The keys of the rows the batch disposes of, in key order.
    public var keys: [String]
    public var done: Bool
    /// Rows of other collections deleted with them.
    public var dependents: [String: Int]

    public init(run: RetentionRun.ID, rule: String, sequence: Int, keys: [String], done: Bool, dependents: [String: Int] = [:]) {
        self.run = run
        self.rule = rule
        self.sequence = sequence
        self.keys = keys
        self.done = done
        self.dependents = dependents
    }
}

/// The record that rows were destroyed or anonymised as the schedule says: what, from where, by
/// which rule and cut-off, how many, when, and a digest of exactly which rows. Appended to the
/// audit log, so it is as tamper-evident as the log.
public struct DisposalCertificate: Sendable, Hashable, Codable {
    public typealias ID = Key<DisposalCertificate>

    public var id: ID
    public var run: RetentionRun.ID
    public var rule: String
    /// The schedule's reference for the rule.
    public var authority: String?
    public var source: String?
    public var dataset: String
    public var collection: String
    public var action: RetentionRule.Action
    public var period: String
    public var trigger: String
    public var cutoff: CalendarDate
    public var rows: Int
    /// Rows of other collections that pointed at them and went with them.
    public var dependents: [String: Int]
    /// Fields anonymised, for an anonymising rule.
    public var fields: [String]
    /// SHA-256 (hex) of the disposed rows' keys, one per line (a key of several fields has them
    /// separated by tabs), in the order of the primary key as the source sorts it.
    public var keysDigest: String
    public var startedAt: String
    public var finishedAt: String
    public var issuedBy: String

    public init(
        id: ID,
        run: RetentionRun.ID,
        rule: RetentionRule,
        action: RetentionRule.Action,
        source: String?,
        cutoff: CalendarDate,
        rows: Int,
        dependents: [String: Int],
        fields: [String],
        keysDigest: String,
        startedAt: String,
        finishedAt: String,
        issuedBy: String
    ) {
        self.id = id
        self.run = run
        self.rule = rule.id
        authority = rule.source
        self.source = source
        dataset = rule.dataset.rawValue
        collection = rule.collection
        self.action = action
        period = rule.period.description
        trigger = rule.trigger.description
        self.cutoff = cutoff
        self.rows = rows
        self.dependents = dependents
        self.fields = fields
        self.keysDigest = keysDigest
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.issuedBy = issuedBy
    }
}

/// Due rows of a rule whose action is `review`, sent to the collection's owner to decide: dispose
/// of them, or keep them until a date, with a reason. Both outcomes are audited.
public struct RetentionReview: Sendable, Hashable, Codable {
    public typealias ID = Key<RetentionReview>

    public enum State: String, Sendable, Hashable, Codable {
        case open
        case disposed
        case kept
    }

    public struct Outcome: Sendable, Hashable, Codable {
        public var decision: Decision
        public var keepUntil: CalendarDate?
        public var reason: String
        public var decidedBy: String
        public var decidedAt: String
        /// The run that disposed of the rows, for "dispose".
        public var run: RetentionRun.ID?
    }

    public enum Decision: String, Sendable, Hashable, Codable {
        case dispose
        case keep
    }

    public var id: ID
    public var rule: String
    public var owner: String
    public var rows: Int
    public var createdAt: String
    public var due: CalendarDate
    public var state: State
    public var run: RetentionRun.ID
    public var outcome: Outcome?

    public init(id: ID, rule: String, owner: String, rows: Int, createdAt: String, due: CalendarDate, run: RetentionRun.ID) {
        self.id = id
        self.rule = rule
        self.owner = owner
        self.rows = rows
        self.createdAt = createdAt
        self.due = due
        state = .open
        self.run = run
    }

    /// A review's outcome as staff give it, checked: "keep" needs a date after today, both need a reason.
    public static func outcome(
        decision: Decision,
        keepUntil: CalendarDate?,
        reason: String,
        actor: String,
        today: CalendarDate,
        at time: String
    ) throws -> Outcome {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StewardError(.invalidInput, "a review's outcome needs a reason", field: "reason") }
        switch decision {
        case .dispose:
            if keepUntil != nil { throw StewardError(.invalidInput, "keepUntil is for a decision to keep", field: "keepUntil") }
        case .keep:
            guard let keepUntil else { throw StewardError(.invalidInput, "a decision to keep says until when", field: "keepUntil") }
            guard today < keepUntil else { throw StewardError(.invalidInput, "keepUntil must be after today (\(today))", field: "keepUntil") }
        }
        return Outcome(decision: decision, keepUntil: keepUntil, reason: reason, decidedBy: actor, decidedAt: time)
    }
}

/// The answer to "are we keeping anything longer than our schedule says?", rule by rule.
public struct RetentionStatus: Sendable, Hashable, Codable {
    public struct Rule: Sendable, Hashable, Codable {
        public var rule: String
        public var source: String?
        public var action: RetentionRule.Action
        public var period: String
        /// Rows past their period now (kept by a hold or a review included).
        public var overdue: Int
        /// Of them, those kept by a hold or a decision to keep: lawfully kept.
        public var kept: Int
        public var emptyTrigger: Int
        /// Days since the oldest overdue row's period ran out.
        public var oldestOverdueDays: Int?
        public var lastCertificate: DisposalCertificate?
        public var openReviews: Int
        public var problem: String?
    }

    /// A collection of the data map holding personal data that no rule covers.
    public struct Gap: Sendable, Hashable, Codable {
        public var collection: String
        public var system: String?
    }

    public var today: CalendarDate
    public var rules: [Rule]
    public var gaps: [Gap]
    public var lastRun: RetentionRun?
    public var paused: RetentionPause?
    public var holds: Int
}

/// Sweeps stopped council-wide (an incident, an audit), by whom and why.
public struct RetentionPause: Sendable, Hashable, Codable {
    public var by: String
    public var at: String
    public var reason: String

    public init(by: String, at: String, reason: String) {
        self.by = by
        self.at = at
        self.reason = reason
    }
}
