public import Foundation
public import StewardCore
import Synchronization

/// Steward's state in memory: every repository the services use — the data map, the register of
/// people, rights requests with their challenges, letters and runs, and council sources of rows
/// held in memory — so that domain services are tested without a database.
///
/// It keeps the promises the SQL store keeps: a unit of work sees its own writes and is kept whole
/// or not at all, one unit at a time; an identifier belongs to one person; a merged record leads to
/// the one it was merged into; a run cannot start twice. What the SQL store seals (run documents,
/// one-time codes) is kept here as it is, since nothing here is ever written to disk.
public actor InMemoryStore {
    /// Everything the store holds; a unit of work changes a copy and puts it back when it succeeds.
    public struct State: Sendable {
        public var dataMaps: [StoredDataMap] = []
        public var subjects: [Subject.ID: Subject] = [:]
        /// Records merged into another, and the one they lead to.
        public var mergedInto: [Subject.ID: Subject.ID] = [:]
        public var preferences: [Subject.ID: [Preference]] = [:]
        public var disclosures: [Subject.ID: [Disclosure]] = [:]
        public var requests: [RightsRequest.ID: RightsRequest] = [:]
        /// The deadline each request was stored with.
        public var due: [RightsRequest.ID: CalendarDate] = [:]
        public var challenges: [RightsRequest.ID: StoredChallenge] = [:]
        public var statusAccess: [RightsRequest.ID: StatusAccess] = [:]
        /// Letters in the order they were queued, with any one-time code beside them.
        public var outbox: [OutgoingLetter] = []
        public var runs: [RightsRequest.ID: RunStatus] = [:]
        public var runDocuments: [RightsRequest.ID: Data] = [:]
        public var sources: [DataSource] = []
        /// Every audit event, in the order it was appended.
        public var audit: [AuditEvent] = []

        /// A person by id, following merges.
        func subject(_ id: Subject.ID) -> Subject? {
            var current = id
            for _ in 0..<16 {
                if let next = mergedInto[current] {
                    current = next
                    continue
                }
                return subjects[current]
            }
            return nil
        }

        /// The person an identifier belongs to, after any merge.
        func owner(of identifier: Subject.Identifier) -> Subject.ID? {
            subjects.values.first { subject in
                mergedInto[subject.id] == nil && subject.identifiers.contains(identifier)
            }?.id
        }

        func owner(ofAll identifiers: [Subject.Identifier]) -> Subject.ID? {
            var owner: Subject.ID?
            for identifier in identifiers {
                guard let found = self.owner(of: identifier), owner == nil || owner == found else { return nil }
                owner = found
            }
            return owner
        }
    }

    public private(set) var state = State()
    /// The rows of each source, by source id, then collection.
    let tables: Mutex<[DataSource.ID: [String: [[String: String]]]]>
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init() {
        tables = Mutex([:])
    }

    /// Runs `body` on a copy of the state, one unit of work at a time, and keeps the copy only when
    /// `body` succeeds.
    func work<Result: Sendable>(_ body: @Sendable (inout State) async throws -> Result) async throws -> Result {
        await acquire()
        defer { release() }
        var copy = state
        let result = try await body(&copy)
        state = copy
        return result
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    // MARK: Sources

    /// Registers a source for a dataset whose rows are held here, collection by collection.
    public func addSource(_ id: DataSource.ID, dataset: Dataset.Key, tables rows: [String: [[String: String]]]) {
        state.sources.append(
            DataSource(
                id: id,
                name: "\(id) in memory",
                kind: .csv,
                dataset: dataset,
                shownLocation: "memory",
                createdAt: AuditChain.timestamp(),
                createdBy: "test"
            )
        )
        tables.withLock { $0[id] = rows }
    }

    /// The rows a source holds now, as its connections see them.
    public nonisolated func rows(of source: DataSource.ID, _ collection: String) -> [[String: String]] {
        tables.withLock { $0[source]?[collection] ?? [] }
    }

    /// Replaces a source's rows (as if the council changed them).
    public nonisolated func setRows(of source: DataSource.ID, _ collection: String, _ rows: [[String: String]]) {
        tables.withLock { $0[source, default: [:]][collection] = rows }
    }

    /// Applies changes to a source's rows: all of them, or none when any change does not pick out
    /// exactly one row.
    nonisolated func apply(_ changes: [RowChange], to source: DataSource.ID, keep: Bool = true) throws -> Int {
        try tables.withLock { all in
            var held = all[source] ?? [:]
            for change in changes {
                var rows = held[change.collection] ?? []
                let matching = rows.indices.filter { index in change.key.allSatisfy { rows[index][$0.key] == $0.value } }
                guard matching.count == 1, let index = matching.first else {
                    throw StewardError(
                        .unavailable,
                        "\(change.collection): the key \(change.keyNames) picks out \(matching.count) rows, not one",
                        field: change.collection
                    )
                }
                switch change {
                case .update(_, _, let values):
                    for (field, value) in values { rows[index][field] = value }
                case .delete:
                    rows.remove(at: index)
                }
                held[change.collection] = rows
            }
            if keep { all[source] = held }
            return changes.count
        }
    }
}

// MARK: - The data map

extension InMemoryStore: DataMapRepository {
    public func saveDataMap(_ map: DataMap, actor: String) async throws -> (stored: StoredDataMap, changes: DataMapChanges, created: Bool) {
        try await work { state in
            let current = state.dataMaps.last
            let changes = DataMapChanges(from: current?.dataMap, to: map)
            if let current, current.dataMap == map {
                state.audit.append(AuditEvent(actor: actor, action: .dataMapLoadUnchanged, object: "datamap/\(current.version)"))
                return (current, changes, false)
            }
            let stored = StoredDataMap(
                version: (current?.version ?? 0) + 1,
                loadedAt: AuditChain.timestamp(),
                loadedBy: actor,
                digest: "memory",
                dataMap: map
            )
            state.dataMaps.append(stored)
            state.audit.append(AuditEvent(actor: actor, action: .dataMapLoad, object: "datamap/\(stored.version)"))
            return (stored, changes, true)
        }
    }

    public func currentDataMap() async throws -> StoredDataMap? { state.dataMaps.last }

    public func currentDataMapVersion() async throws -> Int { state.dataMaps.last?.version ?? 0 }
}

// MARK: - People

extension InMemoryStore: GateRepository {
    public func createSubject(
        identifiers: [Subject.Identifier],
        dateOfBirth: CalendarDate?,
        isAdultAtRisk: Bool,
        verifiedEmails: [String],
        actor: String
    ) async throws -> Subject {
        try await work { state in
            for identifier in identifiers where state.owner(of: identifier) != nil {
                throw StewardError(
                    .conflict,
                    "a subject with this \(identifier.kind) already exists; find it instead",
                    field: "identifiers.\(identifier.kind)"
                )
            }
            let subject = Subject(
                id: .init(UUID().uuidString.lowercased()),
                identifiers: identifiers,
                dateOfBirth: dateOfBirth,
                isAdultAtRisk: isAdultAtRisk,
                verifiedEmails: verifiedEmails.filter { email in identifiers.contains { $0.kind == .email && $0.value == email } }
            )
            state.subjects[subject.id] = subject
            state.audit.append(AuditEvent(actor: actor, action: .subjectCreate, object: "subject/\(subject.id)"))
            return subject
        }
    }

    public func findSubject(identifiers: [Subject.Identifier]) async throws -> Subject? {
        state.owner(ofAll: identifiers).flatMap { state.subject($0) }
    }

    public func subject(_ id: Subject.ID) async throws -> Subject? { state.subject(id) }

    public func mergeSubjects(from: Subject.ID, into: Subject.ID, actor: String) async throws -> Subject {
        try await work { state in
            guard let source = state.subject(from) else { throw StewardError(.notFound, "no subject with id '\(from)'", field: "from") }
            guard var target = state.subject(into) else { throw StewardError(.notFound, "no subject with id '\(into)'", field: "id") }
            guard source.id != target.id else { throw StewardError(.conflict, "these records are already merged", field: "from") }
            target.identifiers += source.identifiers
            target.verifiedEmails += source.verifiedEmails
            target.dateOfBirth = target.dateOfBirth ?? source.dateOfBirth
            target.isAdultAtRisk = target.isAdultAtRisk || source.isAdultAtRisk
            state.subjects[target.id] = target
            state.mergedInto[source.id] = target.id
            state.preferences[target.id, default: []] += state.preferences.removeValue(forKey: source.id) ?? []
            state.disclosures[target.id, default: []] += state.disclosures.removeValue(forKey: source.id) ?? []
            state.audit.append(AuditEvent(actor: actor, action: .subjectMerge, object: "subject/\(target.id)"))
            return target
        }
    }

    public func subjectWithPreferences(_ reference: SubjectReference) async throws -> (Subject, [Preference])? {
        let id: Subject.ID?
        switch try reference.normalised() {
        case .id(let given): id = given
        case .identifiers(let identifiers): id = state.owner(ofAll: identifiers)
        }
        guard let id, let subject = state.subject(id) else { return nil }
        return (subject, state.preferences[subject.id] ?? [])
    }

    public func preferences(of subject: Subject.ID) async throws -> [Preference] {
        guard let found = state.subject(subject) else { throw StewardError(.notFound, "no subject with id '\(subject)'", field: "id") }
        return state.preferences[found.id] ?? []
    }

    public func addPreference(_ preference: Preference, to subject: Subject.ID, actor: String) async throws -> Preference {
        try await work { state in
            guard let found = state.subject(subject) else { throw StewardError(.notFound, "no subject with id '\(subject)'", field: "id") }
            state.preferences[found.id, default: []].append(preference)
            state.audit.append(AuditEvent(actor: actor, action: .preferenceAdd, object: "subject/\(found.id)/preference/\(preference.id)"))
            return preference
        }
    }

    public func withdrawPreference(
        _ id: Preference.ID,
        of subject: Subject.ID,
        actor: String,
        _ change: @escaping @Sendable (Preference) throws -> Preference
    ) async throws -> Preference {
        try await work { state in
            guard let found = state.subject(subject) else { throw StewardError(.notFound, "no subject with id '\(subject)'", field: "id") }
            guard let index = state.preferences[found.id]?.firstIndex(where: { $0.id == id }) else {
                throw StewardError(.notFound, "no preference '\(id)' for this subject", field: "preference")
            }
            let changed = try change(state.preferences[found.id]![index])
            state.preferences[found.id]![index] = changed
            state.audit.append(AuditEvent(actor: actor, action: .preferenceWithdraw, object: "subject/\(found.id)/preference/\(id)"))
            return changed
        }
    }

    public func disclosures(of subject: Subject.ID) async throws -> [Disclosure] {
        guard let found = state.subject(subject) else { throw StewardError(.notFound, "no subject with id '\(subject)'", field: "id") }
        return state.disclosures[found.id] ?? []
    }

    public func recordDecision(_ event: AuditEvent, disclosure: DisclosureRecord?) async throws {
        try await work { state in
            if let disclosure { state.disclosures[disclosure.subject, default: []].append(disclosure.disclosure) }
            state.audit.append(event)
        }
    }
}

// MARK: - Rights requests

/// One unit of work on the in-memory store: a copy of its state, kept when the unit succeeds.
final class InMemoryRequestTransaction: RequestTransaction {
    let state: Mutex<InMemoryStore.State>

    init(_ state: InMemoryStore.State) {
        self.state = Mutex(state)
    }

    func insert(_ request: RightsRequest, reading: ClockReading, createdAt: String, actor: String) async throws {
        try state.withLock { state in
            guard state.requests[request.id] == nil else { throw StewardError(.conflict, "request \(request.id) exists", field: "id") }
            state.requests[request.id] = request
            state.due[request.id] = reading.due
        }
    }

    func requestForUpdate(_ id: RightsRequest.ID) async throws -> RightsRequest {
        try state.withLock { state in
            guard let request = state.requests[id] else { throw StewardError(.notFound, "no request with reference '\(id)'", field: "id") }
            return request
        }
    }

    func save(_ request: RightsRequest, reading: ClockReading) async throws {
        state.withLock { state in
            state.requests[request.id] = request
            state.due[request.id] = reading.due
        }
    }

    func challenge(for request: RightsRequest.ID) async throws -> StoredChallenge? {
        state.withLock { $0.challenges[request] }
    }

    func saveChallenge(_ challenge: IdentityChallenge, codesIssued: Int, request: RightsRequest.ID) async throws {
        state.withLock { $0.challenges[request] = StoredChallenge(challenge: challenge, codesIssued: codesIssued) }
    }

    func statusAccess(for request: RightsRequest.ID) async throws -> StatusAccess? {
        state.withLock { $0.statusAccess[request] }
    }

    func saveStatusAccess(_ access: StatusAccess, request: RightsRequest.ID) async throws {
        state.withLock { $0.statusAccess[request] = access }
    }

    func enqueue(_ letter: OutgoingLetter, actor: String) async throws -> AuditEvent {
        state.withLock { $0.outbox.append(letter) }
        return AuditEvent(
            actor: actor,
            action: .mailQueue,
            object: "outbox/\(letter.request?.rawValue ?? "none")",
            details: ["letter": .string(letter.letter.kind.rawValue)]
        )
    }

    func owner(of identifier: Subject.Identifier) async throws -> Subject.ID? {
        state.withLock { $0.owner(of: identifier) }
    }

    func owner(ofAll identifiers: [Subject.Identifier]) async throws -> Subject.ID? {
        state.withLock { $0.owner(ofAll: identifiers) }
    }

    func subject(_ id: Subject.ID) async throws -> Subject? {
        state.withLock { $0.subject(id) }
    }

    func disclosures(of subject: Subject) async throws -> [Disclosure] {
        state.withLock { $0.disclosures[subject.id] ?? [] }
    }
}

extension InMemoryStore: RequestRepository {
    public func transaction<Result: Sendable>(
        _ body: @escaping @Sendable (any RequestTransaction) async throws -> (Result, [AuditEvent])
    ) async throws -> Result {
        try await work { state in
            let unit = InMemoryRequestTransaction(state)
            let (result, events) = try await body(unit)
            state = unit.state.withLock { $0 }
            state.audit += events
            return result
        }
    }

    public func request(_ id: RightsRequest.ID) async throws -> RightsRequest {
        guard let request = state.requests[id] else { throw StewardError(.notFound, "no request with reference '\(id)'", field: "id") }
        return request
    }

    public func requests(
        states: Set<RightsRequest.State>?,
        kind: RightsRequest.Kind?,
        dueBefore: CalendarDate?,
        subject: Subject.ID?
    ) async throws
        -> [RightsRequest]
    {
        try state.requests.values.filter { request in
            if let states, !states.contains(try request.state()) { return false }
            if let kind, request.kind != kind { return false }
            if let subject, request.subject != subject { return false }
            if let dueBefore { return state.due[request.id].map { $0 <= dueBefore } ?? false }
            return true
        }
    }

    public func append(_ event: AuditEvent) async throws {
        try await work { state in state.audit.append(event) }
    }

    public func startRun(_ id: RightsRequest.ID, startedAt: String) async throws {
        try await work { state in
            if state.runs[id]?.status == .running { throw StewardError(.conflict, "a search for this request is already running", field: "id") }
            state.runs[id] = RunStatus(status: .running, done: 0, total: 0, startedAt: startedAt)
            state.runDocuments[id] = nil
        }
    }

    public func recordProgress(_ id: RightsRequest.ID, done: Int, total: Int) async throws {
        try await work { state in
            state.runs[id]?.done = done
            state.runs[id]?.total = total
        }
    }

    public func finishRun(_ id: RightsRequest.ID, _ end: RunEnd, events: [AuditEvent]) async throws {
        let document = try end.document.map { try JSONEncoder().encode($0) }
        try await work { state in
            state.runs[id]?.status = end.failure == nil ? .done : .failed
            state.runs[id]?.finishedAt = AuditChain.timestamp()
            state.runs[id]?.error = end.failure
            if let (done, total) = end.progress {
                state.runs[id]?.done = done
                state.runs[id]?.total = total
            }
            state.runDocuments[id] = document
            state.audit += events
        }
    }

    public func runStatus(_ id: RightsRequest.ID) async throws -> RunStatus? { state.runs[id] }

    public func runDocument<Document: Decodable & Sendable>(_ id: RightsRequest.ID, as type: Document.Type) async throws -> Document? {
        guard state.runs[id]?.status == .done, let data = state.runDocuments[id] else { return nil }
        return try JSONDecoder().decode(type, from: data)
    }

    public func failInterruptedRuns() async throws {
        try await work { state in
            for (id, run) in state.runs where run.status == .running {
                state.runs[id]?.status = .failed
                state.runs[id]?.error = "interrupted: the server stopped while it was running; run it again"
            }
        }
    }
}

// MARK: - Sources

extension InMemoryStore: SourceRepository {
    public func sources() async throws -> [DataSource] { state.sources.sorted { $0.id < $1.id } }

    public func connect(_ source: DataSource) async throws -> any SourceConnection {
        InMemorySource(store: self, id: source.id)
    }
}

/// A council source whose rows are held by an `InMemoryStore`: it reads and writes them as a
/// connector reads and writes a council database, comparing values as text.
public struct InMemorySource: SourceConnection {
    let store: InMemoryStore
    let id: DataSource.ID

    public func rows(
        collection: String,
        matching field: String,
        type: Dataset.DataType?,
        values: [String],
        fields: [String]
    ) async throws -> [[String: String]] {
        let wanted = Set(values)
        return store.rows(of: id, collection).filter { row in row[field].map(wanted.contains) ?? false }.map { row in
            row.filter { fields.contains($0.key) }
        }
    }

    public func apply(_ changes: [RowChange], types: [String: Dataset.DataType], rollingBack: Bool) async throws -> Int {
        try store.apply(changes, to: id, keep: !rollingBack)
    }

    public func ping() async throws {}

    /// Each table held, with the columns the data map declares for it and those its rows have,
    /// all text, and no key: as a CSV folder made from the dataset file says.
    public func schema(of tables: [String]) async throws -> SourceSchema {
        let held = store.tables.withLock { $0[id] ?? [:] }
        var declared: Dataset?
        if let dataset = try await store.sources().first(where: { $0.id == id })?.dataset {
            declared = try await store.currentDataMap()?.dataMap.dataset(dataset)
        }
        return SourceSchema(
            tables: tables.compactMap { name -> SourceSchema.Table? in
                guard let rows = held[name] else { return nil }
                let fields = declared?.collection(name)?.allFields.filter { $0.field.fields.isEmpty }.map(\.path) ?? []
                let columns = Set(rows.flatMap(\.keys)).union(fields).sorted()
                return .init(name: name, columns: columns.map { .init(name: $0, declared: "", type: nil) }, primaryKey: [])
            }
        )
    }

    public func close() async {}
}
