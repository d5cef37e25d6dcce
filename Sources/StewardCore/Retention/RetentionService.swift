import Crypto
public import Foundation

/// Runs the retention schedule on the council's sources: plans (a dry run), sweeps in bounded,
/// resumable batches with a disposal certificate per rule, legal holds, reviews, and the
/// compliance view. HTTP, the command line and the daily schedule all go through here.
///
/// The rules it applies are Core's pure functions (`RetentionRule.Period.cutoff`,
/// `RetentionTarget.make`, `RetentionKeepers.keepers`); this type loads what they need, calls
/// them, and records what they decided.
public struct RetentionService: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Rows per batch: one transaction in the source, recorded before and after.
        public var batchSize: Int
        /// Days an owner has to decide a review.
        public var reviewDays: Int
        /// How long a sweep's claim lasts without being renewed: a process that stops holds it no
        /// longer than this.
        public var leaseSeconds: Int
        /// Most rows one review covers; the rest wait for the next sweep.
        public var reviewLimit: Int
        /// A pause after each batch, as a share of the time the batch took, so a sweep leaves
        /// room for the service.
        public var yieldShare: Double
        /// How long Steward keeps its own records.
        public var ownRecords: OwnRecordPeriods

        public init(
            batchSize: Int = 5_000,
            reviewDays: Int = 30,
            leaseSeconds: Int = 15,
            reviewLimit: Int = 100_000,
            yieldShare: Double = 1,
            ownRecords: OwnRecordPeriods = OwnRecordPeriods()
        ) {
            self.ownRecords = ownRecords
            self.batchSize = batchSize
            self.reviewDays = reviewDays
            self.leaseSeconds = leaseSeconds
            self.reviewLimit = reviewLimit
            self.yieldShare = yieldShare
        }
    }

    public let repository: any RetentionRepository
    public let requests: any RequestRepository
    public let people: any GateRepository
    public let sources: any SourceRepository
    public let dataMaps: DataMapCache
    /// Collections under a legal hold by configuration.
    public let legalHolds: Set<String>
    public let settings: Settings
    public let today: @Sendable () -> CalendarDate
    /// Names this process in a sweep's lease.
    public let holder: String

    public init(
        repository: any RetentionRepository,
        requests: any RequestRepository,
        people: any GateRepository,
        sources: any SourceRepository,
        dataMaps: DataMapCache,
        legalHolds: Set<String> = [],
        settings: Settings = Settings(),
        today: @escaping @Sendable () -> CalendarDate = { .today },
        holder: String = "steward-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
    ) {
        self.repository = repository
        self.requests = requests
        self.people = people
        self.sources = sources
        self.dataMaps = dataMaps
        self.legalHolds = legalHolds
        self.settings = settings
        self.today = today
        self.holder = holder
    }

    // MARK: Holds

    /// Places a hold, audited.
    public func addHold(_ draft: LegalHold.Draft, actor: String) async throws -> LegalHold {
        guard let map = try await dataMaps.current()?.dataMap else { throw StewardError(.conflict, "no data map has been loaded") }
        var generator = SystemRandomNumberGenerator()
        let id = LegalHold.ID(readableReference("LH", using: &generator))
        let hold = try draft.validated(id: id, in: map, today: today(), actor: actor, at: AuditChain.timestamp())
        if let subject = hold.subject, try await people.subject(subject) == nil {
            throw StewardError(.invalidInput, "no person '\(subject)' in Steward's register", field: "subject")
        }
        try await repository.addHold(
            hold,
            event: AuditEvent(
                actor: actor,
                action: .retentionHoldPlace,
                object: "hold/\(hold.id)",
                details: [
                    "kind": .string(hold.kind.rawValue), "scope": .string(hold.kind == .rows ? hold.collection ?? "" : hold.scope),
                    "startsOn": .string(hold.startsOn.description), "reviewOn": hold.reviewOn.map { .string($0.description) } ?? .null,
                ]
            )
        )
        return hold
    }

    public func holds(includingLifted: Bool = false) async throws -> [LegalHold] {
        try await repository.holds(includingLifted: includingLifted)
    }

    /// Lifts a hold, with the reason, audited.
    public func liftHold(_ id: LegalHold.ID, reason: String, actor: String) async throws -> LegalHold {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StewardError(.invalidInput, "lifting a hold needs a reason", field: "reason") }
        return try await repository.liftHold(
            id,
            .init(at: AuditChain.timestamp(), by: actor, reason: reason),
            event: AuditEvent(actor: actor, action: .retentionHoldLift, object: "hold/\(id)")
        )
    }

    // MARK: Pause

    public func pause(reason: String, actor: String) async throws -> RetentionPause {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StewardError(.invalidInput, "pausing sweeps needs a reason (an incident, an audit)", field: "reason") }
        let pause = RetentionPause(by: actor, at: AuditChain.timestamp(), reason: reason)
        try await repository.setPause(pause, event: AuditEvent(actor: actor, action: .retentionPause, object: "retention"))
        return pause
    }

    public func resume(actor: String) async throws {
        guard try await repository.pause() != nil else { throw StewardError(.conflict, "sweeps are not paused") }
        try await repository.setPause(nil, event: AuditEvent(actor: actor, action: .retentionResume, object: "retention"))
    }

    // MARK: Reading

    public func runs(limit: Int = 50) async throws -> [RetentionRun] { try await repository.runs(limit: limit) }

    public func run(_ id: RetentionRun.ID) async throws -> RetentionRun {
        guard let run = try await repository.run(id) else { throw StewardError(.notFound, "no sweep '\(id)'", field: "id") }
        return run
    }

    public func certificates(run: RetentionRun.ID? = nil, rule: String? = nil) async throws -> [DisposalCertificate] {
        try await repository.certificates(run: run, rule: rule)
    }

    public func certificate(_ id: DisposalCertificate.ID) async throws -> DisposalCertificate {
        guard let certificate = try await repository.certificate(id) else { throw StewardError(.notFound, "no certificate '\(id)'", field: "id") }
        return certificate
    }

    public func reviews(state: RetentionReview.State? = nil) async throws -> [RetentionReview] { try await repository.reviews(state: state) }

    // MARK: Helpers

    /// The current data map and the rules it holds.
    func schedule() async throws -> DataMap {
        guard let map = try await dataMaps.current()?.dataMap else { throw StewardError(.conflict, "no data map has been loaded") }
        return map
    }

    /// The owner of a collection's records: the departments of the systems holding its dataset.
    static func owner(of rule: RetentionRule, in map: DataMap) -> String {
        let departments = Set(map.systems.filter { $0.datasets.contains(rule.dataset) }.map(\.department)).sorted()
        return departments.isEmpty ? "the data protection officer" : departments.joined(separator: ", ")
    }
}

