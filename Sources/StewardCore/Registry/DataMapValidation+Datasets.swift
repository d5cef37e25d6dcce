/// Datasets: fields, types, references and that every collection can be reached.
extension Validator {
    mutating func validateDatasets(identityKeys: Set<String>, purposes: [Purpose]) -> [Dataset] {
        checkUnique(draft.datasets, kind: "dataset", file: \.file, key: \.key)
        let byKey = Dictionary(draft.datasets.map { ($0.key.value, $0) }, uniquingKeysWith: { first, _ in first })
        var result: [Dataset] = []
        for dataset in draft.datasets {
            let file = dataset.file
            checkKey(file, dataset.key, kind: "dataset")
            checkUnique(dataset.collections, kind: "collection", file: { _ in file }, key: \.name)
            reportRefused(file, dataset.unsupported)
            var collections: [Dataset.Collection] = []
            for collection in dataset.collections {
                reportRefused(file, collection.unsupported)
                let fields = validateFields(
                    collection.fields,
                    file: file,
                    identityKeys: identityKeys,
                    datasets: byKey,
                    declaring: (dataset.key.value, purposes)
                )
                var built = Dataset.Collection(
                    name: collection.name.value,
                    description: collection.description,
                    fields: fields,
                    skipProcessing: collection.skipProcessing,
                    restrictionFlag: collection.restrictionFlag?.value,
                    dataPurposes: declaredPurposes(collection.purposes, file: file, dataset: dataset.key.value, purposes: purposes)
                )
                built.erasureDeletes = collectionDeletes(collection.maskingOverride, file: file)
                built.eraseAfter = eraseAfter(collection.eraseAfter, file: file, dataset: dataset)
                if let flag = collection.restrictionFlag, built.field(at: flag.value) == nil {
                    issues.append(
                        .init(
                            file: file,
                            line: flag.line,
                            field: flag.path,
                            message: "the restriction flag '\(flag.value)' is not a field of collection '\(collection.name.value)'"
                        )
                    )
                    built.restrictionFlag = nil
                }
                collections.append(built)
            }
            result.append(
                .init(
                    key: .init(dataset.key.value),
                    name: dataset.name,
                    description: dataset.description,
                    collections: collections,
                    dataPurposes: declaredPurposes(dataset.purposes, file: file, dataset: dataset.key.value, purposes: purposes)
                )
            )
        }
        checkReachability(result)
        return result
    }

    mutating func validateFields(
        _ fields: [FieldDraft],
        file: String,
        identityKeys: Set<String>,
        datasets: [String: DatasetDraft],
        declaring: (dataset: String, purposes: [Purpose])
    ) -> [Dataset.Field] {
        checkUnique(fields, kind: "field", file: { _ in file }, key: \.name)
        var result: [Dataset.Field] = []
        for field in fields {
            checkCategories(file, field.dataCategories)
            reportRefused(file, field.unsupported)
            var length: Int?
            if let text = field.length {
                length = Int(text.value).flatMap { $0 > 0 ? $0 : nil }
                if length == nil { report(file, text, "length must be a whole number of characters, more than 0") }
            }
            var dataType: Dataset.DataType?
            if let typeText = field.dataType {
                dataType = Dataset.DataType(parsing: typeText.value)
                if dataType == nil {
                    let known = Dataset.DataType.Base.allCases.map(\.rawValue).joined(separator: ", ")
                    report(file, typeText, "unknown data_type '\(typeText.value)'; use one of \(known), optionally with []")
                }
            }
            if let identity = field.identity {
                if !identityKeys.contains(identity.value) {
                    report(
                        file,
                        identity,
                        "unknown identity '\(identity.value)'; use one of \(identityKeys.sorted().joined(separator: ", ")) or declare it in controller.yaml"
                    )
                }
            }
            var references: [Dataset.Reference] = []
            for reference in field.references {
                if let built = validateReference(reference, file: file, datasets: datasets) { references.append(built) }
            }
            let nested = validateFields(field.fields, file: file, identityKeys: identityKeys, datasets: datasets, declaring: declaring)
            result.append(
                .init(
                    name: field.name.value,
                    description: field.description,
                    dataCategories: field.dataCategories.map { .init($0.value) },
                    identity: field.identity.map { .init($0.value) },
                    references: references,
                    isPrimaryKey: field.isPrimaryKey,
                    dataType: dataType,
                    isReadOnly: field.isReadOnly,
                    isShared: field.isShared,
                    fields: nested,
                    dataPurposes: declaredPurposes(field.purposes, file: file, dataset: declaring.dataset, purposes: declaring.purposes),
                    maskingStrategy: field.maskingOverride.flatMap { maskingStrategy($0, file: file) },
                    maximumLength: length
                )
            )
        }
        return result
    }

