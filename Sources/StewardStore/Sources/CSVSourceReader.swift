public import Foundation
public import StewardCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a folder of CSV files, one per collection (`people.csv`), each with a header row naming
/// its columns. Files are read once and kept; a missing file or column is an error naming it.
public actor CSVSourceReader: SourceConnection {
    public let folder: URL
    let name: SourceName
    var tables: [String: (header: [String], rows: [[String]])] = [:]

    public init(folder: URL, name: SourceName) {
        self.folder = folder
        self.name = name
    }

    public func rows(
        collection: String,
        matching field: String,
        type: Dataset.DataType?,
        values: [String],
        fields: [String]
    ) async throws
        -> [[String: String]]
    {
        let table = try load(collection)
        guard let column = table.header.firstIndex(of: field) else {
            throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: name.place(collection, field))
        }
        let wanted = Set(values)
        var indexes: [(String, Int)] = []
        for name in fields {
            guard let index = table.header.firstIndex(of: name) else {
                throw StewardError(.invalidInput, "\(collection).csv has no column '\(name)'", field: self.name.place(collection, name))
            }
            indexes.append((name, index))
        }
        return table.rows.filter { column < $0.count && wanted.contains($0[column]) }.map { row in
            var result: [String: String] = [:]
            for (name, index) in indexes where index < row.count && !row[index].isEmpty { result[name] = row[index] }
            return result
        }
    }

    /// The header of each file asked about that is there: every column text, with no type and no key.
    public func schema(of collections: [String]) async throws -> SourceSchema {
        var tables: [SourceSchema.Table] = []
        for collection in collections where FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(collection).csv").path) {
            let header = try load(collection).header
            tables.append(.init(name: collection, columns: header.map { .init(name: $0, declared: "", type: nil) }, primaryKey: []))
        }
        return SourceSchema(tables: tables)
    }

    public func close() async {
        tables = [:]
    }

    /// Rewrites each changed file whole, through a temporary file renamed into place, so a file is
    /// never left half written. All files are prepared before any is replaced.
    public func apply(_ changes: [RowChange], types: [String: Dataset.DataType], rollingBack: Bool) async throws -> Int {
        // One writer at a time across processes, and the files as they are now, not as searched.
        let lock = try lockFolder()
        defer { unlockFolder(lock) }
        self.tables = [:]
        var tables: [String: (header: [String], rows: [[String]])] = [:]
        var changed = 0
        for change in changes {
            let collection = change.collection
            var table = try tables[collection] ?? load(collection)
            var keyColumns: [(Int, String)] = []
            for (field, value) in change.key {
                guard let index = table.header.firstIndex(of: field) else {
                    throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: name.place(collection, field))
                }
                keyColumns.append((index, value))
            }
            let matches = table.rows.indices.filter { row in
                !keyColumns.isEmpty && keyColumns.allSatisfy { index, value in index < table.rows[row].count && table.rows[row][index] == value }
            }
            try SQLSourceReader.expectOne(matches.count, collection: collection, key: change.keyNames, place: name.place(collection))
            switch change {
            case .update(_, _, let values):
                guard !values.isEmpty else {
                    throw StewardError(.invalidInput, "a change to \(collection) sets no field", field: name.place(collection))
                }
                for (field, _) in values where !table.header.contains(field) {
                    throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: name.place(collection, field))
                }
                for index in matches {
                    for (field, value) in values {
                        let column = table.header.firstIndex(of: field)!
                        while table.rows[index].count <= column { table.rows[index].append("") }
                        table.rows[index][column] = value ?? ""
                    }
                }
            case .delete:
                table.rows.remove(at: matches[0])
            }
            changed += matches.count
            tables[collection] = table
        }
        try replace(tables, rollingBack: rollingBack)
        return changed
    }

    /// Takes the folder's lock file, so one writer at a time changes its files, across processes.
    func lockFolder() throws -> Int32 {
        let lockPath = folder.appendingPathComponent(".steward.lock").path
        let lock = open(lockPath, O_CREAT | O_RDWR, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else {
            if lock >= 0 { _ = closeFile(lock) }
            throw StewardError(.unavailable, "cannot lock \(folder.path) to change its files", field: "location")
        }
        return lock
    }

    func unlockFolder(_ lock: Int32) {
        flock(lock, LOCK_UN)
        _ = closeFile(lock)
    }

    /// Writes each table to a temporary file, then renames every one into place (or, rolling
    /// back, throws them away): a file is never left half written.
    func replace(_ tables: [String: (header: [String], rows: [[String]])], rollingBack: Bool) throws {
        var staged: [(URL, URL)] = []
        defer { for (temporary, _) in staged { try? FileManager.default.removeItem(at: temporary) } }
        for (collection, table) in tables {
            let target = folder.appendingPathComponent("\(collection).csv")
            let temporary = folder.appendingPathComponent(".\(collection).csv.steward-\(UUID().uuidString)")
            staged.append((temporary, target))
            try Data(CSVText.render([table.header] + table.rows).utf8).write(to: temporary)
            // Keep the file's permissions.
            if let mode = try? FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] {
                try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
            }
        }
        // A dry run writes every file it would replace, then throws them away.
        if rollingBack {
            self.tables = [:]
            return
        }
        for (temporary, target) in staged {
            // rename(2) replaces the file in one step on the same file system.
            guard rename(temporary.path, target.path) == 0 else {
                throw StewardError(.unavailable, "cannot replace \(target.lastPathComponent) (error \(errno))", field: target.lastPathComponent)
            }
        }
        for (collection, table) in tables { self.tables[collection] = table }
    }

    public func ping() async throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw StewardError(.unavailable, "the folder \(folder.path) does not exist")
        }
    }

    func load(_ collection: String) throws -> (header: [String], rows: [[String]]) {
        if let table = tables[collection] { return table }
        let url = folder.appendingPathComponent("\(collection).csv")
        guard !collection.contains("/"), !collection.hasPrefix(".") else {
            throw StewardError(.invalidInput, "'\(collection)' cannot name a CSV file in the source's folder", field: name.place(collection))
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw StewardError(.invalidInput, "there is no \(collection).csv in \(folder.path)", field: name.place(collection))
        }
        // Decoded strictly: a file in another encoding is refused rather than rewritten with its
        // characters replaced.
        guard let text = String(data: data, encoding: .utf8) else {
            throw StewardError(.invalidInput, "\(collection).csv is not UTF-8; save it as UTF-8 first", field: name.place(collection))
        }
        var records = try CSVText.parse(text, file: url.lastPathComponent)
        guard !records.isEmpty else { throw StewardError(.invalidInput, "\(url.lastPathComponent) has no header row", field: name.place(collection)) }
        let header = records.removeFirst()
        tables[collection] = (header, records)
        return (header, records)
    }
}

/// The C library's `close`, named apart from the readers' own `close()`.
private func closeFile(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(descriptor)
    #else
        Darwin.close(descriptor)
    #endif
}
