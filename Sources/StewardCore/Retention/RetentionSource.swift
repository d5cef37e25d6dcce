/// What a sweep reads from one collection: its rows past their period, in primary-key order.
public struct RetentionScan: Sendable, Hashable {
    public var collection: String
    public var keyFields: [String]
    public var trigger: String
    /// A trigger before this date (`yyyy-MM-dd`) is due.
    public var before: String
    /// Fields read with each row: the key, the trigger, and what holds and masks compare.
    public var fields: [String]
    /// Each field's type (`collection.field`).
    public var types: [String: Dataset.DataType]
    /// For an anonymising rule: only rows with a field still to mask are due.
    public var masks: [String: String?]

    public init(_ target: RetentionTarget) {
        collection = target.rule.collection
        keyFields = target.keyFields
        trigger = target.trigger
        before = target.before
        // The trigger is compared by the source, not read back.
        fields = target.fields.filter { $0 != target.trigger || target.keyFields.contains($0) }
        types = target.types
        masks = target.masks
    }
}

/// How many rows of a collection are past their period, and how many have no trigger at all.
public struct RetentionCounts: Sendable, Hashable, Codable {
    public var due: Int
    public var emptyTrigger: Int
    /// The earliest trigger among the due rows.
    public var oldest: String?

    public init(due: Int, emptyTrigger: Int, oldest: String?) {
        self.due = due
        self.emptyTrigger = emptyTrigger
        self.oldest = oldest
    }
}

/// One batch to dispose of: rows of a collection by key, deleted (with the rows of other
/// collections that point at them, children first) or anonymised, in one transaction.
public struct Disposal: Sendable, Hashable {
    public var scan: RetentionScan
    /// Each row's key values, in key-field order.
    public var keys: [[String]]
    public var children: [RetentionTarget.Child]
    public var anonymise: Bool

    public init(scan: RetentionScan, keys: [[String]], children: [RetentionTarget.Child], anonymise: Bool) {
        self.scan = scan
        self.keys = keys
        self.children = children
        self.anonymise = anonymise
    }
}

/// What a batch did: the keys of the rows it disposed of (in the order asked), and the rows of
/// other collections deleted with them.
public struct DisposalResult: Sendable, Hashable {
    public var keys: [[String]]
    public var dependents: [String: Int]

    public init(keys: [[String]], dependents: [String: Int]) {
        self.keys = keys
        self.dependents = dependents
    }
}

/// A council source a sweep can act on.
public protocol RetentionSource: SourceConnection {
    /// Up to `limit` due rows after the key `after` (nil from the start), in primary-key order,
    /// each with the scan's fields.
    func dueRows(_ scan: RetentionScan, after: [String]?, limit: Int) async throws -> [[String: String]]
    /// How many rows are due, and how many have no trigger.
    func counts(_ scan: RetentionScan) async throws -> RetentionCounts
    /// Disposes of a batch in one transaction; a row no longer due (its trigger changed) is left.
    /// With `rollingBack`, the statements are made and undone.
    func dispose(_ disposal: Disposal, rollingBack: Bool) async throws -> DisposalResult
}
