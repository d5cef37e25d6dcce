import StewardCore

extension DataMapReader {
    // MARK: recipients.yaml

    static func readRecipients(_ file: String, _ text: String, into draft: inout DataMapDraft) {
        var reader = YAMLReader(file: file)
        defer { draft.issues += reader.issues }
        guard let root = reader.root(text), let top = reader.mapping(root, "", allowed: ["recipients"]), let list = top.values["recipients"] else {
            return
        }
        let allowed: Set = ["key", "name", "description", "type", "country", "dpf_certified", "agreements", "statutory_gateways"]
        for (index, item) in reader.sequence(list, "recipients").enumerated() {
            let path = "recipients[\(index)]"
            guard let members = reader.mapping(item, path, allowed: allowed) else { continue }
            let key = reader.string(members, "key")
            let name = reader.string(members, "name")
            let kind = reader.string(members, "type")
            let country = reader.string(members, "country")
            var agreements: [AgreementDraft] = []
            if let agreementList = members.values["agreements"] {
                for (agreementIndex, agreementNode) in reader.sequence(agreementList, "\(path).agreements").enumerated() {
                    let agreementPath = "\(path).agreements[\(agreementIndex)]"
                    let agreementKeys: Set = ["type", "reference", "categories", "purposes", "starts", "ends", "email", "secure_email_domain"]
                    guard let agreement = reader.mapping(agreementNode, agreementPath, allowed: agreementKeys) else { continue }
                    let type = reader.string(agreement, "type")
                    let starts = reader.string(agreement, "starts")
                    let categories = reader.strings(agreement, "categories", required: true)
                    let purposes = reader.strings(agreement, "purposes", required: true)
                    guard let type, let starts else { continue }
                    agreements.append(
                        AgreementDraft(
                            kind: type,
                            reference: reader.string(agreement, "reference", required: false)?.value,
                            categories: categories,
                            purposes: purposes,
                            starts: starts,
                            ends: reader.string(agreement, "ends", required: false),
                            email: reader.string(agreement, "email", required: false),
                            secureEmailDomain: reader.string(agreement, "secure_email_domain", required: false)
                        )
                    )
                }
            }
            var gateways: [GatewayDraft] = []
            if let gatewayList = members.values["statutory_gateways"] {
                for (gatewayIndex, gatewayNode) in reader.sequence(gatewayList, "\(path).statutory_gateways").enumerated() {
                    let gatewayPath = "\(path).statutory_gateways[\(gatewayIndex)]"
                    guard let gateway = reader.mapping(gatewayNode, gatewayPath, allowed: ["legislation", "categories", "purposes"]) else {
                        continue
                    }
                    let legislation = reader.string(gateway, "legislation")
                    let categories = reader.strings(gateway, "categories", required: true)
                    let purposes = reader.strings(gateway, "purposes", required: true)
                    guard let legislation else { continue }
                    gateways.append(GatewayDraft(legislation: legislation, categories: categories, purposes: purposes))
                }
            }
            guard let key, let name, let kind, let country else { continue }
            draft.recipients.append(
                RecipientDraft(
                    file: file,
                    key: key,
                    name: name.value,
                    description: reader.string(members, "description", required: false)?.value,
                    kind: kind,
                    country: country,
                    dpfCertified: reader.bool(members, "dpf_certified"),
                    agreements: agreements,
                    statutoryGateways: gateways
                )
            )
        }
    }
}
