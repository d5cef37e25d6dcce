import StewardCore
import Yams

/// Dataset files (`datasets/*.yaml`), in Fides's format.
extension DataMapReader {
    static func readDatasets(_ file: String, _ text: String, into draft: inout DataMapDraft) {
        var reader = YAMLReader(file: file)
        defer { draft.issues += reader.issues }
        guard let root = reader.root(text), let top = reader.mapping(root, "") else { return }
        guard let list = top.values["dataset"] else {
            reader.report(root, "dataset", "missing required field 'dataset' (a Fides dataset file holds a list under 'dataset')")
            return
        }
        for (index, item) in reader.sequence(list, "dataset").enumerated() {
            let path = "dataset[\(index)]"
            guard let members = reader.mapping(item, path, allowed: FidesKeys.dataset) else { continue }
            guard let key = reader.string(members, "fides_key") else { continue }
            var collections: [CollectionDraft] = []
            if let collectionList = members.values["collections"] {
                for (collectionIndex, collectionNode) in reader.sequence(collectionList, "\(path).collections").enumerated() {
                    let collectionPath = "\(path).collections[\(collectionIndex)]"
                    guard let collection = reader.mapping(collectionNode, collectionPath, allowed: FidesKeys.collection),
                        let name = reader.string(collection, "name")
                    else {
                        continue
                    }
                    var skip = false
                    var flag: Located<String>?
                    var override: MaskingOverrideDraft?
                    var eraseAfter: [Located<String>] = []
                    var unsupported: [Located<String>] = []
                    if let meta = collection.values["fides_meta"],
                        let metaMembers = reader.mapping(meta, "\(collectionPath).fides_meta", allowed: FidesKeys.collectionMeta)
                    {
                        skip = reader.bool(metaMembers, "skip_processing")
                        flag = reader.string(metaMembers, "restriction_flag", required: false)
                        override = readMaskingOverride(metaMembers, &reader)
                        eraseAfter = reader.strings(metaMembers, "erase_after")
                        unsupported = unsupportedKeys(metaMembers, FidesKeys.collectionMetaRefused)
                    }
                    let fields = readFields(collection, collectionPath, &reader)
                    var draft = CollectionDraft(
                        name: name,
                        description: reader.string(collection, "description", required: false)?.value,
                        skipProcessing: skip,
                        fields: fields,
                        restrictionFlag: flag,
                        purposes: readDeclaredPurposes(collection, &reader)
                    )
                    draft.maskingOverride = override
                    draft.eraseAfter = eraseAfter
                    draft.unsupported = unsupported
                    collections.append(draft)
                }
            } else {
                reader.report(item, "\(path).collections", "missing required field 'collections'")
            }
            var dataset = DatasetDraft(
                file: file,
                key: key,
                name: reader.string(members, "name", required: false)?.value,
                description: reader.string(members, "description", required: false)?.value,
                collections: collections,
                purposes: readDeclaredPurposes(members, &reader)
            )
            if let meta = members.values["fides_meta"], let metaMembers = reader.mapping(meta, "\(path).fides_meta", allowed: FidesKeys.datasetMeta) {
                dataset.unsupported = unsupportedKeys(metaMembers, FidesKeys.datasetMetaRefused)
            }
            draft.datasets.append(dataset)
        }
    }

    static func readFields(_ parent: YAMLReader.Members, _ path: String, _ reader: inout YAMLReader) -> [FieldDraft] {
        guard let list = parent.values["fields"] else { return [] }
        var fields: [FieldDraft] = []
        for (index, node) in reader.sequence(list, "\(path).fields").enumerated() {
            let fieldPath = "\(path).fields[\(index)]"
            guard let members = reader.mapping(node, fieldPath, allowed: FidesKeys.field), let name = reader.string(members, "name") else { continue }
            var identity: Located<String>?
            var dataType: Located<String>?
            var primaryKey = false
            var readOnly = false
            var shared = false
            var override: MaskingOverrideDraft?
            var length: Located<String>?
            var unsupported: [Located<String>] = []
            var references: [ReferenceDraft] = []
            if let meta = members.values["fides_meta"],
                let metaMembers = reader.mapping(meta, "\(fieldPath).fides_meta", allowed: FidesKeys.fieldMeta)
            {
                identity = reader.string(metaMembers, "identity", required: false)
                dataType = reader.string(metaMembers, "data_type", required: false)
                primaryKey = reader.bool(metaMembers, "primary_key")
                readOnly = reader.bool(metaMembers, "read_only")
                shared = reader.bool(metaMembers, "shared")
                override = readMaskingOverride(metaMembers, &reader)
                length = reader.string(metaMembers, "length", required: false)
                unsupported = unsupportedKeys(metaMembers, FidesKeys.fieldMetaRefused)
                if let referenceList = metaMembers.values["references"] {
                    for (referenceIndex, referenceNode) in reader.sequence(referenceList, metaMembers.path("references")).enumerated() {
                        let referencePath = metaMembers.path("references") + "[\(referenceIndex)]"
                        guard let reference = reader.mapping(referenceNode, referencePath, allowed: ["dataset", "field", "direction"]),
                            let dataset = reader.string(reference, "dataset"), let field = reader.string(reference, "field")
                        else { continue }
                        references.append(
                            ReferenceDraft(dataset: dataset, field: field, direction: reader.string(reference, "direction", required: false))
                        )
                    }
                }
            }
            var field = FieldDraft(
                name: name,
                description: reader.string(members, "description", required: false)?.value,
                dataCategories: reader.strings(members, "data_categories"),
                identity: identity,
                references: references,
                isPrimaryKey: primaryKey,
                dataType: dataType,
                isReadOnly: readOnly,
                isShared: shared,
                fields: readFields(members, fieldPath, &reader),
                purposes: readDeclaredPurposes(members, &reader)
            )
            field.maskingOverride = override
            field.length = length
            field.unsupported = unsupported
            fields.append(field)
        }
        return fields
    }

