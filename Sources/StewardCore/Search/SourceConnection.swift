/// One change to one row of a council source, found by its primary key: one field, or several
/// together (a composite key).
public enum RowChange: Sendable, Hashable {
    /// Sets fields (nil for NULL) on the row whose key fields have the values in `key`.
    case update(collection: String, key: [String: String], values: [String: String?])
    case delete(collection: String, key: [String: String])

    public var collection: String {
        switch self {
        case .update(let collection, _, _), .delete(let collection, _): collection
        }
    }

    public var key: [String: String] {
        switch self {
        case .update(_, let key, _), .delete(_, let key): key
        }
    }

    /// The key fields, for messages.
    public var keyNames: String { key.keys.sorted().joined(separator: ", ") }
}

/// A connection to one council source: it reads rows for searches and says what it lacks.
public protocol SourceConnection: CollectionReader {
    /// Applies every change in one transaction: all of them, or none. `types` gives each field's
    /// type (`collection.field`), so values are written as the source stores them. With
    /// `rollingBack`, the same statements are made and then undone: a dry run that the source
    /// itself has checked, so one that succeeds means the run will, unless the data changes first.
    func apply(_ changes: [RowChange], types: [String: Dataset.DataType], rollingBack: Bool) async throws -> Int
    /// Throws unless the source answers.
    func ping() async throws
    /// The columns, types and primary keys of those of `tables` the source has, read from the
    /// source itself.
    func schema(of tables: [String]) async throws -> SourceSchema
    func close() async
}

extension SourceConnection {
    /// Applies every change in one transaction, and keeps them.
    public func apply(_ changes: [RowChange], types: [String: Dataset.DataType]) async throws -> Int {
        try await apply(changes, types: types, rollingBack: false)
    }
}

/// The council's sources as the services use them: which are registered, and a connection to one.
/// Steward's store keeps them (their locations sealed); tests give sources of rows in memory.
public protocol SourceRepository: Sendable {
    /// Every registered source, by id.
    func sources() async throws -> [DataSource]
    /// A connection to the source; the caller closes it.
    func connect(_ source: DataSource) async throws -> any SourceConnection
}