/// Every registered source a sweep acts on, each opened and resolved by its own schema; a source
/// that cannot be opened is recorded with the reason, and stops only its own rules.
struct OpenedSources {
    var map: DataMap
    var connections: [Dataset.Key: any RetentionSource] = [:]
    var sourceIDs: [Dataset.Key: DataSource.ID] = [:]
    var failures: [Dataset.Key: StewardError] = [:]

    func close() async {
        for connection in connections.values { await connection.close() }
    }
}

extension RetentionService {
    /// Opens every source bound to a dataset the schedule has rules for (and every other, for the
    /// person search that finds held rows).
    func openSources(_ map: DataMap) async throws -> OpenedSources {
        var opened = OpenedSources(map: map)
        for source in try await sources.sources() {
            guard let dataset = map.dataset(source.dataset) else { continue }
            opened.sourceIDs[source.dataset] = source.id
            do {
                let connection = try await sources.connect(source)
                guard let sweepable = connection as? any RetentionSource else {
                    await connection.close()
                    throw StewardError(.invalidInput, "source '\(source.id)' is of a kind a sweep cannot act on", field: "sources.\(source.id)")
                }
                do {
                    let schema = try await sweepable.schema(of: dataset.collections.filter { !$0.skipProcessing }.map(\.name))
                    opened.map.replace(dataset.resolved(by: schema))
                    opened.connections[source.dataset] = sweepable
                } catch {
                    await sweepable.close()
                    throw error
                }
            } catch {
                opened.failures[source.dataset] = StewardError.wrapping(error, .unavailable, "source '\(source.id)' could not be opened")
            }
        }
        return opened
    }

