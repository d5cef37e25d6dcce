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
            var collections: [Dataset.Collection] = []
            for collection in dataset.collections {
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
                if field.dataType == nil {
                    report(file, field.name, "identity field '\(field.name.value)' needs fides_meta.data_type")
                }
            }
            if !field.references.isEmpty, field.dataType == nil {
                report(file, field.name, "reference field '\(field.name.value)' needs fides_meta.data_type")
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
                    dataPurposes: declaredPurposes(field.purposes, file: file, dataset: declaring.dataset, purposes: declaring.purposes)
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
