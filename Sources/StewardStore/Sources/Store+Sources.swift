import Foundation
import SQLKit
public import StewardCore

/// The council sources: each binds one dataset of the data map to where it lives. Locations are
/// sealed with AES-GCM under a key derived from the council's data key and bound to the
/// source's id, so credentials in them are never stored in clear.
extension Store: SourceRepository {
    /// Registers a source for a dataset of the current data map; one source per dataset.
    public func addSource(
        id: String,
        name: String,
        kind: DataSource.Kind,
        dataset: Dataset.Key,
        location: String,
        actor: String
    ) async throws -> DataSource {
        let source = try DataSource.checked(
            id: id,
            name: name,
            kind: kind,
            dataset: dataset,
            location: location,
            createdAt: AuditChain.timestamp(),
            createdBy: actor
        )
        guard let map = try await currentDataMap()?.dataMap, map.dataset(dataset) != nil else {
            throw StewardError(.invalidInput, "the data map has no dataset '\(dataset)'", field: "dataset")
        }
        let trimmedID = source.id.rawValue
        let sealed = try dataSeal.seal(location, context: "source:\(trimmedID)")
        let shown = source.shownLocation
        let trimmedName = source.name
        return try await writeAudited { database in
            if try await database.raw("SELECT id FROM sources WHERE id = \(bind: trimmedID) OR dataset = \(bind: dataset.rawValue)").first() != nil {
                throw StewardError(.conflict, "a source with this id, or for dataset '\(dataset)', already exists", field: "id")
            }
            try await database.raw(
                """
                INSERT INTO sources (id, name, kind, dataset, location_sealed, location_shown, created_at, created_by)
                VALUES (\(bind: trimmedID), \(bind: trimmedName), \(bind: kind.rawValue), \(bind: dataset.rawValue), \(bind: sealed), \(bind: shown),
                        \(bind: source.createdAt), \(bind: actor))
                """
            ).run()
            let event = AuditEvent(
                actor: actor,
                action: .sourceCreate,
                object: "source/\(trimmedID)",
                details: ["kind": .string(kind.rawValue), "dataset": .string(dataset.rawValue), "location": .string(shown)]
            )
            return (source, [event])
        }
    }

    /// Every source, by id.
    public func sources() async throws -> [DataSource] {
        try await handle.read { database in
            try await database.raw(
                "SELECT id, name, kind, dataset, location_shown AS shown_location, created_at, created_by FROM sources ORDER BY id"
            ).all()
                .map(Self.source(from:))
        }
    }

    /// Removes a source; the data it points at is untouched.
    public func removeSource(_ id: DataSource.ID, actor: String) async throws {
        try await writeAudited { database in
            guard try await database.raw("SELECT id FROM sources WHERE id = \(bind: id.rawValue)").first() != nil else {
                throw StewardError(.notFound, "no source '\(id)'", field: "id")
            }
            try await database.raw("DELETE FROM sources WHERE id = \(bind: id.rawValue)").run()
            return ((), [AuditEvent(actor: actor, action: .sourceRemove, object: "source/\(id)")])
        }
        await sourcePool.remove(id.rawValue)
    }

    /// A source's location, credentials included, opened from its seal.
    func sourceLocation(_ source: DataSource) async throws -> String {
        let sealed = try await handle.read { database in
            try await database.raw("SELECT location_sealed FROM sources WHERE id = \(bind: source.id.rawValue)").first()?
                .decode(column: "location_sealed", as: String.self)
        }
        guard let sealed else { throw StewardError(.notFound, "no source '\(source.id)'", field: "id") }
        return try dataSeal.open(sealed, context: "source:\(source.id)")
    }

    /// Opens a connection to a source.
    public func connect(_ source: DataSource) async throws -> any SourceConnection {
        let location = try await sourceLocation(source)
        switch source.kind {
        case .postgres:
            return try await sourcePool.reader(for: source.id.rawValue, location: location) {
                try await SQLSourceReader.connect(
                    .postgres(url: location),
                    name: SourceName(source),
                    logger: logger,
                    connectTimeout: sourceConnectTimeout
                )
            }
        case .sqlite:
            guard FileManager.default.fileExists(atPath: location) else {
                throw StewardError(.unavailable, "the SQLite file of source '\(source.id)' does not exist", field: "location")
            }
            return try await sourcePool.reader(for: source.id.rawValue, location: location) {
                try await SQLSourceReader.connect(.sqlite(path: location), name: SourceName(source), logger: logger)
            }
        case .csv:
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: location, isDirectory: &isFolder), isFolder.boolValue else {
                throw StewardError(.unavailable, "the CSV folder of source '\(source.id)' does not exist", field: "location")
            }
            return CSVSourceReader(folder: URL(fileURLWithPath: location), name: SourceName(source))
        }
    }

    /// Connects to a source and checks it against its dataset: every collection and field the
    /// dataset declares is there, each declared type agrees with its column, and what cannot be
    /// changed for want of a primary key is noted. The source's own types and keys are what runs
    /// use (`Dataset.resolved(by:)`).
    public func checkSource(_ id: DataSource.ID, actor: String) async throws -> SourceCheck {
        guard let source = try await sources().first(where: { $0.id == id }) else { throw StewardError(.notFound, "no source '\(id)'", field: "id") }
        guard let dataset = try await currentDataMap()?.dataMap.dataset(source.dataset) else {
            throw StewardError(.conflict, "the current data map has no dataset '\(source.dataset)' for this source", field: "dataset")
        }
        var check: SourceCheck
        do {
            let connection = try await connect(source)
            do {
                try await connection.ping()
                // As the source is now, not as a recent run saw it.
                let tables = dataset.collections.map(\.name)
                let schema: SourceSchema
                if let database = connection as? SQLSourceReader {
                    schema = try await database.readSchema(of: tables)
                } else {
                    schema = try await connection.schema(of: tables)
                }
                var problems = schema.problems(for: dataset)
                // Every statement a run will send, tried on no rows, once nothing is missing.
                if problems.isEmpty, let database = connection as? SQLSourceReader { problems = await database.probe(dataset.resolved(by: schema)) }
                check = SourceCheck(source: id, reachable: true, problems: problems, notes: schema.notes(for: dataset))
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        } catch let error as StewardError {
            check = SourceCheck(source: id, reachable: false, problems: [.init(message: error.message)])
        } catch {
            let reason = SourceFailure.reason(error) ?? "the source did not answer"
            check = SourceCheck(source: id, reachable: false, problems: [.init(message: "cannot connect: \(reason)")])
        }
        try await audit.append(
            AuditEvent(
                actor: actor,
                action: .sourceCheck,
                object: "source/\(id)",
                details: ["reachable": .bool(check.reachable), "problems": .int(check.problems.count)]
            )
        )
        return check
    }

    static func source(from row: any SQLRow) throws -> DataSource {
        try row.model(DataSource.self)
    }
}
