/// Where retention keeps its holds, sweeps, batches, certificates and reviews: one call per unit of
/// work, each with its audit entries in the same transaction.
public protocol RetentionRepository: Sendable {
    func addHold(_ hold: LegalHold, event: AuditEvent) async throws
    func holds(includingLifted: Bool) async throws -> [LegalHold]
    /// Lifts a hold in force; an error when there is none by that id, or it is lifted already.
    func liftHold(_ id: LegalHold.ID, _ lift: LegalHold.Lift, event: AuditEvent) async throws -> LegalHold

    /// Records a new sweep as running under a lease of `leaseSeconds` held by `holder`; a
    /// conflict when another sweep is running with a live lease.
    func startRun(_ run: RetentionRun, holder: String, leaseSeconds: Int, event: AuditEvent) async throws
    /// The sweep still running, if any, and whether its lease has lapsed (its process has stopped).
    func unfinishedRun() async throws -> (run: RetentionRun, leaseLapsed: Bool, leaseSecondsLeft: Int)?
    /// Takes over a sweep whose lease has lapsed; false when another process took it first or its
    /// lease is live.
    func takeOver(_ id: RetentionRun.ID, holder: String, leaseSeconds: Int) async throws -> Bool
    /// Renews a sweep's lease while `holder` holds it; an error when the lease was lost.
    func renewLease(_ id: RetentionRun.ID, holder: String, leaseSeconds: Int) async throws
    /// Saves a sweep's progress and renews its lease; an error when the lease was lost.
    func saveRun(_ run: RetentionRun, holder: String, leaseSeconds: Int) async throws
    /// Records a batch before its rows are changed in the source, with the sweep's progress.
    func recordBatch(_ batch: RetentionBatch, run: RetentionRun, holder: String, leaseSeconds: Int) async throws
    /// Marks a recorded batch done, with the keys actually disposed of (written again only when
    /// `keysChanged`: fewer went than were recorded), and the sweep's progress.
    func finishBatch(_ batch: RetentionBatch, keysChanged: Bool, run: RetentionRun, holder: String, leaseSeconds: Int) async throws
    /// A batch recorded but not marked done: the one the sweep was making when it stopped.
    func pendingBatch(run: RetentionRun.ID, rule: String) async throws -> RetentionBatch?
    /// The done batches of a rule in a run, from `sequence` on, in order, at most `limit`.
    func doneBatches(run: RetentionRun.ID, rule: String, from sequence: Int, limit: Int) async throws -> [RetentionBatch]
    /// Ends a rule: its certificate and its review (with the keys it covers), with their audit entries.
    func finishRule(
        run: RetentionRun,
        certificate: DisposalCertificate?,
        review: (RetentionReview, [String])?,
        events: [AuditEvent],
        holder: String,
        leaseSeconds: Int
    ) async throws
    func finishRun(_ run: RetentionRun, events: [AuditEvent]) async throws
    func runs(limit: Int) async throws -> [RetentionRun]
    func run(_ id: RetentionRun.ID) async throws -> RetentionRun?

    func certificates(run: RetentionRun.ID?, rule: String?) async throws -> [DisposalCertificate]
    func certificate(_ id: DisposalCertificate.ID) async throws -> DisposalCertificate?

    func reviews(state: RetentionReview.State?) async throws -> [RetentionReview]
    func review(_ id: RetentionReview.ID) async throws -> RetentionReview?
    func reviewKeys(_ id: RetentionReview.ID) async throws -> [String]
    /// Keys of `rule` kept from sweeps: under an open review, or kept by a decision until after `today`.
    func keptKeys(rule: String, today: CalendarDate) async throws -> [String: RetentionKeeper]
    /// Records a review's outcome; "keep" keeps its rows until the date given.
    func decideReview(_ review: RetentionReview, event: AuditEvent) async throws

    /// Removes Steward's own records past their periods, audited.
    func sweepOwnRecords(_ periods: OwnRecordPeriods, today: CalendarDate, actor: String) async throws -> [OwnRecordsSwept]

    func pause() async throws -> RetentionPause?
    /// Pauses sweeps (a pause) or resumes them (nil), audited.
    func setPause(_ pause: RetentionPause?, event: AuditEvent) async throws
    /// True for the one process that claims the daily sweep of `day`; false for every other.
    func claimScheduledSweep(on day: CalendarDate, holder: String) async throws -> Bool
}
