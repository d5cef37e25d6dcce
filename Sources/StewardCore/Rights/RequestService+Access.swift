public import Foundation

/// Access requests in the council's own databases: the person is searched for in every source,
/// what is found is kept (sealed) for the bundle, and the bundle is handed over, audited.
extension RequestService {
    /// Searches every registered source for the person an access request is about and keeps what
    /// it found for the bundle. It fails loudly — naming the source, collection or field — rather
    /// than report a partial search as complete. With `dryRun` it searches and answers, and keeps
    /// nothing.
    ///
    /// - Parameter begun: the run was already marked running by `beginAccess` (a search started in
    ///   the background), so progress is visible from the moment it is accepted.
    public func runAccess(
        _ id: RightsRequest.ID,
        actor: String,
        dryRun: Bool = false,
        begun: Bool = false,
        progress report: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws -> AccessResult {
        // A run already marked as begun records any refusal as its failure.
        let request: View
        do {
            request = try await self.request(id)
        } catch {
            let failure = StewardError.wrapping(error, .internal, "the request could not be read")
            if begun { try? await requests.finishRun(id, RunEnd(failure: failure.message), events: []) }
            throw failure
        }
        if !begun { try request.checkRunnable(.access) }
        let started = AuditChain.timestamp()
        if !dryRun, !begun { try await requests.startRun(id, startedAt: started) }
        var connections: [any SourceConnection] = []
        do {
            if begun { try request.checkRunnable(.access) }
            let opened = try await openSources()
            connections = Array(opened.connections.values)
            let (map, sources, readers) = (opened.map, opened.sources, opened.connections.mapValues { $0 as any CollectionReader })
            let identifiers = try await searchIdentifiers(of: request.request)
            let search = try PersonSearch(dataMap: map, readers: readers)
            let requests = self.requests
            // Progress is kept for a search long enough for someone to look at it; a quick one
            // is not slowed by a durable write per round.
            let throttle = ProgressThrottle()
            let outcome = try await search.run(identifiers: identifiers) { done, total in
                report?(done, total)
                guard !dryRun, await throttle.due() else { return }
                try? await requests.recordProgress(id, done: done, total: total)
            }
            for connection in connections { await connection.close() }
            connections = []  // closed once: a pooled connection is given back, not closed twice
            let result = AccessResult(request: id, ranAt: started, sources: sources.map(\.id.rawValue), outcome: outcome, dataMap: map)
            let details: JSONValue = [
                "dryRun": .bool(dryRun), "sources": .array(sources.map { .string($0.id.rawValue) }), "rows": .int(result.rowCount),
                "collections": .object(
                    Dictionary(uniqueKeysWithValues: result.collections.map { ("\($0.dataset).\($0.collection)", JSONValue.int($0.rows.count)) })
                ),
                "redactions": .int(result.redactions.count), "unconfirmedRows": .int(result.unconfirmed.reduce(0) { $0 + $1.rows }),
            ]
            if dryRun {
                try await requests.append(AuditEvent(actor: actor, action: .run(.access, .dryRun), object: "request/\(id)", details: details))
            } else {
                let total = search.collections.count
                try await requests.finishRun(
                    id,
                    RunEnd(failure: nil, document: result, progress: (total, total)),
                    events: [AuditEvent(actor: actor, action: .run(.access, .run), object: "request/\(id)", details: details)]
                )
            }
            return result
        } catch {
            for connection in connections { await connection.close() }
            let failure = StewardError.wrapping(error, .internal, "the search failed")
            if !dryRun {
                let event = AuditEvent(
                    actor: actor,
                    action: .run(.access, .failed),
                    object: "request/\(id)",
                    details: ["error": .string(failure.message), "field": failure.field.map { .string($0) } ?? .null]
                )
                try? await requests.finishRun(id, RunEnd(failure: failure.message), events: [event])
            }
            throw failure
        }
    }

    /// The current data map, resolved by each source's own schema (`Dataset.resolved(by:)`: types
    /// and keys the dataset file leaves out are the database's), and a checked connection to every
    /// registered source of one of its datasets. Fields no source could hold, a source that cannot
    /// be reached, a declared collection or field a source lacks, and a declared type its column
    /// contradicts all stop here, named: a search that could not read one would be incomplete, so
    /// it does not start. The caller closes the connections.
    func openSources() async throws -> (map: DataMap, sources: [DataSource], connections: [Dataset.Key: any SourceConnection]) {
        guard var map = try await dataMaps.current()?.dataMap else { throw StewardError(.conflict, "no data map has been loaded") }
        let registered = try await sources.sources().filter { map.dataset($0.dataset) != nil }
        guard !registered.isEmpty else { throw StewardError(.conflict, "no council sources are registered to search", field: "sources") }
        try PersonSearch.checkReadable(map, datasets: Set(registered.map(\.dataset)))
        var connections: [Dataset.Key: any SourceConnection] = [:]
        do {
            for source in registered {
                do {
                    let connection = try await sources.connect(source)
                    connections[source.dataset] = connection
                    guard let dataset = map.dataset(source.dataset) else { continue }
                    // Reading the tables' columns is the source answering: no separate ping.
                    let schema = try await connection.schema(of: dataset.collections.filter { !$0.skipProcessing }.map(\.name))
                    let problems = schema.problems(for: dataset)
                    map.replace(dataset.resolved(by: schema))
                    if let first = problems.first {
                        func place(_ problem: SourceCheck.Problem) -> String {
                            ([source.dataset.rawValue] + [problem.collection, problem.field].compactMap { $0 }).joined(separator: ".")
                        }
                        throw StewardError(
                            .invalidInput,
                            "source '\(source.id)': \(first.message)",
                            field: place(first),
                            details: problems.map { .init(field: place($0), message: $0.message) }
                        )
                    }
                } catch let error as StewardError where error.code == .invalidInput {
                    throw error
                } catch let error as StewardError {
                    throw StewardError(
                        .unavailable,
                        "source '\(source.id)' cannot be searched: \(error.message)",
                        field: "sources.\(source.id)",
                        underlying: error
                    )
                } catch {
                    throw StewardError(.unavailable, "source '\(source.id)' cannot be reached", field: "sources.\(source.id)", underlying: error)
                }
            }
        } catch {
            for connection in connections.values { await connection.close() }
            throw error
        }
        return (map, registered, connections)
    }

    /// What the person is searched by (`RightsRequest.searchIdentifiers`), with the identifiers
    /// of the person the request is linked to.
    func searchIdentifiers(of request: RightsRequest) async throws -> [Subject.Identifier] {
        var subject: Subject?
        if let id = request.subject { subject = try await people.subject(id) }
        return request.searchIdentifiers(subject: subject)
    }

    /// Checks that a request can be run and marks its run as started, for a search that goes on in
    /// the background.
    public func beginAccess(_ id: RightsRequest.ID) async throws {
        try await request(id).checkRunnable(.access)
        try await requests.startRun(id, startedAt: AuditChain.timestamp())
    }

    /// Where the request's last search stands, or nil when it has not been run; once an access
    /// search is done, with the rows it left out for staff to check.
    public func runStatus(_ id: RightsRequest.ID) async throws -> RunStatus? {
        guard var status = try await requests.runStatus(id) else { return nil }
        if status.status == .done { status.unconfirmed = try await accessResult(id)?.unconfirmed }
        return status
    }

    /// What the last completed search found.
    public func accessResult(_ id: RightsRequest.ID) async throws -> AccessResult? {
        guard try await requests.request(id).kind == .access else { return nil }
        return try await requests.runDocument(id, as: AccessResult.self)
    }

    /// Hands over what an access request's search found: `archive` makes the bundle from the
    /// result, the request, the data map and the Art 15 information, each read once here, and the
    /// hand-over is audited with the bundle's SHA-256. `result` is the search just run, if any;
    /// otherwise the last one kept.
    public func handOver(
        _ id: RightsRequest.ID,
        actor: String,
        result: AccessResult? = nil,
        archive: (AccessResult, RightsRequest, DataMap, SupplementaryInformation) throws -> Data
    ) async throws -> (archive: Data, result: AccessResult) {
        let today = self.today()
        let request = try await requests.request(id)
        let kept = result == nil && request.kind == .access ? try await requests.runDocument(id, as: AccessResult.self) : result
        guard request.kind == .access, let result = kept else {
            throw StewardError(.conflict, "there is no completed search for this request to hand over", field: "id")
        }
        guard let map = try await dataMaps.current()?.dataMap else { throw StewardError(.conflict, "no data map has been loaded") }
        let information = supplementaryInformation(for: request, map: map, disclosures: try await disclosures(of: request), today: today)
        let bundle = try archive(result, request, map, information)
        try await requests.append(
            AuditEvent(
                actor: actor,
                action: .bundleDownload,
                object: "request/\(id)",
                details: ["sha256": .string(Secret.sha256(bundle)), "bytes": .int(bundle.count), "rows": .int(result.rowCount)]
            )
        )
        return (bundle, result)
    }
}

extension RequestService.View {
    /// Refuses to run a request in the council's sources unless it is of the kinds asked for and
    /// in progress (identity confirmed, not paused): nothing is searched or changed for a
    /// requester not yet known to be the person.
    public func checkRunnable(_ kinds: RightsRequest.Kind...) throws {
        guard kinds.contains(request.kind) else {
            if kinds == [.access] {
                throw StewardError(.conflict, "only access requests can be run so far; this one is \(request.kind.rawValue)", field: "id")
            }
            throw StewardError(
                .conflict,
                "the request must be a \(RightsRequest.listed(kinds.map(\.rawValue))) request in progress, with identity confirmed",
                field: "id"
            )
        }
        guard state == .inProgress else {
            if kinds == [.access] {
                throw StewardError(
                    .conflict,
                    "the request must be in progress, with identity confirmed, to search for the person's data",
                    field: "id"
                )
            }
            throw StewardError(
                .conflict,
                "the request must be a \(RightsRequest.listed(kinds.map(\.rawValue))) request in progress, with identity confirmed",
                field: "id"
            )
        }
    }
}

extension RightsRequest {
    /// What the person is searched by. An emailed code proves only the requester's own address, so
    /// then only that address and the linked person's identifiers are used; after a staff check
    /// (or staff starting work for someone they know), every identifier the request carries.
    public func searchIdentifiers(subject: Subject?) -> [Subject.Identifier] {
        let checks = events.compactMap { event -> IdentityCheck? in
            if case .identityVerified(let check) = event.change { return check }
            return nil
        }
        let staffVouched = checks.contains { $0.method != .emailCode } || events.contains { $0.change == .started }
        var found = identifiers
        if !staffVouched {
            found = requester.representative == nil ? found.filter { $0.kind == .email && $0.value == requester.email } : []
        }
        if let subject { found += subject.identifiers }
        return found
    }
}

/// Says when a run's progress is worth keeping: first after half a second of running, then at
/// most twice a second.
actor ProgressThrottle {
    static let interval: Duration = .milliseconds(500)
    private var last = ContinuousClock.now

    func due() -> Bool {
        let now = ContinuousClock.now
        guard now - last >= Self.interval else { return false }
        last = now
        return true
    }
}
