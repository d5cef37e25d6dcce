public import Foundation
public import Logging
import SQLKit
public import StewardCore

extension RequestService {
    /// Where a request's search stands.
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
    }

    /// Searches every registered source for the person an access request is about and keeps what
    /// it found for the bundle. It fails loudly — naming the source, collection or field — rather
    /// than report a partial search as complete. With `dryRun` it searches and answers, and keeps
    /// nothing.
    ///
    /// - Parameter begun: the run was already marked running by `beginAccess` (a search started in
    ///   the background), so progress is visible from the moment it is accepted.
    public func runAccess(
        _ id: RightsRequest.ID, actor: String, dryRun: Bool = false, begun: Bool = false, logger: Logger,
        progress report: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) async throws
        -> AccessResult
    {
        // A run already marked as begun records any refusal as its failure.
        let request: View
        do {
            request = try await self.request(id, today: .today)
        } catch {
            if begun { try? await finishRun(id, failed: (error as? StewardError)?.message ?? "the request could not be read", document: nil) }
            throw error
        }
        if !begun { try Self.checkRunnable(request) }
        let started = AuditChain.timestamp()
        if !dryRun, !begun { try await startRun(id, startedAt: started) }
        var connections: [any SourceConnection] = []
        do {
            if begun { try Self.checkRunnable(request) }
            let opened = try await openSources(logger: logger)
            connections = Array(opened.connections.values)
            let (map, sources, readers) = (opened.map, opened.sources, opened.connections.mapValues { $0 as any CollectionReader })
            let identifiers = try await identifiers(of: request.request)
            let search = try PersonSearch(dataMap: map, readers: readers)
            let store = self.store
            let outcome = try await search.run(identifiers: identifiers) { done, total in
                report?(done, total)
                guard !dryRun else { return }
                try? await store.handle.write { database in
                    try await database.raw(
                        "UPDATE request_runs SET done = \(bind: done), total = \(bind: total) WHERE request_id = \(bind: id.rawValue)"
                    ).run()
                }
            }
            for connection in connections { await connection.close() }
            let result = AccessResult(request: id, ranAt: started, sources: sources.map(\.id.rawValue), outcome: outcome, dataMap: map)
            let details: JSONValue = [
                "dryRun": .bool(dryRun), "sources": .array(sources.map { .string($0.id.rawValue) }), "rows": .int(result.rowCount),
                "collections": .object(
                    Dictionary(uniqueKeysWithValues: result.collections.map { ("\($0.dataset).\($0.collection)", JSONValue.int($0.rows.count)) })),
                "redactions": .int(result.redactions.count), "unconfirmedRows": .int(result.unconfirmed.reduce(0) { $0 + $1.rows }),
            ]
            if dryRun {
                try await store.audit.append(AuditEvent(actor: actor, action: "request.access_dry_run", object: "request/\(id)", details: details))
            } else {
                // Everything found about the person: kept sealed, never in clear.
                let document = try store.dataSeal.seal(try Store.encode(result), context: "request-run:\(id)")
                let total = search.collections.count
                try await store.writeAudited { database in
                    try await database.raw(
                        """
                        UPDATE request_runs SET status = 'done', done = \(bind: total), total = \(bind: total), finished_at = \(bind: AuditChain.timestamp()),
                            document = \(bind: document) WHERE request_id = \(bind: id.rawValue)
                        """
                    ).run()
                    return ((), [AuditEvent(actor: actor, action: "request.access_run", object: "request/\(id)", details: details)])
                }
            }
            return result
        } catch {
            for connection in connections { await connection.close() }
            let message = (error as? StewardError)?.message ?? "the search failed"
            if !dryRun {
                try? await store.writeAudited { database in
                    try await database.raw(
                        "UPDATE request_runs SET status = 'failed', finished_at = \(bind: AuditChain.timestamp()), error = \(bind: message) WHERE request_id = \(bind: id.rawValue)"
                    ).run()
                    let event = AuditEvent(
                        actor: actor, action: "request.access_failed", object: "request/\(id)",
                        details: ["error": .string(message), "field": (error as? StewardError)?.field.map { .string($0) } ?? .null])
                    return ((), [event])
                }
            }
            throw error
        }
    }

    /// The current data map and a checked connection to every registered source of one of its
    /// datasets. Fields no source could hold, a source that cannot be reached, and a declared
    /// collection or field a source lacks all stop here, named: a search that could not read one
    /// would be incomplete, so it does not start. The caller closes the connections.
    func openSources(logger: Logger) async throws -> (map: DataMap, sources: [DataSource], connections: [Dataset.Key: any SourceConnection]) {
        guard let map = try await dataMaps.current()?.dataMap else { throw StewardError(.conflict, "no data map has been loaded") }
        let sources = try await store.sources().filter { map.dataset($0.dataset) != nil }
        guard !sources.isEmpty else { throw StewardError(.conflict, "no council sources are registered to search", field: "sources") }
        try PersonSearch.checkReadable(map, datasets: Set(sources.map(\.dataset)))
        var connections: [Dataset.Key: any SourceConnection] = [:]
        do {
            for source in sources {
                do {
                    let connection = try await store.connect(source, logger: logger)
                    connections[source.dataset] = connection
                    try await connection.ping()
                    let problems = await connection.missing(in: map.dataset(source.dataset)?.collections ?? [])
                    if let first = problems.first {
                        func place(_ problem: SourceCheck.Problem) -> String {
                            ([source.dataset.rawValue] + [problem.collection, problem.field].compactMap { $0 }).joined(separator: ".")
                        }
                        throw StewardError(
                            .invalidInput, "source '\(source.id)': \(first.message)", field: place(first),
                            details: problems.map { .init(field: place($0), message: $0.message) })
                    }
                } catch let error as StewardError where error.code == .invalidInput {
                    throw error
                } catch let error as StewardError {
                    throw StewardError(.unavailable, "source '\(source.id)' cannot be searched: \(error.message)", field: "sources.\(source.id)")
                } catch {
                    throw StewardError(.unavailable, "source '\(source.id)' cannot be reached", field: "sources.\(source.id)")
                }
            }
        } catch {
            for connection in connections.values { await connection.close() }
            throw error
        }
        return (map, sources, connections)
    }

    /// What the person is searched by. An emailed code proves only the requester's own address, so
    /// then only that address and the linked person's identifiers are used; after a staff check
    /// (or staff starting work for someone they know), every identifier the request carries.
    func identifiers(of request: RightsRequest) async throws -> [Subject.Identifier] {
        let checks = request.events.compactMap { event -> IdentityCheck? in
            if case .identityVerified(let check) = event.change { return check }
            return nil
        }
        let staffVouched = checks.contains { $0.method != .emailCode } || request.events.contains { $0.change == .started }
        var identifiers = request.identifiers
        if !staffVouched {
            identifiers =
                request.requester.representative == nil ? identifiers.filter { $0.kind == "email" && $0.value == request.requester.email } : []
        }
        if let subjectID = request.subject, let subject = try await store.subject(subjectID) { identifiers += subject.identifiers }
        return identifiers
    }

    /// Checks that a request can be run and marks its run as started, for a search that goes on in
    /// the background.
    public func beginAccess(_ id: RightsRequest.ID) async throws {
        try Self.checkRunnable(try await request(id, today: .today))
        try await startRun(id, startedAt: AuditChain.timestamp())
    }

    /// Only access requests in progress (identity confirmed, not paused) are searched for so far.
    static func checkRunnable(_ view: View) throws {
        guard view.request.kind == .access else {
            throw StewardError(.conflict, "only access requests can be run so far; this one is \(view.request.kind.rawValue)", field: "id")
        }
        guard view.state == .inProgress else {
            throw StewardError(.conflict, "the request must be in progress, with identity confirmed, to search for the person's data", field: "id")
        }
    }

    /// Marks a run as started; refuses while another run of the same request is going.
    func startRun(_ id: RightsRequest.ID, startedAt: String) async throws {
        try await store.handle.write { database in
            if let row = try await database.raw("SELECT status FROM request_runs WHERE request_id = \(bind: id.rawValue)").first() {
                guard try row.decode(column: "status", as: String.self) != RunStatus.Status.running.rawValue else {
                    throw StewardError(.conflict, "a search for this request is already running", field: "id")
                }
                try await database.raw(
                    """
                    UPDATE request_runs SET status = 'running', done = 0, total = 0, started_at = \(bind: startedAt), finished_at = NULL, error = NULL,
                        document = NULL WHERE request_id = \(bind: id.rawValue)
                    """
                ).run()
            } else {
                try await database.raw(
                    "INSERT INTO request_runs (request_id, status, done, total, started_at) VALUES (\(bind: id.rawValue), 'running', 0, 0, \(bind: startedAt))"
                ).run()
            }
        }
    }

    /// Where the request's last search stands, or nil when it has not been run.
    public func runStatus(_ id: RightsRequest.ID) async throws -> RunStatus? {
        try await store.handle.read { database in
            guard
                let row = try await database.raw(
                    "SELECT status, done, total, started_at, finished_at, error FROM request_runs WHERE request_id = \(bind: id.rawValue)"
                ).first()
            else { return nil }
            return RunStatus(
                status: RunStatus.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed,
                done: try row.decode(column: "done", as: Int.self), total: try row.decode(column: "total", as: Int.self),
                startedAt: try row.decode(column: "started_at", as: String.self), finishedAt: try row.decode(column: "finished_at", as: String?.self),
                error: try row.decode(column: "error", as: String?.self)
            )
        }
    }

    /// What the last completed search found.
    public func accessResult(_ id: RightsRequest.ID) async throws -> AccessResult? {
        guard try await request(id, today: .today).request.kind == .access else { return nil }
        return try await storedAccessResult(id)
    }

    /// The kept result of the request's last completed search, opened from its seal.
    func storedAccessResult(_ id: RightsRequest.ID) async throws -> AccessResult? {
        let document = try await store.handle.read { database in
            try await database.raw("SELECT document FROM request_runs WHERE request_id = \(bind: id.rawValue) AND status = 'done'").first()?
                .decode(column: "document", as: String?.self)
        }
        return try document.map { sealed in
            try JSONDecoder().decode(AccessResult.self, from: Data(try store.dataSeal.open(sealed, context: "request-run:\(id)").utf8))
        }
    }

    /// Hands over what an access request's search found: `archive` makes the bundle from the
    /// result, the request, the data map and the Art 15 information, each read once here, and the
    /// hand-over is audited with the bundle's SHA-256. `result` is the search just run, if any;
    /// otherwise the last one kept.
    public func handOver(
        _ id: RightsRequest.ID, actor: String, result: AccessResult? = nil,
        archive: (AccessResult, RightsRequest, DataMap, SupplementaryInformation) throws -> Data
    ) async throws -> (archive: Data, result: AccessResult) {
        let today = CalendarDate.today
        let request = try await self.request(id, today: today).request
        let kept = result == nil && request.kind == .access ? try await storedAccessResult(id) : result
        guard request.kind == .access, let result = kept else {
            throw StewardError(.conflict, "there is no completed search for this request to hand over", field: "id")
        }
        guard let map = try await dataMaps.current()?.dataMap else { throw StewardError(.conflict, "no data map has been loaded") }
        var disclosures: [Disclosure] = []
        if let subject = request.subject { disclosures = try await store.disclosures(of: subject) }
        let bundle = try archive(result, request, map, supplementaryInformation(for: request, map: map, disclosures: disclosures, today: today))
        try await store.audit.append(
            AuditEvent(
                actor: actor, action: "request.bundle_download", object: "request/\(id)",
                details: ["sha256": .string(Secret.sha256(bundle)), "bytes": .int(bundle.count), "rows": .int(result.rowCount)]))
        return (bundle, result)
    }
}
