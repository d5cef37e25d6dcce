/// What an audit entry records was done, as a dotted verb. Every action Steward writes is named
/// here once, so the log's vocabulary can be read in one place and an auditor's queries do not
/// break on a spelling.
public struct AuditAction: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // The data map.
    public static let dataMapLoad = AuditAction(rawValue: "datamap.load")
    public static let dataMapLoadUnchanged = AuditAction(rawValue: "datamap.load.unchanged")

    // API tokens.
    public static let tokenCreate = AuditAction(rawValue: "token.create")
    public static let tokenRevoke = AuditAction(rawValue: "token.revoke")

    // Staff accounts and console sessions.
    public static let staffCreate = AuditAction(rawValue: "staff.create")
    public static let staffDisable = AuditAction(rawValue: "staff.disable")
    public static let staffSignIn = AuditAction(rawValue: "staff.sign_in")
    /// A wrong password for a known account (a wrong email is not recorded: it names no one).
    public static let staffSignInFailed = AuditAction(rawValue: "staff.sign_in_failed")
    public static let staffSignOut = AuditAction(rawValue: "staff.sign_out")
    public static let staffPassword = AuditAction(rawValue: "staff.password")
    /// A new setup code issued, the password cleared.
    public static let staffReset = AuditAction(rawValue: "staff.reset")

    // The audit log itself.
    public static let auditExport = AuditAction(rawValue: "audit.export")
    /// A member of staff verified the log from the console; the details hold the result.
    public static let auditVerify = AuditAction(rawValue: "audit.verify")

    // Statistics.
    /// A release of equality statistics published, with the ε it spent.
    public static let statisticsRelease = AuditAction(rawValue: "statistics.release")

    // The gate.
    public static let gateAllow = AuditAction(rawValue: "gate.allow")
    public static let gateRefuse = AuditAction(rawValue: "gate.refuse")
    /// A decision asked as on another day (`asOf`): recorded, never acted on.
    public static let gateWhatIf = AuditAction(rawValue: "gate.what_if")
    /// Used only by the benchmark's stand-in entries.
    public static let gateDecide = AuditAction(rawValue: "gate.decide")

    // People and what they said.
    public static let subjectCreate = AuditAction(rawValue: "subject.create")
    public static let subjectMerge = AuditAction(rawValue: "subject.merge")
    public static let preferenceAdd = AuditAction(rawValue: "preference.add")
    public static let preferenceWithdraw = AuditAction(rawValue: "preference.withdraw")

    // Council sources.
    public static let sourceCreate = AuditAction(rawValue: "source.create")
    public static let sourceRemove = AuditAction(rawValue: "source.remove")
    public static let sourceCheck = AuditAction(rawValue: "source.check")

    // Letters.
    public static let mailQueue = AuditAction(rawValue: "mail.queue")
    public static let mailSent = AuditAction(rawValue: "mail.sent")
    public static let mailFailed = AuditAction(rawValue: "mail.failed")
    public static let mailRetry = AuditAction(rawValue: "mail.retry")

    // Retention.
    public static let retentionPlan = AuditAction(rawValue: "retention.plan")
    public static let retentionSweepStart = AuditAction(rawValue: "retention.sweep_start")
    public static let retentionSweepEnd = AuditAction(rawValue: "retention.sweep_end")
    /// A disposal certificate: the rows a rule disposed of in a sweep, and a digest of their keys.
    public static let retentionCertificate = AuditAction(rawValue: "retention.certificate")
    public static let retentionHoldPlace = AuditAction(rawValue: "retention.hold_place")
    public static let retentionHoldLift = AuditAction(rawValue: "retention.hold_lift")
    public static let retentionReviewOpen = AuditAction(rawValue: "retention.review_open")
    public static let retentionReviewDispose = AuditAction(rawValue: "retention.review_dispose")
    public static let retentionReviewKeep = AuditAction(rawValue: "retention.review_keep")
    public static let retentionPause = AuditAction(rawValue: "retention.pause")
    public static let retentionResume = AuditAction(rawValue: "retention.resume")
    /// Steward's own records past their period, removed.
    public static let retentionOwnRecords = AuditAction(rawValue: "retention.own_records")

    // Rights requests.
    public static let requestCreate = AuditAction(rawValue: "request.create")
    public static let requestTask = AuditAction(rawValue: "request.task")
    public static let requestSubjectLinked = AuditAction(rawValue: "request.subject_linked")
    public static let identityCodeIssued = AuditAction(rawValue: "request.identity.code_issued")
    public static let identityCodeFailed = AuditAction(rawValue: "request.identity.code_failed")
    public static let identityCodeLocked = AuditAction(rawValue: "request.identity.code_locked")
    public static let bundleDownload = AuditAction(rawValue: "request.bundle_download")
    /// A resident asked to see a request's status, and a code went to its address.
    public static let statusCodeIssued = AuditAction(rawValue: "request.status.code_issued")
    public static let statusCodeFailed = AuditAction(rawValue: "request.status.code_failed")
    /// A status code was entered and the status page opened.
    public static let statusOpened = AuditAction(rawValue: "request.status.opened")

    /// A change in a request's workflow (`request.extended`, `request.identity_verified`, …).
    public static func request(_ change: RightsRequest.Change.Name) -> AuditAction {
        AuditAction(rawValue: "request.\(change.rawValue)")
    }

    /// How a run of a request in the council's sources ended (`request.erasure_run`,
    /// `request.access_dry_run`, `request.rectification_failed`, …).
    public static func run(_ kind: RightsRequest.Kind, _ outcome: RunOutcome) -> AuditAction {
        AuditAction(rawValue: "request.\(kind.rawValue)_\(outcome.rawValue)")
    }

    /// The end of a run, as its audit action names it.
    public enum RunOutcome: String, Sendable, CaseIterable {
        case run
        case dryRun = "dry_run"
        case failed
    }
}
