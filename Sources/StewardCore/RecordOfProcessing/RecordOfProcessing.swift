import Foundation

/// The record of processing activities a controller must keep (UK GDPR Art 30(1)), one row per
/// purpose, built from the data map alone so it is never out of date.
public struct RecordOfProcessing: Sendable, Hashable, Codable {
    /// Art 30(1)(a): the controller and its Data Protection Officer.
    public var controller: Controller
    public var dataMapVersion: Int?
    public var generatedOn: CalendarDate
    public var activities: [Activity]

    /// One processing activity: a purpose and everything Art 30(1) asks about it.
    public struct Activity: Sendable, Hashable, Codable {
        public var purpose: String
        public var purposeName: String
        /// Art 30(1)(b).
        public var description: String
        public var lawfulBasis: String
        public var legislation: String?
        public var specialCondition: String?
        public var criminalOffenceCondition: String?
        public var systems: [String]
        public var departments: [String]
        /// Art 30(1)(c).
        public var dataSubjects: [String]
        /// Art 30(1)(c).
        public var dataCategories: [String]
        /// Art 30(1)(d).
        public var recipients: [String]
        /// Art 30(1)(e): the countries outside the UK the data goes to, and the safeguards.
        public var transfers: [String]
        public var transferSafeguards: [String]
        /// Art 30(1)(f).
        public var retention: [String]
        /// Art 30(1)(g).
        public var securityMeasures: [String]
    }

    /// Builds the record from a data map.
    public init(dataMap: DataMap, taxonomy: Taxonomy, adequacy: AdequacyList, on date: CalendarDate, version: Int? = nil) {
        controller = dataMap.controller
        dataMapVersion = version
        generatedOn = date
        activities = dataMap.purposes.map { purpose in
            let systems = dataMap.systems.filter { $0.purposes.contains(purpose.key) }
            var recipients: [Recipient] = dataMap.recipients.filter { recipient in
                recipient.agreements.contains { $0.purposes.contains(purpose.key) }
            }
            for system in systems {
                if let key = system.processor, let processor = dataMap.recipient(key), !recipients.contains(processor) {
                    recipients.append(processor)
                }
            }
            let restricted = RestrictedTransfer.all(recipients: recipients, systems: systems, dataMap: dataMap, adequacy: adequacy, on: date)
            let transfers = restricted.map(\.label)
            let safeguards = restricted.map { "\($0.to): \($0.safeguard)" }
            let retention = Self.retentionRules(for: purpose.key, in: dataMap).map { rule in
                "\(rule.dataset).\(rule.collection): \(rule.summary)"
            }
            return Activity(
                purpose: purpose.key.rawValue,
                purposeName: purpose.name,
                description: purpose.description ?? purpose.name,
                lawfulBasis: purpose.lawfulBasisText,
                legislation: purpose.legislation,
                specialCondition: purpose.specialConditionText,
                criminalOffenceCondition: purpose.criminalOffenceConditionText,
                systems: systems.map(\.name),
                departments: Array(Set(systems.map(\.department))).sorted(),
                dataSubjects: purpose.dataSubjects.map { taxonomy.subjects[$0]?.name ?? $0 },
                dataCategories: purpose.dataCategories.map { taxonomy.categories[$0]?.name ?? $0.rawValue },
                recipients: recipients.map { "\($0.name) (\($0.kind.title))" },
                transfers: transfers,
                transferSafeguards: safeguards,
                retention: retention.isEmpty ? ["No retention rule recorded"] : retention,
                securityMeasures: systems.compactMap { system in system.securityMeasures.map { "\(system.name): \($0)" } }
            )
        }
    }

    /// The retention rules of the data a purpose uses: those of every dataset held by a system that
    /// serves it. The record and the privacy notice both say how long data is kept from these.
    public static func retentionRules(for purpose: Purpose.Key, in dataMap: DataMap) -> [RetentionRule] {
        let datasets = Set(dataMap.systems.filter { $0.purposes.contains(purpose) }.flatMap(\.datasets))
        return dataMap.retention.filter { datasets.contains($0.dataset) }
    }

    /// The column headings of the CSV form, in order.
    public static let csvColumns = [
        "controller_name", "controller_contact", "ico_registration", "dpo_contact", "purpose", "purpose_name", "description",
        "lawful_basis", "legislation", "special_category_condition", "criminal_offence_condition", "systems", "departments",
        "data_subject_categories", "personal_data_categories", "recipient_categories", "third_country_transfers",
        "transfer_safeguards", "retention_periods", "security_measures",
    ]

