import Foundation

/// Where one dataset of the data map really lives: a PostgreSQL database, a SQLite file, or a
/// folder of CSV files (one per collection). The location may hold credentials, so it is stored
/// sealed and shown only with any password removed.
public struct DataSource: Sendable, Hashable, Codable {
    public typealias ID = Key<DataSource>

    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case postgres
        case sqlite
        case csv
    }

    public var id: ID
    public var name: String
    public var kind: Kind
    /// The dataset whose collections and fields this source holds.
    public var dataset: Dataset.Key
    /// The location with any password removed, safe to show and log.
    public var shownLocation: String
    public var createdAt: String
    public var createdBy: String

    public init(id: ID, name: String, kind: Kind, dataset: Dataset.Key, shownLocation: String, createdAt: String, createdBy: String) {
        self.id = id
        self.name = name
        self.kind = kind
        self.dataset = dataset
        self.shownLocation = shownLocation
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// A source as staff register it, checked: an id of 1 to 64 letters, digits, `_` or `-`, a
    /// name, and a location of its kind (kept sealed; only `shownLocation` is ever shown).
    public static func checked(
        id: String,
        name: String,
        kind: Kind,
        dataset: Dataset.Key,
        location: String,
        createdAt: String,
        createdBy: String
    ) throws -> DataSource {
        let trimmedID = id.trimmingCharacters(in: .whitespaces)
        guard !trimmedID.isEmpty, trimmedID.count <= 64, trimmedID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw StewardError(.invalidInput, "a source id is 1 to 64 letters, digits, '_' or '-'", field: "id")
        }
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty, trimmedName.count <= 200 else { throw StewardError(.invalidInput, "a source needs a name", field: "name") }
        return DataSource(
            id: .init(trimmedID),
            name: trimmedName,
            kind: kind,
            dataset: dataset,
            shownLocation: try shown(location, kind: kind),
            createdAt: createdAt,
            createdBy: createdBy
        )
    }

    /// Checks a location for its kind and returns it with any password removed, for showing.
    public static func shown(_ location: String, kind: Kind) throws -> String {
        switch kind {
        case .postgres:
            guard location.hasPrefix("postgres://") || location.hasPrefix("postgresql://"), location.contains("@") || location.contains("://")
            else {
                throw StewardError(
                    .invalidInput,
                    "a PostgreSQL source's location is a URL: postgres://user:password@host:5432/database",
                    field: "location"
                )
            }
            return DatabaseLocation.postgres(url: location).description
        case .sqlite, .csv:
            guard location.hasPrefix("/") else {
                throw StewardError(.invalidInput, "a \(kind.rawValue) source's location is an absolute path on the server", field: "location")
            }
            return location
        }
    }
}

/// What checking a source found: whether it could be reached, every declared collection or field
/// it does not have or whose declared type its column contradicts, and what it cannot change.
public struct SourceCheck: Sendable, Hashable, Codable {
    public struct Problem: Sendable, Hashable, Codable {
        public var collection: String?
        public var field: String?
        public var message: String

        public init(collection: String? = nil, field: String? = nil, message: String) {
            self.collection = collection
            self.field = field
            self.message = message
        }
    }

    public var source: DataSource.ID
    public var reachable: Bool
    public var problems: [Problem]
    /// What limits a run without stopping it: a collection with no primary key can be searched
    /// but not changed.
    public var notes: [Problem]
    public var ok: Bool { reachable && problems.isEmpty }

    public init(source: DataSource.ID, reachable: Bool, problems: [Problem], notes: [Problem] = []) {
        self.source = source
        self.reachable = reachable
        self.problems = problems
        self.notes = notes
    }
}
