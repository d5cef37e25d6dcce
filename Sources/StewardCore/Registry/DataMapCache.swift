/// The current data map, decoded once per version. It asks the database for the current version
/// number at most every `recheck` (half a second), so every `serve` process sees a new load within
/// that time without sharing memory; a load through this process is seen at once (`invalidate()`).
public actor DataMapCache {
    private let repository: any DataMapRepository
    private var cached: StoredDataMap?
    private var index: (version: Int, value: GateIndex)?
    private var checked: ContinuousClock.Instant?
    /// How long a version check is trusted.
    public static let recheck = Duration.milliseconds(500)

    public init(repository: any DataMapRepository) {
        self.repository = repository
    }

    /// The current data map, or nil before the first load.
    public func current() async throws -> StoredDataMap? {
        let now = ContinuousClock.now
        if let cached, let checked, now - checked < Self.recheck { return cached }
        let version = try await repository.currentDataMapVersion()
        checked = now
        if version == 0 { return nil }
        if let cached, cached.version == version { return cached }
        let fresh = try await repository.currentDataMap()
        cached = fresh
        return fresh
    }

    /// The current data map with its gate index, built once per version.
    public func indexed(taxonomy: Taxonomy) async throws -> (StoredDataMap, GateIndex)? {
        guard let map = try await current() else { return nil }
        if let index, index.version == map.version { return (map, index.value) }
        let built = GateIndex(dataMap: map.dataMap, taxonomy: taxonomy)
        index = (map.version, built)
        return (map, built)
    }

    /// Forgets the cached version, after a load through this process.
    public func invalidate() {
        cached = nil
        checked = nil
    }
}