    /// `masking_strategy_override: {strategy, configuration}`, its configuration flattened.
    static func readMaskingOverride(_ members: YAMLReader.Members, _ reader: inout YAMLReader) -> MaskingOverrideDraft? {
        guard let node = members.values["masking_strategy_override"],
            let override = reader.mapping(node, members.path("masking_strategy_override"), allowed: ["strategy", "configuration"]),
            let strategy = reader.string(override, "strategy")
        else { return nil }
        var configuration: [String: Located<String>] = [:]
        func flatten(_ members: YAMLReader.Members, prefix: String) {
            for (key, value) in members.values {
                let name = prefix.isEmpty ? key : "\(prefix).\(key)"
                if case .mapping = value, let nested = reader.mapping(value, members.path(key)) {
                    flatten(nested, prefix: name)
                } else if let text = reader.string(members, key) {
                    configuration[name] = text
                }
            }
        }
        if let node = override.values["configuration"], let members = reader.mapping(node, override.path("configuration")) {
            flatten(members, prefix: "")
        }
        return MaskingOverrideDraft(strategy: strategy, configuration: configuration)
    }

    /// The keys of `refused` that `members` has, each located at its key.
    static func unsupportedKeys(_ members: YAMLReader.Members, _ refused: Set<String>) -> [Located<String>] {
        refused.sorted().compactMap { key in
            members.values[key].map { Located(key, line: YAMLReader.line(of: $0), path: members.path(key)) }
        }
    }

    /// `data_uses` and `data_purposes`, each nil when the file does not have it.
    static func readDeclaredPurposes(_ members: YAMLReader.Members, _ reader: inout YAMLReader) -> DeclaredPurposesDraft {
        DeclaredPurposesDraft(
            dataUses: members.values["data_uses"] == nil ? nil : reader.strings(members, "data_uses"),
            dataPurposes: members.values["data_purposes"] == nil ? nil : reader.strings(members, "data_purposes")
        )
    }
}

/// The keys a Fides dataset file may use at each level, from every Fides release: `data_qualifier`
/// and `retention` of older ones, `data_purposes` and then `data_uses` and `data_subjects` of newer
/// ones. Keys Steward does not act on are still accepted, so Fides files load unchanged; anything
/// else is a misspelling and is reported.
enum FidesKeys {
    /// What datasets, collections and fields all declare.
    static let annotations: Set = [
        "name", "description", "data_categories", "data_qualifier", "data_uses", "data_purposes", "data_subjects", "retention",
    ]
    static let dataset: Set = annotations.union(["fides_key", "organization_fides_key", "tags", "meta", "fides_meta", "collections"])
    static let collection: Set = annotations.union(["fields", "fides_meta"])
    /// Fides's keys, and Steward's `restriction_flag`.
    static let collectionMeta: Set = [
        "after", "erase_after", "skip_processing", "masking_strategy_override", "partitioning", "where_clauses", "redact", "restriction_flag",
    ]
    static let datasetMeta: Set = ["resource_id", "after", "namespace", "redact"]
    /// Fides keys Steward cannot honour: refused at load, each with the reason, rather than
    /// accepted and ignored. (`after`, the order Fides reads collections in, is honoured by a
    /// search that reads every collection it can reach.)
    static let datasetMetaRefused: Set = ["resource_id", "namespace", "redact"]
    static let collectionMetaRefused: Set = ["partitioning", "where_clauses", "redact"]
    static let fieldMetaRefused: Set = ["return_all_elements", "custom_request_field", "redact"]
    static let field: Set = annotations.union(["fides_meta", "fields"])
    /// Fides's keys, and Steward's `shared`.
    static let fieldMeta: Set = [
        "references", "identity", "primary_key", "data_type", "length", "return_all_elements", "read_only", "custom_request_field",
        "masking_strategy_override", "redact", "shared",
    ]
}
