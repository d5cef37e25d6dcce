import Foundation

/// What a council source says of its own tables: each column's type as the database declares it,
/// whether it may be empty, and the primary key. Read from the source itself (the system catalogue
/// on PostgreSQL, `PRAGMA table_info` on SQLite, the header row of a CSV file), so a dataset file
/// need not declare types or keys, and one that declares them wrongly is caught before a run.
public struct SourceSchema: Sendable, Hashable, Codable {
    public struct Column: Sendable, Hashable, Codable {
        public var name: String
        /// The type as the database names it (`integer`, `timestamp without time zone`, `VARCHAR(40)`);
        /// empty where it declares none (a CSV column, an untyped SQLite column).
        public var declared: String
        /// Steward's reading of `declared`; nil where the column takes any value as text.
        public var type: Dataset.DataType?
        public var nullable: Bool
        /// The most characters the column holds (`varchar(40)`), if it says.
        public var maximumLength: Int?

        public init(name: String, declared: String, type: Dataset.DataType?, nullable: Bool = true, maximumLength: Int? = nil) {
            self.name = name
            self.declared = declared
            self.type = type
            self.nullable = nullable
            self.maximumLength = maximumLength
        }
    }

    public struct Table: Sendable, Hashable, Codable {
        public var name: String
        public var columns: [Column]
        /// The database's primary key, in key order; empty when it has none.
        public var primaryKey: [String]

        public init(name: String, columns: [Column], primaryKey: [String]) {
            self.name = name
            self.columns = columns
            self.primaryKey = primaryKey
        }

        public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
    }

    /// The tables asked about that the source has, by name.
    public var tables: [String: Table]

