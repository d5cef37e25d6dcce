/// A letter to go out with a change, written into the outbox in the same unit of work as the
/// change, so a change is never acknowledged without its letter.
public struct OutgoingLetter: Sendable, Hashable {
    public var letter: RenderedLetter
    public var address: String
    public var name: String?
    public var request: RightsRequest.ID?
    /// A one-time code to put in where `OneTimeCode.marker` stands, as the letter is sent; kept
    /// sealed until then, never in clear.
    public var code: OneTimeCode?

    public init(letter: RenderedLetter, address: String, name: String?, request: RightsRequest.ID?, code: OneTimeCode? = nil) {
        self.letter = letter
        self.address = address
        self.name = name
        self.request = request
        self.code = code
    }
}

/// A one-time code waiting in a letter, and when it stops working.
public struct OneTimeCode: Sendable, Hashable {
    public var code: String
    /// Seconds since 1970; a letter not sent by then is not sent at all.
    public var expiresAt: Int64

    public init(code: String, expiresAt: Int64) {
        self.code = code
        self.expiresAt = expiresAt
    }

    /// Where the code goes in a waiting letter.
    public static let marker = "%%ONE-TIME-CODE%%"
}

/// An identity challenge as kept for a request, with how many codes have been sent for it.
public struct StoredChallenge: Sendable, Hashable {
    public var challenge: IdentityChallenge
    public var codesIssued: Int

    public init(challenge: IdentityChallenge, codesIssued: Int) {
        self.challenge = challenge
        self.codesIssued = codesIssued
    }
}

/// Where a request's search or change in the council's sources stands.
public struct RunStatus: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case running, done, failed
    }

    public var status: Status
    /// Collections searched so far, of those the search may reach.
    public var done: Int
    public var total: Int
    public var startedAt: String
    public var finishedAt: String?
    public var error: String?
    /// When an access search is done: rows that share a value with the person but hold
    /// nothing else of theirs, left out for staff to check.
    public var unconfirmed: [PersonSearch.Unconfirmed]? = nil

    public init(status: Status, done: Int, total: Int, startedAt: String, finishedAt: String? = nil, error: String? = nil) {
        self.status = status
        self.done = done
        self.total = total
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }
}

/// How a run ended, as it is kept with the request.
public struct RunEnd: Sendable {
    /// Why it failed, where it stopped (never the values given); nil when it is done.
    public var failure: String?
    /// What it found or did (an access result, a change report): kept sealed, since it names the
    /// person's records.
    public var document: (any Encodable & Sendable)?
    /// Collections searched, of those the search could reach, when known.
    public var progress: (done: Int, total: Int)?

    public init(failure: String?, document: (any Encodable & Sendable)? = nil, progress: (done: Int, total: Int)? = nil) {
        self.failure = failure
        self.document = document
        self.progress = progress
    }
}

/// One unit of work on rights requests: what is read through it sees the work's own writes, and
/// what is written through it — requests, identity challenges, letters — is kept together with
/// the unit's audit entries, or none of it is.
public protocol RequestTransaction: Sendable {
    func insert(_ request: RightsRequest, reading: ClockReading, createdAt: String, actor: String) async throws
    /// A request to change; no other unit of work changes it until this one ends.
    func requestForUpdate(_ id: RightsRequest.ID) async throws -> RightsRequest
    /// Stores the request with the deadline its clock reads.
    func save(_ request: RightsRequest, reading: ClockReading) async throws
    func challenge(for request: RightsRequest.ID) async throws -> StoredChallenge?
    func saveChallenge(_ challenge: IdentityChallenge, codesIssued: Int, request: RightsRequest.ID) async throws
    /// The request's status code and bundle link, if a resident has asked for one.
    func statusAccess(for request: RightsRequest.ID) async throws -> StatusAccess?
    func saveStatusAccess(_ access: StatusAccess, request: RightsRequest.ID) async throws
    /// Writes a letter into the outbox; returns its audit entry.
    func enqueue(_ letter: OutgoingLetter, actor: String) async throws -> AuditEvent
    /// The person an identifier (normalised) belongs to.
    func owner(of identifier: Subject.Identifier) async throws -> Subject.ID?
    /// The one person all the identifiers belong to, or nil.
    func owner(ofAll identifiers: [Subject.Identifier]) async throws -> Subject.ID?
    func subject(_ id: Subject.ID) async throws -> Subject?
    func disclosures(of subject: Subject) async throws -> [Disclosure]
}

/// Where rights requests are kept, with their identity challenges, letters and runs.
public protocol RequestRepository: Sendable {
    /// Runs `body` as one unit of work and appends the audit entries it returns in the same
    /// transaction; an error from `body` keeps nothing.
    func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any RequestTransaction) async throws -> (Result, [AuditEvent])
    ) async throws -> Result
    /// A request by reference; `notFound`, naming `id`, when there is none.
    func request(_ id: RightsRequest.ID) async throws -> RightsRequest
    /// Requests by state, kind and deadline, in no particular order.
    func requests(
        states: Set<RightsRequest.State>?,
        kind: RightsRequest.Kind?,
        dueBefore: CalendarDate?,
        subject: Subject.ID?
    ) async throws
        -> [RightsRequest]
    /// Appends an audit entry that is not part of another change (through the group commit).
    func append(_ event: AuditEvent) async throws

    /// Marks a run as started; refuses (`conflict`) while another run of the same request is going.
    func startRun(_ id: RightsRequest.ID, startedAt: String) async throws
    /// Records how far a run has got.
    func recordProgress(_ id: RightsRequest.ID, done: Int, total: Int) async throws
    /// Records how a run ended, with its audit entries, in one transaction.
    func finishRun(_ id: RightsRequest.ID, _ end: RunEnd, events: [AuditEvent]) async throws
    /// Where the request's last run stands, or nil when it has not been run.
    func runStatus(_ id: RightsRequest.ID) async throws -> RunStatus?
    /// What the request's last completed run kept, opened from its seal.
    func runDocument<Document: Decodable & Sendable>(_ id: RightsRequest.ID, as type: Document.Type) async throws -> Document?
    /// Marks runs that were going when the server stopped as failed, so they can be run again.
    func failInterruptedRuns() async throws
}