    mutating func validateReference(_ reference: ReferenceDraft, file: String, datasets: [String: DatasetDraft]) -> Dataset.Reference? {
        var direction: Dataset.Reference.Direction?
        if let directionText = reference.direction {
            direction = .init(rawValue: directionText.value)
            if direction == nil { report(file, directionText, "unknown direction '\(directionText.value)'; use from or to") }
        }
        guard let target = datasets[reference.dataset.value] else {
            report(file, reference.dataset, "reference to missing dataset '\(reference.dataset.value)'")
            return nil
        }
        let parts = reference.field.value.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            report(file, reference.field, "reference field '\(reference.field.value)' must be collection.field")
            return nil
        }
        guard let collection = target.collections.first(where: { $0.name.value == parts[0] }) else {
            report(file, reference.field, "reference to missing collection '\(parts[0])' in dataset '\(reference.dataset.value)'")
            return nil
        }
        guard Self.field(at: parts[1], in: collection.fields) != nil else {
            report(file, reference.field, "reference to missing field '\(parts[1])' in \(reference.dataset.value).\(parts[0])")
            return nil
        }
        return .init(dataset: .init(reference.dataset.value), collection: parts[0], field: parts[1], direction: direction)
    }

    static func field(at path: String, in fields: [FieldDraft]) -> FieldDraft? {
        var fields = fields
        var found: FieldDraft?
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let next = fields.first(where: { $0.name.value == part }) else { return nil }
            found = next
            fields = next.fields
        }
        return found
    }

    /// Every collection must be reachable from an identity, so a rights request can find a person's
    /// rows in it; one that cannot be reached would be skipped silently.
    mutating func checkReachability(_ datasets: [Dataset]) {
        let graph = DatasetGraph(datasets: datasets)
        let reachable = graph.reachableFromIdentities()
        for dataset in draft.datasets {
            for collection in dataset.collections where !collection.skipProcessing {
                let node = DatasetGraph.Node(dataset: .init(dataset.key.value), collection: collection.name.value)
                if !reachable.contains(node) {
                    report(
                        dataset.file,
                        collection.name,
                        "collection '\(dataset.key.value).\(collection.name.value)' cannot be reached from any identity field; add an identity or a reference, or mark it fides_meta.skip_processing"
                    )
                }
            }
        }
    }

    // MARK: Systems
}

/// The Fides keys Steward honours beyond the search itself — masking overrides, `length`,
/// `erase_after` — and those it refuses, each with the reason.
extension Validator {
    /// Why Steward cannot honour a Fides key, by key.
    static let refusedKeys: [String: String] = [
        "return_all_elements":
            "Steward cannot return the elements of an array: arrays cannot be held in a table or CSV source; remove return_all_elements",
        "custom_request_field":
            "Steward finds a person by identity fields and references, not by custom request fields; declare the field an identity, or remove custom_request_field",
        "redact":
            "Steward names every collection and field in the person's copy and in the audit log, as Art 15 requires, so it cannot redact names; remove redact",
        "partitioning":
            "Steward reads a PostgreSQL, SQLite or CSV source's tables whole; partitioning, a BigQuery setting, does not apply: remove it",
        "where_clauses":
            "Steward reads a PostgreSQL, SQLite or CSV source's tables whole; where_clauses, a BigQuery setting, do not apply: remove them",
        "namespace":
            "Steward reads the tables the source's own connection sees; a namespace (another database, schema or project) cannot be honoured: remove it, or register a source for it",
        "resource_id": "resource_id is for Fides's own connectors; Steward binds a dataset to its source when the source is registered: remove it",
    ]

