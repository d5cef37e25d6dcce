import Foundation
import Logging
import StewardCore

/// Open connections to the council's database sources, kept between runs so a rights request does
/// not pay for a new connection each time: one per source, handed to every run at once (PostgreSQL
/// pools its own connections, and SQLite serialises its writers), replaced when the source's
/// location changes, and closed once unused for a minute, when the source is removed, or when the
/// store closes. CSV sources are read afresh by every run, so they are not kept.
actor SourcePool {
    struct Entry {
        var reader: SQLSourceReader
        /// SHA-256 of the location, so a changed location opens a new connection.
        var location: String
        var lastUsed: ContinuousClock.Instant
    }

    static let idleLimit: Duration = .seconds(60)
    private var entries: [String: Entry] = [:]

    /// The kept connection to the source `id` at `location`, opening one with `open` if there is none.
    func reader(for id: String, location: String, open: () async throws -> SQLSourceReader) async throws -> SQLSourceReader {
        let now = ContinuousClock.now
        let digest = Secret.sha256(location)
        for (key, entry) in entries where now - entry.lastUsed > Self.idleLimit || (key == id && entry.location != digest) {
            entries[key] = nil
            await entry.reader.shutDown()
        }
        if let entry = entries[id] {
            entries[id]?.lastUsed = now
            return entry.reader
        }
        let reader = try await open()
        reader.pooled = true
        entries[id] = Entry(reader: reader, location: digest, lastUsed: now)
        return reader
    }

    /// Closes the connection kept for a source, if any.
    func remove(_ id: String) async {
        guard let entry = entries.removeValue(forKey: id) else { return }
        await entry.reader.shutDown()
    }

    func closeAll() async {
        let all = entries.values
        entries = [:]
        for entry in all { await entry.reader.shutDown() }
    }
}
