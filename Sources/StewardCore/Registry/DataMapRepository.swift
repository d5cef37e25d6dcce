/// One stored version of the data map.
public struct StoredDataMap: Sendable, Hashable, Codable {
    public var version: Int
    public var loadedAt: String
    public var loadedBy: String
    /// SHA-256 of the stored document.
    public var digest: String
    public var dataMap: DataMap

    public init(version: Int, loadedAt: String, loadedBy: String, digest: String, dataMap: DataMap) {
        self.version = version
        self.loadedAt = loadedAt
        self.loadedBy = loadedBy
        self.digest = digest
        self.dataMap = dataMap
    }
}

/// What a data-map load did.
public struct DataMapLoadResult: Sendable, Hashable, Codable {
    public var version: Int
    /// False when the files were identical to the current version, so no new version was made.
    public var created: Bool
    public var digest: String
    public var changes: DataMapChanges
    /// What loaded but is not used, with its file, line and field: purposes declared in dataset
    /// files that name no Steward purpose, or that no system holding the dataset serves.
    public var notes: [StewardError.Issue]
}

/// Where the data map's versions are kept. Each version is stored whole with its audit entry in
/// one unit of work.
public protocol DataMapRepository: Sendable {
    /// Stores `map` as a new version unless it is identical to the current one, and records the
    /// load in the audit log with what changed.
    func saveDataMap(_ map: DataMap, actor: String) async throws -> (stored: StoredDataMap, changes: DataMapChanges, created: Bool)
    /// The current data map, or nil before the first load.
    func currentDataMap() async throws -> StoredDataMap?
    /// The number of the current version, 0 before the first load: cheap, so nodes can tell when
    /// their cached copy is stale.
    func currentDataMapVersion() async throws -> Int
}

extension DataMapRepository {
    /// Validates a draft and stores it as a new version, recording the change in the audit log. Used
    /// by `steward load` and `PUT /api/v1/datamap` alike. An invalid draft throws with every problem
    /// and stores nothing.
    public func loadDataMap(
        _ draft: DataMapDraft,
        taxonomy: Taxonomy,
        fallbackController: Controller?,
        actor: String
    ) async throws -> DataMapLoadResult {
        let (map, notes) = try draft.validated(taxonomy: taxonomy, fallbackController: fallbackController)
        let (stored, changes, created) = try await saveDataMap(map, actor: actor)
        return DataMapLoadResult(version: stored.version, created: created, digest: stored.digest, changes: changes, notes: notes)
    }
}
