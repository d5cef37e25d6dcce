/// How the planners pick out rows and check what a column can hold.
extension ChangePlanner {
    /// Why `strategy` cannot mask `field`, or nil when it can: a read-only field; a value the
    /// column cannot hold (text in a number, date or boolean column, an empty value where the
    /// column must have one, more characters than it takes).
    static func maskingProblem(_ strategy: MaskingStrategy, for field: Dataset.Field) -> String? {
        if field.isReadOnly { return "the field is read-only in the dataset" }
        let type = field.dataType?.base ?? .string
        if strategy == .null {
            if field.sourceColumn?.nullable == false {
                return "the column cannot be empty (NOT NULL), so it cannot be masked with null; give a strategy such as fixed:ERASED"
            }
            return nil
        }
        guard type == .string || type == .objectID else {
            return "a \(field.dataType?.description ?? "") column can only be masked with null, not \(strategy)"
        }
        if let limit = field.sourceColumn?.maximumLength ?? field.maximumLength, strategy.longestValue.map({ $0 > limit }) ?? true {
            let length = strategy.longestValue.map { "up to \($0)" } ?? "more"
            return
                "\(strategy) writes \(length) characters, more than the \(limit) the column holds; give a shorter strategy such as fixed:ERASED or null"
        }
        return nil
    }

    /// The primary-key fields of a collection (several for a composite key); nil when it has none,
    /// or when one of `rows` has no value in one of them, so that row cannot be picked out.
    static func keyFields(of collection: Dataset.Collection, rows: [[String: String]]) -> [String]? {
        let keys = collection.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
        guard !keys.isEmpty, rows.allSatisfy({ row in keys.allSatisfy { row[$0] != nil } }) else { return nil }
        return keys
    }

    /// Why `keyFields` found no way to pick out the rows.
    static func keyProblem(of collection: Dataset.Collection, rows: [[String: String]]) -> String {
        let keys = collection.allFields.filter { $0.field.isPrimaryKey }.map(\.path)
        guard let empty = keys.first(where: { key in rows.contains { $0[key] == nil } }) else {
            return "the collection declares no primary key, so the person's rows cannot be picked out one by one"
        }
        return "a row of the person's has no value in its key field '\(empty)', so it cannot be picked out"
    }

    /// A row's key: the value of each key field; nil when one is missing.
    static func key(of row: [String: String], _ fields: [String]) -> [String: String]? {
        var key: [String: String] = [:]
        for field in fields {
            guard let value = row[field] else { return nil }
            key[field] = value
        }
        return key
    }
}

extension ChangeReport.Step {
    /// Marks the step as one that cannot be done, at `field`, for `reason`.
    mutating func fail(_ field: String, _ reason: String) {
        action = .failed
        self.field = field
        self.reason = reason
    }

    /// Marks the step as one the law or a legal hold does not allow.
    mutating func refuse(_ reason: String) {
        action = .refused
        self.reason = reason
    }
}