    mutating func reportRefused(_ file: String, _ keys: [Located<String>]) {
        for key in keys { report(file, key, Self.refusedKeys[key.value] ?? "Steward cannot honour '\(key.value)'; remove it") }
    }

    /// The masking strategy a field's `masking_strategy_override` names, in Steward's terms; an
    /// error naming the field for one Steward cannot carry out as Fides would.
    mutating func maskingStrategy(_ draft: MaskingOverrideDraft, file: String) -> MaskingStrategy? {
        let configuration = draft.configuration
        func only(_ allowed: Set<String>) -> Bool {
            for (key, value) in configuration.sorted(by: { $0.key < $1.key }) where !allowed.contains(key) {
                report(file, value, "Steward's \(draft.strategy.value) takes no '\(key)'; remove it")
                return false
            }
            return true
        }
        func algorithm(_ expected: String) -> Bool {
            guard let given = configuration["algorithm"], given.value.uppercased() != expected else { return true }
            report(file, given, "Steward's \(draft.strategy.value) uses \(expected); '\(given.value)' cannot be honoured")
            return false
        }
        switch draft.strategy.value {
        case "null_rewrite": return only([]) ? .null : nil
        case "string_rewrite":
            guard only(["rewrite_value", "format_preservation.suffix"]) else { return nil }
            guard let value = configuration["rewrite_value"] else {
                report(file, draft.strategy, "string_rewrite needs configuration.rewrite_value")
                return nil
            }
            return .fixed(value.value + (configuration["format_preservation.suffix"]?.value ?? ""))
        case "hash": return only(["algorithm"]) && algorithm("SHA-256") ? .hash : nil
        case "hmac": return only(["algorithm"]) && algorithm("SHA-256") ? .hmac : nil
        case "aes_encrypt":
            guard only(["mode"]) else { return nil }
            if let mode = configuration["mode"], mode.value.uppercased() != "GCM" {
                report(file, mode, "Steward encrypts with AES-GCM; mode '\(mode.value)' cannot be honoured")
                return nil
            }
            return .encrypt
        case "random_string_rewrite":
            guard only(["length", "format_preservation.suffix"]) else { return nil }
            if let length = configuration["length"], length.value != "16" {
                report(file, length, "Steward's random values are 16 characters; length \(length.value) cannot be honoured")
                return nil
            }
            if let suffix = configuration["format_preservation.suffix"] {
                report(file, suffix, "Steward's random values take no suffix; remove format_preservation")
                return nil
            }
            return .random
        case "preserve": return only([]) ? .preserve : nil
        default:
            report(
                file,
                draft.strategy,
                "unknown masking strategy '\(draft.strategy.value)'; use null_rewrite, string_rewrite, hash, hmac, aes_encrypt, random_string_rewrite or preserve"
            )
            return nil
        }
    }

    /// A collection's `masking_strategy_override`: only `delete` means anything for a whole collection.
    mutating func collectionDeletes(_ draft: MaskingOverrideDraft?, file: String) -> Bool {
        guard let draft else { return false }
        guard draft.strategy.value == "delete" else {
            report(file, draft.strategy, "a collection's masking_strategy_override can only be delete; give other strategies on its fields")
            return false
        }
        for (key, value) in draft.configuration { report(file, value, "delete takes no '\(key)'; remove it") }
        return true
    }

    /// `erase_after`: collections of the same dataset, as Fides writes them (`dataset.collection`).
    mutating func eraseAfter(_ names: [Located<String>], file: String, dataset: DatasetDraft) -> [String] {
        names.compactMap { located in
            let parts = located.value.split(separator: ".", maxSplits: 1).map(String.init)
            let (datasetKey, collection) = parts.count == 2 ? (parts[0], parts[1]) : (dataset.key.value, located.value)
            guard datasetKey == dataset.key.value, dataset.collections.contains(where: { $0.name.value == collection }) else {
                report(file, located, "erase_after names '\(located.value)', which is not a collection of dataset '\(dataset.key.value)'")
                return nil
            }
            return collection
        }
    }
}
