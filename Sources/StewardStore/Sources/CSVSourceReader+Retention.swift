public import StewardCore

/// Retention on a folder of CSV files. A file is rewritten whole to change any row, so a rule's
/// due rows go in one batch (one rewrite), not one rewrite per batch; rows are ordered by their
/// key, as numbers when every key is a whole number, else as text.
extension CSVSourceReader: RetentionSource {
    /// The column of `field`, or an error naming it.
    func column(_ field: String, in table: (header: [String], rows: [[String]]), _ collection: String) throws -> Int {
        guard let index = table.header.firstIndex(of: field) else {
            throw StewardError(.invalidInput, "\(collection).csv has no column '\(field)'", field: name.place(collection, field))
        }
        return index
    }

    static func cell(_ row: [String], _ index: Int) -> String? {
        index < row.count && !row[index].isEmpty ? row[index] : nil
    }

    /// True when the trigger is an ISO date before the scan's date, and (anonymising) something is left to mask.
    static func isDue(_ row: [String], trigger: Int, before: String, masks: [(Int, String?)]) -> Bool {
        guard let value = cell(row, trigger), value.first?.isNumber == true, value < before else { return false }
        guard !masks.isEmpty else { return true }
        return masks.contains { index, masked in
            guard let current = cell(row, index) else { return false }
            return masked.map { current != $0 } ?? true
        }
    }

    /// Keys in order: numerically when every value of the field is a whole number.
    static func ordering(_ keys: [[String]]) -> ([String], [String]) -> Bool {
        let width = keys.first?.count ?? 0
        let numeric = (0..<width).map { position in keys.allSatisfy { Int($0[position]) != nil } }
        return { left, right in
            for position in 0..<min(left.count, right.count) where left[position] != right[position] {
                if numeric.indices.contains(position), numeric[position], let a = Int(left[position]), let b = Int(right[position]) { return a < b }
                return Array(left[position].utf8).lexicographicallyPrecedes(Array(right[position].utf8))
            }
            return left.count < right.count
        }
    }

    public func dueRows(_ scan: RetentionScan, after: [String]?, limit: Int) async throws -> [[String: String]] {
        if after == nil { tables[scan.collection] = nil }  // a new scan reads the file as it is now
        let table = try load(scan.collection)
        let trigger = try column(scan.trigger, in: table, scan.collection)
        let keys = try scan.keyFields.map { try column($0, in: table, scan.collection) }
        let masks = try scan.masks.map { (try column($0.key, in: table, scan.collection), $0.value) }
        let fields = try scan.fields.map { ($0, try column($0, in: table, scan.collection)) }
        var due: [([String], [String])] = []
        for row in table.rows where Self.isDue(row, trigger: trigger, before: scan.before, masks: masks) {
            due.append((keys.map { Self.cell(row, $0) ?? "" }, row))
        }
        let order = Self.ordering(due.map(\.0))
        due.sort { order($0.0, $1.0) }
        if let after { due.removeAll { !order(after, $0.0) } }
        // The whole rule in one batch: the file is rewritten once.
        return due.map { _, row in
            var values: [String: String] = [:]
            for (name, index) in fields { if let value = Self.cell(row, index) { values[name] = value } }
            return values
        }
    }

    public func counts(_ scan: RetentionScan) async throws -> RetentionCounts {
        tables[scan.collection] = nil
        let table = try load(scan.collection)
        let trigger = try column(scan.trigger, in: table, scan.collection)
        let masks = try scan.masks.map { (try column($0.key, in: table, scan.collection), $0.value) }
        var counts = RetentionCounts(due: 0, emptyTrigger: 0, oldest: nil)
        for row in table.rows {
            guard let value = Self.cell(row, trigger) else {
                counts.emptyTrigger += 1
                continue
            }
            if Self.isDue(row, trigger: trigger, before: scan.before, masks: masks) {
                counts.due += 1
                if counts.oldest.map({ value < $0 }) ?? true { counts.oldest = value }
            }
        }
        return counts
    }

    public func dispose(_ disposal: Disposal, rollingBack: Bool) async throws -> DisposalResult {
        let scan = disposal.scan
        guard !disposal.keys.isEmpty else { return DisposalResult(keys: [], dependents: [:]) }
        let lock = try lockFolder()
        defer { unlockFolder(lock) }
        tables = [:]
        var changed: [String: (header: [String], rows: [[String]])] = [:]
        var table = try load(scan.collection)
        let trigger = try column(scan.trigger, in: table, scan.collection)
        let keyColumns = try scan.keyFields.map { try column($0, in: table, scan.collection) }
        let masks = try scan.masks.map { (try column($0.key, in: table, scan.collection), $0.value) }
        let wanted = Set(disposal.keys)
        var gone: Set<[String]> = []
        var kept: [[String]] = []
        for var row in table.rows {
            let key = keyColumns.map { Self.cell(row, $0) ?? "" }
            guard wanted.contains(key), Self.isDue(row, trigger: trigger, before: scan.before, masks: disposal.anonymise ? masks : []) else {
                kept.append(row)
                continue
            }
            gone.insert(key)
            if disposal.anonymise {
                for (index, masked) in masks {
                    while row.count <= index { row.append("") }
                    row[index] = masked ?? ""
                }
                kept.append(row)
            }
        }
        table.rows = kept
        changed[scan.collection] = table
        var dependents: [String: Int] = [:]
        if !disposal.anonymise {
            // Children of the rows going, deepest first.
            func deleteChildren(_ children: [RetentionTarget.Child], parents: Set<String>) throws {
                for child in children {
                    var rows = try changed[child.collection] ?? load(child.collection)
                    let pointing = try column(child.field, in: rows, child.collection)
                    let going = rows.rows.filter { Self.cell($0, pointing).map(parents.contains) ?? false }
                    if child.keyFields.count == 1, !child.children.isEmpty {
                        let key = try column(child.keyFields[0], in: rows, child.collection)
                        try deleteChildren(child.children, parents: Set(going.compactMap { Self.cell($0, key) }))
                        rows = try changed[child.collection] ?? rows
                    }
                    let before = rows.rows.count
                    rows.rows.removeAll { Self.cell($0, pointing).map(parents.contains) ?? false }
                    dependents[child.collection, default: 0] += before - rows.rows.count
                    changed[child.collection] = rows
                }
            }
            if scan.keyFields.count == 1 { try deleteChildren(disposal.children, parents: Set(gone.map { $0[0] })) }
        }
        try replace(changed, rollingBack: rollingBack)
        return DisposalResult(keys: disposal.keys.filter { gone.contains($0) }, dependents: dependents)
    }
}
