public import StewardCore

/// What a data-map load did.
public struct DataMapLoadResult: Sendable, Hashable, Codable {
    public var version: Int
    /// False when the files were identical to the current version, so no new version was made.
    public var created: Bool
    public var digest: String
    public var changes: DataMapChanges
}

extension Store {
    /// Validates a draft and stores it as a new version, recording the change in the audit log. Used
    /// by `steward load` and `PUT /api/v1/datamap` alike. An invalid draft throws with every problem
    /// and stores nothing.
    public func loadDataMap(
        _ draft: DataMapDraft, taxonomy: Taxonomy, fallbackController: Controller?, actor: String
    ) async throws -> DataMapLoadResult {
        let map = try draft.validate(taxonomy: taxonomy, fallbackController: fallbackController)
        let (stored, changes, created) = try await saveDataMap(map, actor: actor)
        return DataMapLoadResult(version: stored.version, created: created, digest: stored.digest, changes: changes)
    }
}
