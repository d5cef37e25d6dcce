/// The purposes a dataset file declares for a dataset, a collection or a field (Fides `data_uses`,
/// formerly `data_purposes`). They are a description, not a rule: the gate decides by the purposes
/// of the system that holds the data. So what cannot be matched to a Steward purpose is a note,
/// not an error, and a Fides file loads as it is.
extension Validator {
    /// The Steward purposes `declared` names, noting every value that names none. A value is a
    /// purpose's key, or a Fides data use, read as the purposes whose `data_use` it is or covers.
    mutating func declaredPurposes(_ declared: DeclaredPurposesDraft, file: String, dataset: String, purposes: [Purpose]) -> [Purpose.Key] {
        let values: [Located<String>]
        switch (declared.dataUses, declared.dataPurposes) {
        case (nil, nil): return []
        case (let uses?, let older?):
            if uses.map(\.value) != older.map(\.value), let place = older.first ?? uses.first {
                note(file, place, "data_purposes differs from data_uses; data_uses is read, as Fides reads it")
            }
            values = uses
        case (let uses?, nil): values = uses
        case (nil, let older?): values = older
        }
        var result: [Purpose.Key] = []
        func add(_ key: Purpose.Key, _ value: Located<String>) {
            if !result.contains(key) { result.append(key) }
            if declaredSites[dataset, default: [:]][key] == nil { declaredSites[dataset, default: [:]][key] = (file, value) }
        }
        for value in values {
            if let purpose = purposes.first(where: { $0.key.rawValue == value.value }) {
                add(purpose.key, value)
                continue
            }
            let served = purposes.filter { $0.dataUse == value.value || $0.dataUse.hasPrefix(value.value + ".") }
            if !served.isEmpty {
                for purpose in served { add(purpose.key, value) }
                let names = served.map { "'\($0.key.rawValue)'" }.joined(separator: ", ")
                note(file, value, "data use '\(value.value)' is read as the purpose\(served.count == 1 ? "" : "s") with that use: \(names)")
            } else if taxonomy.uses[value.value] != nil {
                note(file, value, "data use '\(value.value)' is the use of no purpose in purposes.yaml; it is left out of the data map")
            } else {
                let known = purposes.map(\.key.rawValue)
                note(
                    file,
                    value,
                    "'\(value.value)' is neither a purpose in purposes.yaml nor a data use\(suggestion(value.value, in: known)); it is left out of the data map"
                )
            }
        }
        return result
    }

    /// Notes each purpose a dataset declares that no system holding the dataset serves: the gate
    /// allows only what a system's purposes allow, so the declaration would mislead a reader.
    mutating func checkDeclaredPurposes(systems: [System]) {
        for (dataset, sites) in declaredSites.sorted(by: { $0.key < $1.key }) {
            let holders = systems.filter { $0.datasets.contains(.init(dataset)) }
            let served = Set(holders.flatMap(\.purposes))
            for (purpose, site) in sites.sorted(by: { $0.key < $1.key }) where !served.contains(purpose) {
                let systemsText =
                    holders.isEmpty
                    ? "no system holds dataset '\(dataset)'"
                    : "no system holding dataset '\(dataset)' (\(holders.map(\.key.rawValue).joined(separator: ", "))) lists it"
                note(
                    site.file,
                    site.value,
                    "purpose '\(purpose.rawValue)' is declared here, but \(systemsText); the gate decides by each system's purposes"
                )
            }
        }
    }

    mutating func note(_ file: String, _ located: Located<some Sendable & Hashable>, _ message: String) {
        notes.append(.init(file: file, line: located.line, field: located.path, message: message))
    }
}
