import Crypto
import Foundation
import SQLKit
public import StewardCore

extension Store: DataMapRepository {
    /// Stores `map` as a new version unless it is identical to the current one, and records the load
    /// in the audit log with what changed. Returns the version now current, the changes, and whether
    /// a new version was made.
    public func saveDataMap(_ map: DataMap, actor: String) async throws -> (stored: StoredDataMap, changes: DataMapChanges, created: Bool) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let document = String(decoding: try encoder.encode(map), as: UTF8.self)
        let digest = AuditChain.hex(SHA256.hash(data: Data(document.utf8)))
        let summary =
            "\(map.systems.count) systems, \(map.datasets.count) datasets, \(map.purposes.count) purposes, \(map.recipients.count) recipients"
        let dialect = self.dialect
        return try await writeAudited { database in
            if dialect == .postgres {
                try await database.raw("LOCK TABLE datamap_versions IN EXCLUSIVE MODE").run()
            }
            let current = try await Self.currentDataMap(on: database)
            let changes = DataMapChanges(from: current?.dataMap, to: map)
            if let current, current.digest == digest {
                // Nothing to store, but the load happened and is recorded.
                let event = AuditEvent(
                    actor: actor,
                    action: .dataMapLoadUnchanged,
                    object: "datamap/\(current.version)",
                    details: ["version": .int(current.version), "digest": .string(digest)]
                )
                return ((current, changes, false), [event])
            }
            let stored = StoredDataMap(
                version: (current?.version ?? 0) + 1,
                loadedAt: AuditChain.timestamp(),
                loadedBy: actor,
                digest: digest,
                dataMap: map
            )
            try await database.raw(
                """
                INSERT INTO datamap_versions (version, loaded_at, loaded_by, digest, summary, document)
                VALUES (\(bind: stored.version), \(bind: stored.loadedAt), \(bind: actor), \(bind: digest), \(bind: summary), \(bind: document))
                """
            ).run()
            let event = AuditEvent(
                actor: actor,
                action: .dataMapLoad,
                object: "datamap/\(stored.version)",
                details: .object([
                    "version": .int(stored.version), "previousVersion": current.map { .int($0.version) } ?? .null, "digest": .string(digest),
                    "summary": .string(summary), "changes": changes.json,
                ])
            )
            return ((stored, changes, true), [event])
        }
    }

    /// The current data map, or nil before the first load.
    public func currentDataMap() async throws -> StoredDataMap? {
        try await handle.read { database in try await Self.currentDataMap(on: database) }
    }

    /// The number of the current data-map version, 0 before the first load. Cheap: nodes use it to
    /// know when their cached copy is stale.
    public func currentDataMapVersion() async throws -> Int {
        try await handle.read { database in
            try await database.raw("SELECT COALESCE(MAX(version), 0) AS version FROM datamap_versions").first()?
                .decode(column: "version", as: Int.self) ?? 0
        }
    }

    static func currentDataMap(on database: any SQLDatabase) async throws -> StoredDataMap? {
        guard
            let row = try await database.raw(
                "SELECT version, loaded_at, loaded_by, digest, document FROM datamap_versions ORDER BY version DESC LIMIT 1"
            ).first()
        else { return nil }
        let stored = try row.model(Columns.self)
        return StoredDataMap(
            version: stored.version,
            loadedAt: stored.loadedAt,
            loadedBy: stored.loadedBy,
            digest: stored.digest,
            dataMap: try JSONDecoder().decode(DataMap.self, from: Data(stored.document.utf8))
        )
    }

    /// A data-map version as the table holds it: the map as JSON text.
    private struct Columns: Decodable {
        var version: Int
        var loadedAt: String
        var loadedBy: String
        var digest: String
        var document: String
    }
}
