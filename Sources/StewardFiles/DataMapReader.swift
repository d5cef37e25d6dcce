public import Foundation
public import StewardCore
import Yams

/// Reads a data-map folder (docs/DATAMAP.md) into a `DataMapDraft`. It reads files only; every rule
/// about what the files say is checked by `DataMapDraft.validate(taxonomy:)`.
public enum DataMapReader {
    /// Reads the folder at `url`.
    public static func read(folder url: URL) throws -> DataMapDraft {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StewardError(
                .invalidInput,
                "'\(url.path)' is not a folder; give the folder that holds controller.yaml, systems/ and datasets/",
                field: "folder"
            )
        }
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)
        let base = url.standardizedFileURL.path
        while let item = enumerator?.nextObject() as? URL {
            let name = item.lastPathComponent
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { continue }
            var relative = item.standardizedFileURL.path
            if relative.hasPrefix(base) { relative.removeFirst(base.count) }
            while relative.hasPrefix("/") { relative.removeFirst() }
            guard let data = FileManager.default.contents(atPath: item.path) else { continue }
            files[relative] = String(decoding: data, as: UTF8.self)
        }
        return read(files: files)
    }

    /// Reads a data map from file texts keyed by their path inside the folder (`systems/cctv.yaml`).
    public static func read(files: [String: String]) -> DataMapDraft {
        var draft = DataMapDraft()
        let paths = files.keys.sorted()
        var sawPurposes = false
        var sawRecipients = false
        for path in paths {
            let text = files[path]!
            let normalised = path.replacingOccurrences(of: ".yml", with: ".yaml")
            switch normalised {
            case "controller.yaml": readController(path, text, into: &draft)
            case "purposes.yaml":
                sawPurposes = true
                readPurposes(path, text, into: &draft)
            case "recipients.yaml":
                sawRecipients = true
                readRecipients(path, text, into: &draft)
            case "retention.yaml": readRetention(path, text, into: &draft)
            case _ where normalised.hasPrefix("systems/"): readSystem(path, text, into: &draft)
            case _ where normalised.hasPrefix("datasets/"): readDatasets(path, text, into: &draft)
            default:
                draft.issues.append(
                    .init(
                        file: path,
                        message:
                            "unexpected file: a data map holds controller.yaml, purposes.yaml, recipients.yaml, retention.yaml, systems/*.yaml and datasets/*.yaml"
                    )
                )
            }
        }
        if !sawPurposes { draft.issues.append(.init(file: "purposes.yaml", message: "missing: every data map needs purposes.yaml")) }
        if !sawRecipients { draft.issues.append(.init(file: "recipients.yaml", message: "missing: every data map needs recipients.yaml")) }
        if draft.systems.isEmpty, !paths.contains(where: { $0.hasPrefix("systems/") }) {
            draft.issues.append(.init(file: "systems/", message: "missing: every data map needs at least one systems/*.yaml"))
        }
        return draft
    }

    // MARK: controller.yaml

    static func readController(_ file: String, _ text: String, into draft: inout DataMapDraft) {
        var reader = YAMLReader(file: file)
        defer { draft.issues += reader.issues }
        guard let root = reader.root(text), let top = reader.mapping(root, "", allowed: ["controller"]) else { return }
        guard let node = top.values["controller"] else {
            reader.report(root, "controller", "missing required field 'controller'")
            return
        }
        let allowed: Set = ["name", "ico_registration", "address", "email", "phone", "dpo", "identities", "require_sharing_agreements"]
        guard let members = reader.mapping(node, "controller", allowed: allowed) else { return }
        let name = reader.string(members, "name")
        var dpo: Controller.Contact?
        if let dpoNode = members.values["dpo"],
            let dpoMembers = reader.mapping(dpoNode, "controller.dpo", allowed: ["name", "email", "phone", "address"]),
            let dpoName = reader.string(dpoMembers, "name")
        {
            dpo = .init(
                name: dpoName.value,
                email: reader.string(dpoMembers, "email", required: false)?.value,
                phone: reader.string(dpoMembers, "phone", required: false)?.value,
                address: reader.string(dpoMembers, "address", required: false)?.value
            )
        }
        var identities: [Located<String>] = []
        var names: [String] = []
        if let list = members.values["identities"] {
            for (index, item) in reader.sequence(list, "controller.identities").enumerated() {
                guard let identity = reader.mapping(item, "controller.identities[\(index)]", allowed: ["key", "name"]),
                    let key = reader.string(identity, "key")
                else { continue }
                identities.append(key)
                names.append(reader.string(identity, "name", required: false)?.value ?? key.value)
            }
        }
        guard let name else { return }
        let controller = Controller(
            name: name.value,
            icoRegistration: reader.string(members, "ico_registration", required: false)?.value,
            address: reader.string(members, "address", required: false)?.value,
            email: reader.string(members, "email", required: false)?.value,
            phone: reader.string(members, "phone", required: false)?.value,
            dpo: dpo,
            requireSharingAgreements: members.values["require_sharing_agreements"] == nil ? nil : reader.bool(members, "require_sharing_agreements")
        )
        draft.controller = ControllerDraft(file: file, controller: controller, identities: identities, identityNames: names)
    }

    // MARK: systems/*.yaml

    static func readSystem(_ file: String, _ text: String, into draft: inout DataMapDraft) {
        var reader = YAMLReader(file: file)
        defer { draft.issues += reader.issues }
        guard let root = reader.root(text), let top = reader.mapping(root, "", allowed: ["system"]) else { return }
        guard let node = top.values["system"] else {
            reader.report(root, "system", "missing required field 'system'")
            return
        }
        let allowed: Set = [
            "key", "name", "description", "department", "hosting_country", "processor", "datasets", "purposes", "data_subjects",
            "security_measures",
        ]
        guard let members = reader.mapping(node, "system", allowed: allowed) else { return }
        let key = reader.string(members, "key")
        let name = reader.string(members, "name")
        let department = reader.string(members, "department")
        let country = reader.string(members, "hosting_country")
        let datasets = reader.strings(members, "datasets", required: true)
        let purposes = reader.strings(members, "purposes", required: true)
        let subjects = reader.strings(members, "data_subjects")
        guard let key, let name, let department, let country else { return }
        draft.systems.append(
            SystemDraft(
                file: file,
                key: key,
                name: name.value,
                description: reader.string(members, "description", required: false)?.value,
                department: department.value,
                hostingCountry: country,
                processor: reader.string(members, "processor", required: false),
                datasets: datasets,
                purposes: purposes,
                dataSubjects: subjects,
                securityMeasures: reader.string(members, "security_measures", required: false)?.value
            )
        )
    }

    // MARK: purposes.yaml

    static func readPurposes(_ file: String, _ text: String, into draft: inout DataMapDraft) {
        var reader = YAMLReader(file: file)
        defer { draft.issues += reader.issues }
        guard let root = reader.root(text), let top = reader.mapping(root, "", allowed: ["purposes"]), let list = top.values["purposes"] else {
            return
        }
        let allowed: Set = [
            "key", "name", "description", "data_use", "lawful_basis", "legislation", "special_condition", "criminal_offence_condition",
            "data_categories", "data_subjects", "sources",
        ]
        for (index, item) in reader.sequence(list, "purposes").enumerated() {
            guard let members = reader.mapping(item, "purposes[\(index)]", allowed: allowed) else { continue }
            let key = reader.string(members, "key")
            let name = reader.string(members, "name")
            let use = reader.string(members, "data_use")
            let basis = reader.string(members, "lawful_basis")
            let categories = reader.strings(members, "data_categories", required: true)
            let subjects = reader.strings(members, "data_subjects", required: true)
            guard let key, let name, let use, let basis else { continue }
            draft.purposes.append(
                PurposeDraft(
                    file: file,
                    key: key,
                    name: name.value,
                    description: reader.string(members, "description", required: false)?.value,
                    dataUse: use,
                    lawfulBasis: basis,
                    legislation: reader.string(members, "legislation", required: false)?.value,
                    specialCondition: reader.string(members, "special_condition", required: false),
                    criminalOffenceCondition: reader.string(members, "criminal_offence_condition", required: false),
                    dataCategories: categories,
                    dataSubjects: subjects,
                    sources: reader.strings(members, "sources").map(\.value)
                )
            )
        }
    }

    // MARK: retention.yaml

    static func readRetention(_ file: String, _ text: String, into draft: inout DataMapDraft) {
        var reader = YAMLReader(file: file)
        defer { draft.issues += reader.issues }
        guard let root = reader.root(text), let top = reader.mapping(root, "", allowed: ["retention"]), let list = top.values["retention"] else {
            return
        }
        let allowed: Set = ["dataset", "collection", "period", "trigger", "action", "source", "masking"]
        for (index, item) in reader.sequence(list, "retention").enumerated() {
            let path = "retention[\(index)]"
            guard let members = reader.mapping(item, path, allowed: allowed) else { continue }
            let dataset = reader.string(members, "dataset")
            let collection = reader.string(members, "collection")
            let period = reader.string(members, "period")
            let action = reader.string(members, "action")
            var triggerField: Located<String>?
            var triggerEvent: Located<String>?
            if let triggerNode = members.values["trigger"], let trigger = reader.mapping(triggerNode, "\(path).trigger", allowed: ["field", "event"])
            {
                triggerField = reader.string(trigger, "field", required: false)
                triggerEvent = reader.string(trigger, "event", required: false)
            }
            var masking: [RetentionDraft.Mask] = []
            if let node = members.values["masking"], let map = reader.mapping(node, "\(path).masking") {
                for key in map.values.keys.sorted() {
                    // `null` here is the strategy's name, not an absent value.
                    if case .scalar(let scalar)? = map.values[key], scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty {
                        let strategy = Located("null", line: YAMLReader.line(of: map.values[key]!), path: map.path(key))
                        masking.append(.init(key: Located(key, line: strategy.line, path: strategy.path), strategy: strategy))
                    } else if let strategy = reader.string(map, key) {
                        masking.append(.init(key: Located(key, line: strategy.line, path: strategy.path), strategy: strategy))
                    }
                }
            }
            guard let dataset, let collection, let period, let action else { continue }
            draft.retention.append(
                RetentionDraft(
                    file: file,
                    dataset: dataset,
                    collection: collection,
                    period: period,
                    triggerField: triggerField,
                    triggerEvent: triggerEvent,
                    action: action,
                    source: reader.string(members, "source", required: false)?.value,
                    masking: masking,
                    line: members.line
                )
            )
        }
    }
}