    /// Everything that keeps due rows: holds in force, configured collections, and the rows the
    /// person search finds for held people and for the requesters of open rights requests (their
    /// rows are kept until the request closes). Returns the sources that could not be searched.
    func keepers(_ opened: OpenedSources, holds: [LegalHold]) async throws -> (RetentionKeepers, [String]) {
        let day = today()
        var keepers = RetentionKeepers(holds: holds.filter { $0.isActive(on: day) && $0.kind != .subject }, configured: legalHolds)
        var people: [(RetentionKeeper, [Subject.Identifier])] = []
        for hold in holds where hold.isActive(on: day) && hold.kind == .subject {
            guard let id = hold.subject, let subject = try await self.people.subject(id) else { continue }
            people.append((.init(.hold, hold.id.rawValue), subject.identifiers))
        }
        for request in try await requests.requests(states: RightsRequest.State.open, kind: nil, dueBefore: nil, subject: nil) {
            let subject = try await request.subject.asyncMap { try await self.people.subject($0) } ?? nil
            let identifiers = request.searchIdentifiers(subject: subject)
            if !identifiers.isEmpty { people.append((.init(.request, request.id.rawValue), identifiers)) }
        }
        let unsearched = opened.failures.keys.map(\.rawValue).sorted()
        guard !people.isEmpty, !opened.connections.isEmpty else { return (keepers, unsearched) }
        let readers = opened.connections.mapValues { $0 as any CollectionReader }
        let search = try PersonSearch(dataMap: opened.map, readers: readers)
        for (keeper, identifiers) in people {
            let outcome: PersonSearch.Outcome
            do {
                outcome = try await search.run(identifiers: identifiers)
            } catch {
                throw StewardError.wrapping(
                    error,
                    .unavailable,
                    "the rows \(keeper.kind == .request ? "of the requester of \(keeper.id)" : "under hold \(keeper.id)") could not be found, so no row is disposed of"
                )
            }
            for found in outcome.found {
                guard let collection = opened.map.dataset(found.node.dataset)?.collection(found.node.collection) else { continue }
                let keyFields = collection.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
                guard !keyFields.isEmpty else { continue }
                for row in found.rows {
                    let values = keyFields.compactMap { row[$0] }
                    guard values.count == keyFields.count else { continue }
                    keepers.keep(values.joined(separator: "\t"), of: found.node.description, by: keeper)
                }
            }
        }
        return (keepers, unsearched)
    }

    /// The rules of the schedule in the order a sweep takes them: by source, children before the
    /// collections they point at, so each rule's own rows are counted by its own certificate.
    static func ordered(_ rules: [RetentionRule], in map: DataMap) -> [RetentionRule] {
        func depth(_ rule: RetentionRule) -> Int {
            guard let dataset = map.dataset(rule.dataset) else { return 0 }
            var best = 0
            var frontier: Set<String> = [rule.collection]
            var seen = frontier
            var level = 0
            while !frontier.isEmpty, level < 16 {
                level += 1
                var next: Set<String> = []
                for collection in dataset.collections where !seen.contains(collection.name) {
                    let points = collection.allFields.contains {
                        $0.field.references.contains { $0.dataset == dataset.key && frontier.contains($0.collection) }
                    }
                    if points { next.insert(collection.name) }
                }
                if !next.isEmpty { best = level }
                seen.formUnion(next)
                frontier = next
            }
            return best
        }
        return rules.sorted { ($0.dataset.rawValue, depth($0), $0.collection) < ($1.dataset.rawValue, depth($1), $1.collection) }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}

/// SHA-256 of keys one per line, fed batch by batch.
struct KeysDigest {
    private var hasher = SHA256()

    mutating func add(_ keys: [String]) {
        for key in keys {
            hasher.update(data: Data(key.utf8))
            hasher.update(data: Data([0x0A]))
        }
    }

    func hex() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
