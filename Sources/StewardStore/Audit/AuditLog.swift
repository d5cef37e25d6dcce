public import StewardCore

/// The audit log's writer. Appends from many tasks are gathered into one transaction (group commit):
/// while one batch is being written the next one collects, so the log keeps up with the callers and
/// each caller is answered only once its entry is durably committed.
public actor AuditLog {
    private let handle: any DatabaseHandle
    private let appender: AuditAppender
    private var pending: [(event: AuditEvent, disclosure: DisclosureRow?, continuation: CheckedContinuation<AuditEntry, any Error>)] = []
    private var isFlushing = false
    /// When the batch being written now began.
    private var batchStarted: ContinuousClock.Instant?
    /// Why the last batch failed, while no batch has committed since.
    private var failure: String?
    /// The most entries written in one transaction.
    static let maximumBatch = 20_000
    /// A batch taking longer than this makes the writer not ready (the database's own deadline
    /// fails it a little later).
    static let stuckAfter: Duration = .seconds(3)

    /// Whether the writer is committing: what `/readyz` reports.
    public enum Health: Sendable, Equatable {
        case committing
        /// The last batch failed, and none has committed since.
        case failing(String)
        /// A batch has been waiting on the database this long.
        case stuck(Duration)
    }

    /// The writer's state now.
    public var health: Health {
        if let batchStarted, case let waited = ContinuousClock.now - batchStarted, waited > Self.stuckAfter { return .stuck(waited) }
        if let failure { return .failing(failure) }
        return .committing
    }

    /// Forgets the last failure once a write transaction is known to commit again, so a writer with
    /// no traffic to prove it is not reported failing for good.
    func recovered() {
        failure = nil
    }

    init(handle: any DatabaseHandle, appender: AuditAppender) {
        self.handle = handle
        self.appender = appender
    }

    /// Appends one event and returns its sealed entry once it is committed.
    @discardableResult
    public func append(_ event: AuditEvent) async throws -> AuditEntry {
        try await append(event, disclosure: nil)
    }

    /// Appends an event together with the disclosure it records: both are written in the same batch
    /// transaction, so the disclosure log and the audit log cannot disagree, and disclosures share
    /// the group commit.
    func append(_ event: AuditEvent, disclosure: DisclosureRow?) async throws -> AuditEntry {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((event, disclosure, continuation))
            if !isFlushing {
                isFlushing = true
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let count = min(pending.count, Self.maximumBatch)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            let events = batch.map(\.event)
            let disclosures = batch.compactMap(\.disclosure)
            let appender = self.appender
            batchStarted = .now
            do {
                // The database's deadline bounds this: a batch that neither commits nor fails is
                // failed, and the next one goes ahead.
                let entries = try await handle.write { database in
                    try await DisclosureRow.insert(disclosures, on: database)
                    return try await appender.append(events, on: database)
                }
                failure = nil
                for (index, item) in batch.enumerated() { item.continuation.resume(returning: entries[index]) }
            } catch {
                failure = (error as? StewardError)?.message ?? "the batch could not be committed"
                for item in batch { item.continuation.resume(throwing: error) }
            }
            batchStarted = nil
        }
        isFlushing = false
    }
}
