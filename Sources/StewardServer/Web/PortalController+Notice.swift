import Foundation
import Hummingbird
import StewardApp
import StewardCore
import StewardFiles

/// The privacy notice, made from the data map as the record of processing is (`RecordOfProcessing`),
/// so what residents read is what the council has declared and the gate enforces: for each purpose,
/// what is used, why, on what lawful basis, who receives it, where it goes abroad, and how long it
/// is kept (UK GDPR Art 13–14).
extension PortalController {
    func privacyNotice(_ request: Request) async throws -> Response {
        guard try await services.dataMaps.current() != nil else {
            throw StewardError(.notFound, "the council has not published its privacy notice here yet")
        }
        let (record, map) = try await services.recordOfProcessing()
        let controller = map.controller
        var context: [String: Any] = [
            "controllerName": controller.name, "updated": record.generatedOn.longDescription,
            "contact": [controller.address, controller.email, controller.phone].compactMap { $0 }.joined(separator: ", "),
        ]
        if let ico = controller.icoRegistration { context["icoNumber"] = ico }
        if let dpo = controller.dpo {
            context["dpo"] = [dpo.name, dpo.email, dpo.phone, dpo.address].compactMap { $0 }.joined(separator: ", ")
        }
        context["activities"] = record.activities.map { activity -> [String: Any] in
            let rules = RecordOfProcessing.retentionRules(for: .init(activity.purpose), in: map)
            let retention =
                rules.isEmpty
                ? activity.retention
                : rules.map { rule in
                    let dataset = map.dataset(rule.dataset)?.name ?? rule.dataset.rawValue
                    return "\(dataset), \(rule.collection.replacingOccurrences(of: "_", with: " ")): \(rule.summary)"
                }
            return [
                "name": activity.purposeName, "description": activity.description, "basis": activity.lawfulBasis,
                "legislation": activity.legislation ?? "", "special": activity.specialCondition ?? "",
                "criminal": activity.criminalOffenceCondition ?? "", "categories": activity.dataCategories,
                "hasRecipients": !activity.recipients.isEmpty, "recipients": activity.recipients,
                "hasTransfers": !activity.transfers.isEmpty,
                "transfers": activity.transferSafeguards.isEmpty ? activity.transfers : activity.transferSafeguards,
                "retention": retention,
            ]
        }
        context["rights"] = Self.forms.map { ["slug": $0.slug, "title": $0.title] }
        return try await page("portal-privacy-notice", request, title: "Privacy notice", context: context)
    }
}