    /// The record as CSV (RFC 4180), one row per activity, lists joined with "; ".
    public var csv: String {
        var records = [Self.csvColumns]
        let contact = [controller.address, controller.email, controller.phone].compactMap { $0 }.joined(separator: ", ")
        for activity in activities {
            let values: [String] = [
                controller.name, contact, controller.icoRegistration ?? "", controller.dpo?.summary ?? "", activity.purpose,
                activity.purposeName, activity.description, activity.lawfulBasis, activity.legislation ?? "",
                activity.specialCondition ?? "", activity.criminalOffenceCondition ?? "", activity.systems.joined(separator: "; "),
                activity.departments.joined(separator: "; "), activity.dataSubjects.joined(separator: "; "),
                activity.dataCategories.joined(separator: "; "), activity.recipients.joined(separator: "; "),
                activity.transfers.joined(separator: "; "), activity.transferSafeguards.joined(separator: "; "),
                activity.retention.joined(separator: "; "), activity.securityMeasures.joined(separator: "; "),
            ]
            records.append(values)
        }
        return CSVText.render(records)
    }

    /// The record as a standalone, accessible HTML page.
    public var html: String {
        var out = """
            <!doctype html>
            <html lang="en-GB"><head><meta charset="utf-8"><title>Record of processing activities: \(escape(controller.name))</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem;color:#0b0c0c}table{border-collapse:collapse;width:100%}\
            th,td{border:1px solid #505a5f;padding:.4rem;vertical-align:top;text-align:left}th{background:#f3f2f1}\
            caption{text-align:left;font-weight:bold;padding:.5rem 0}</style></head><body>
            <h1>Record of processing activities</h1>
            <p>UK GDPR Article 30(1). Generated on \(generatedOn)\(dataMapVersion.map { " from data map version \($0)" } ?? "").</p>
            <h2>Controller</h2>
            <dl><dt>Name</dt><dd>\(escape(controller.name))</dd>
            """
        if let registration = controller.icoRegistration { out += "<dt>ICO registration</dt><dd>\(escape(registration))</dd>" }
        let contact = [controller.address, controller.email, controller.phone].compactMap { $0 }.joined(separator: ", ")
        if !contact.isEmpty { out += "<dt>Contact</dt><dd>\(escape(contact))</dd>" }
        if let dpo = controller.dpo { out += "<dt>Data Protection Officer</dt><dd>\(escape(dpo.summary))</dd>" }
        out += "</dl>\n<h2>Processing activities</h2>\n"
        for activity in activities {
            out += "<table><caption>\(escape(activity.purposeName))</caption>\n"
            let rows: [(String, [String])] = [
                ("Purpose", [activity.description]),
                ("Lawful basis", [activity.lawfulBasis]),
                ("Legislation", activity.legislation.map { [$0] } ?? []),
                ("Special category condition", activity.specialCondition.map { [$0] } ?? []),
                ("Criminal offence condition", activity.criminalOffenceCondition.map { [$0] } ?? []),
                ("Systems", activity.systems),
                ("Departments", activity.departments),
                ("Categories of data subjects", activity.dataSubjects),
                ("Categories of personal data", activity.dataCategories),
                ("Recipients", activity.recipients),
                ("Transfers outside the UK", activity.transfers),
                ("Transfer safeguards", activity.transferSafeguards),
                ("Retention", activity.retention),
                ("Security measures", activity.securityMeasures),
            ]
            for (heading, values) in rows {
                let text = values.isEmpty ? "None" : values.map(escape).joined(separator: "<br>")
                out += "<tr><th scope=\"row\">\(heading)</th><td>\(text)</td></tr>\n"
            }
            out += "</table>\n"
        }
        out += "</body></html>\n"
        return out
    }
}

/// Escapes text for HTML element content and attribute values.
public func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

extension String {
    /// A key written for people: `last_case_closed_at` → `last case closed at`.
    public var replacingUnderscores: String { replacingOccurrences(of: "_", with: " ") }
}

extension Purpose {
    /// The lawful basis as the record of processing and the Art 15 information state it.
    public var lawfulBasisText: String { "\(lawfulBasis.title) (\(lawfulBasis.article))" }
    public var specialConditionText: String? { specialCondition.map { "\($0.rawValue.replacingUnderscores) (\($0.provision))" } }
    public var criminalOffenceConditionText: String? {
        criminalOffenceCondition.map { "\($0.rawValue.replacingUnderscores) (\($0.provision))" }
    }
}

extension RetentionRule {
    /// How long, from when, then what: `6 years from closed at, then delete`.
    public var summary: String {
        let from: String =
            switch trigger {
            case .field(let field): field.replacingUnderscores
            case .event(let event), .recorded(let event, _): event.replacingUnderscores
            }
        if period.birthday { return "\(period), then \(action.rawValue)" }
        return "\(period) from \(from), then \(action.rawValue)"
    }
}
