import StewardCore

/// The current data map, decoded once per version. Each read asks the database only for the version
/// number, so every `serve` process sees a new load at once without sharing memory.
public actor DataMapCache {
    private let store: Store
    private var cached: StoredDataMap?

    public init(store: Store) {
        self.store = store
    }

    /// The current data map, or nil before the first load.
    public func current() async throws -> StoredDataMap? {
        let version = try await store.currentDataMapVersion()
        if version == 0 { return nil }
        if let cached, cached.version == version { return cached }
        let fresh = try await store.currentDataMap()
        cached = fresh
        return fresh
    }
}
