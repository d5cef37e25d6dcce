import Foundation
import Logging
import StewardCore

/// Open connections to the council's database sources, kept between runs so a rights request does
/// not pay for a new connection each time: one per source, lent to every run at once (PostgreSQL
/// pools its own connections, and SQLite serialises its writers). A connection no run holds is
/// closed once it has been idle for a minute (noticed at the next lending), when the source is
/// removed, or when the store closes; one whose source's location has changed is replaced, and
/// closed when its last run gives it back. CSV sources are read afresh by every run.
actor SourcePool {
    struct Entry {
        var reader: SQLSourceReader
        /// SHA-256 of the location, so a changed location opens a new connection.
        var location: String
        var leases: Int
        var lastUsed: ContinuousClock.Instant
    }

    static let idleLimit: Duration = .seconds(60)
    private var entries: [String: Entry] = [:]
    /// Connections replaced while runs still held them, closed when the last gives them back.
    private var retired: [ObjectIdentifier: (reader: SQLSourceReader, leases: Int)] = [:]

    /// Lends the kept connection to the source `id` at `location`, opening one with `open` if there
    /// is none. The run gives it back by closing it.
    func reader(for id: String, location: String, open: () async throws -> SQLSourceReader) async throws -> SQLSourceReader {
        let digest = Secret.sha256(location)
        await closeIdle()
        if let entry = entries[id], entry.location != digest {
            entries[id] = nil
            if entry.leases == 0 { await entry.reader.shutDown() } else { retired[ObjectIdentifier(entry.reader)] = (entry.reader, entry.leases) }
        }
        if entries[id] == nil {
            let reader = try await open()
            // Another run may have opened one while this one waited.
            if let entry = entries[id], entry.location == digest {
                await reader.shutDown()
            } else {
                let identity = ObjectIdentifier(reader)
                reader.pooled = true
                reader.release = { [weak self] in await self?.giveBack(id: id, identity: identity) }
                entries[id] = Entry(reader: reader, location: digest, leases: 0, lastUsed: .now)
            }
        }
        entries[id]!.leases += 1
        entries[id]!.lastUsed = .now
        return entries[id]!.reader
    }

    /// A run is done with its connection.
    func giveBack(id: String, identity: ObjectIdentifier) async {
        if let entry = entries[id], ObjectIdentifier(entry.reader) == identity {
            entries[id]!.leases = max(0, entry.leases - 1)
            entries[id]!.lastUsed = .now
        } else if let old = retired[identity] {
            if old.leases <= 1 {
                retired[identity] = nil
                await old.reader.shutDown()
            } else {
                retired[identity]!.leases -= 1
            }
        }
    }

    /// Closes the connections no run holds that have been idle too long.
    private func closeIdle() async {
        let now = ContinuousClock.now
        for (id, entry) in entries where entry.leases == 0 && now - entry.lastUsed > Self.idleLimit {
            entries[id] = nil
            await entry.reader.shutDown()
        }
    }

    /// Closes the connection kept for a removed source, once no run holds it.
    func remove(_ id: String) async {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if entry.leases == 0 { await entry.reader.shutDown() } else { retired[ObjectIdentifier(entry.reader)] = (entry.reader, entry.leases) }
    }

    func closeAll() async {
        let all = entries.values.map(\.reader) + retired.values.map(\.reader)
        entries = [:]
        retired = [:]
        for reader in all { await reader.shutDown() }
    }
}