    public init(tables: [Table]) {
        self.tables = Dictionary(tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Steward's reading of a SQL type name, as PostgreSQL or SQLite writes it: nil where it says
    /// nothing Steward compares by (text, an unknown type, no type at all).
    public static func dataType(sql name: String) -> Dataset.DataType? {
        var text = name.lowercased().trimmingCharacters(in: .whitespaces)
        var isArray = false
        if text.hasSuffix("[]") {
            isArray = true
            text.removeLast(2)
        } else if text.hasPrefix("_") {  // PostgreSQL's own name for an array type
            isArray = true
            text.removeFirst()
        }
        if let parenthesis = text.firstIndex(of: "(") { text = String(text[..<parenthesis]).trimmingCharacters(in: .whitespaces) }
        let base: Dataset.DataType.Base? =
            switch text {
            case "smallint", "integer", "int", "bigint", "int2", "int4", "int8", "tinyint", "mediumint", "serial", "bigserial", "smallserial",
                "unsigned big int":
                .integer
            case "real", "double precision", "double", "float", "float4", "float8", "numeric", "decimal", "money": .float
            case "boolean", "bool": .boolean
            case "date": .date
            case "timestamp", "timestamp without time zone", "timestamp with time zone", "timestamptz", "datetime": .datetime
            case "json", "jsonb": .object
            case "text", "character varying", "varchar", "character", "char", "bpchar", "uuid", "citext", "name", "clob", "nvarchar",
                "nchar", "varying character", "native character", "inet", "cidr", "macaddr", "time", "time without time zone",
                "time with time zone", "interval", "bytea", "blob", "xml":
                .string
            default: Self.sqliteAffinity(text)
            }
        return base.map { Dataset.DataType(base: $0, isArray: isArray) }
    }

    /// SQLite's rules for a type name it does not know exactly (datatype3.html §3.1), for the
    /// kinds Steward compares by; NUMERIC affinity is read as a number only when it says so.
    static func sqliteAffinity(_ text: String) -> Dataset.DataType.Base? {
        if text.isEmpty { return nil }
        if text.contains("int") { return .integer }
        if text.contains("char") || text.contains("clob") || text.contains("text") { return .string }
        if text.contains("real") || text.contains("floa") || text.contains("doub") { return .float }
        if text.contains("bool") { return .boolean }
        if text.contains("timestamp") || text.contains("datetime") { return .datetime }
        if text.contains("date") { return .date }
        return nil
    }

    /// The most characters a type holds (`varchar(40)` → 40), if it says.
    public static func maximumLength(sql name: String) -> Int? {
        let text = name.lowercased()
        guard text.contains("char"), let open = text.firstIndex(of: "("), let close = text.firstIndex(of: ")"), open < close else { return nil }
        return Int(text[text.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
    }
}

extension SourceSchema {
    /// Whether values declared as `declared` can be compared with, and written to, a column of
    /// `actual`: the same kind, or a date declared for a column that keeps date and time.
    static func agrees(_ declared: Dataset.DataType, with actual: Dataset.DataType) -> Bool {
        guard declared.isArray == actual.isArray else { return false }
        switch (declared.base, actual.base) {
        case let (lhs, rhs) where lhs == rhs: return true
        case (.objectID, .string), (.date, .datetime): return true
        default: return false
        }
    }

    /// What stops a run on `dataset`, each naming its collection and field: a table or column the
    /// source does not have, or a declared `data_type` the database contradicts.
    public func problems(for dataset: Dataset) -> [SourceCheck.Problem] {
        var problems: [SourceCheck.Problem] = []
        for collection in dataset.collections where !collection.skipProcessing {
            guard let table = tables[collection.name] else {
                problems.append(.init(collection: collection.name, message: "there is no table, view or file '\(collection.name)'"))
                continue
            }
            for (path, field) in collection.allFields where field.fields.isEmpty {
                guard let column = table.column(path) else {
                    problems.append(.init(collection: collection.name, field: path, message: "'\(collection.name)' has no column '\(path)'"))
                    continue
                }
                if let declared = field.dataType, let actual = column.type, !Self.agrees(declared, with: actual) {
                    problems.append(
                        .init(
                            collection: collection.name,
                            field: path,
                            message:
                                "the dataset declares '\(path)' as \(declared), but the column is \(column.declared); correct data_type in the dataset file, or leave it out to take the column's"
                        )
                    )
                }
            }
        }
        return problems
    }

    /// What does not stop a run but limits it: a collection with no primary key, declared or in
    /// the database, can be searched but not changed.
    public func notes(for dataset: Dataset) -> [SourceCheck.Problem] {
        dataset.collections.filter { collection in
            !collection.skipProcessing && !collection.allFields.contains { $0.field.isPrimaryKey } && tables[collection.name] != nil
                && tables[collection.name]?.primaryKey.isEmpty != false
        }.map { collection in
            .init(
                collection: collection.name,
                message:
                    "'\(collection.name)' has no primary key, declared or in the database: it is searched, but a rectification, erasure or restriction cannot pick out its rows and leaves it unchanged"
            )
        }
    }
}

extension Dataset {
    /// The dataset as its source holds it: a field with no declared `data_type` takes its column's,
    /// one the database contradicts takes the column's too (the source check reports it), and a
    /// collection with no declared primary key takes the database's. Searches and changes then
    /// bind every value in the column's real type.
    public func resolved(by schema: SourceSchema) -> Dataset {
        var copy = self
        for index in copy.collections.indices {
            guard let table = schema.tables[copy.collections[index].name] else { continue }
            let declaresKey = copy.collections[index].allFields.contains { $0.field.isPrimaryKey }
            func resolve(_ fields: inout [Field], prefix: String) {
                for position in fields.indices {
                    let path = prefix.isEmpty ? fields[position].name : "\(prefix).\(fields[position].name)"
                    if !fields[position].fields.isEmpty {
                        resolve(&fields[position].fields, prefix: path)
                        continue
                    }
                    guard let column = table.column(path) else { continue }
                    // A JSON or array column is read whole, as text: a field takes its type only
                    // where Steward compares and writes single values.
                    if let actual = column.type, !actual.isArray, actual.base != .object { fields[position].dataType = actual }
                    fields[position].sourceColumn = column
                    if !declaresKey, table.primaryKey.contains(path) { fields[position].isPrimaryKey = true }
                }
            }
            resolve(&copy.collections[index].fields, prefix: "")
        }
        return copy
    }
}
