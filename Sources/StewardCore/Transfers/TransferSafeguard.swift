/// Countries with UK adequacy regulations (DPA 2018 Sch 21; SI 2022/1213; SI 2023/1028). Councils keep
/// their own copy in configuration; this is the default it starts from.
public struct AdequacyList: Sendable, Hashable, Codable {
    /// ISO 3166-1 alpha-2 codes of adequate destinations.
    public var countries: Set<String>
    /// Countries adequate only for certified organisations (the USA under the UK Extension to the EU-US
    /// Data Privacy Framework).
    public var certificationOnly: Set<String>

    public init(countries: Set<String>, certificationOnly: Set<String>) {
        self.countries = countries
        self.certificationOnly = certificationOnly
    }

    /// The list as of late 2026: the EEA, Gibraltar, Switzerland, Canada, Argentina, the Crown
    /// Dependencies, Andorra, Israel, Uruguay, New Zealand, Japan, the Republic of Korea, and the USA
    /// for certified organisations only.
    public static let ukDefault = AdequacyList(
        countries: [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL",
            "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "GI", "CH", "CA", "AR", "GG", "JE", "IM", "AD", "IL", "UY",
            "NZ", "JP", "KR",
        ],
        certificationOnly: ["US"]
    )
}

/// What makes it lawful for data to go to a recipient's country (UK GDPR Chapter V).
public enum TransferSafeguard: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The data stays in the UK: no restricted transfer.
    case domestic
    /// The destination has UK adequacy regulations.
    case adequacy(country: String)
    /// A US organisation certified under the UK Extension to the Data Privacy Framework.
    case dataPrivacyFramework
    /// An International Data Transfer Agreement or the Addendum is in force.
    case agreement(Recipient.Agreement.Kind, reference: String?)
    /// Nothing makes the transfer lawful.
    case none(country: String)

    /// The safeguard for sending data to `recipient` on `date`, in the order the ICO's guidance checks.
    public static func assess(country: String, recipient: Recipient?, adequacy: AdequacyList, on date: CalendarDate) -> TransferSafeguard {
        if country == "GB" || country == "UK" { return .domestic }
        if adequacy.countries.contains(country) { return .adequacy(country: country) }
        if adequacy.certificationOnly.contains(country), recipient?.dpfCertified == true { return .dataPrivacyFramework }
        if let agreement = recipient?.agreements.first(where: { $0.kind.isTransferSafeguard && $0.isInForce(on: date) }) {
            return .agreement(agreement.kind, reference: agreement.reference)
        }
        return .none(country: country)
    }

    /// False only when nothing makes the transfer lawful.
    public var isSafeguarded: Bool {
        if case .none = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .domestic: "No transfer (UK)"
        case .adequacy(let country): "UK adequacy regulations (\(country))"
        case .dataPrivacyFramework: "UK Extension to the EU-US Data Privacy Framework"
        case .agreement(let kind, let reference): reference.map { "\(kind.title) \($0)" } ?? kind.title
        case .none(let country): "NO SAFEGUARD for transfer to \(country)"
        }
    }
}

/// A restricted transfer: data going to a recipient outside the UK, or held by a system hosted there.
public struct RestrictedTransfer: Sendable, Hashable, Codable {
    /// The recipient's or the system's name.
    public var to: String
    public var country: String
    /// True for a system hosted abroad rather than a recipient.
    public var isHosting: Bool
    public var safeguard: TransferSafeguard

    /// "Library Cloud Inc (US)" or "Library management system hosted in US".
    public var label: String { isHosting ? "\(to) hosted in \(country)" : "\(to) (\(country))" }

    /// Every restricted transfer to `recipients` and by `systems`, with its safeguard on `date`.
    public static func all(
        recipients: [Recipient],
        systems: [System],
        dataMap: DataMap,
        adequacy: AdequacyList,
        on date: CalendarDate
    )
        -> [RestrictedTransfer]
    {
        var transfers: [RestrictedTransfer] = []
        for recipient in recipients where recipient.country != "GB" {
            let safeguard = TransferSafeguard.assess(country: recipient.country, recipient: recipient, adequacy: adequacy, on: date)
            transfers.append(RestrictedTransfer(to: recipient.name, country: recipient.country, isHosting: false, safeguard: safeguard))
        }
        for system in systems where system.hostingCountry != "GB" {
            let processor = system.processor.flatMap { dataMap.recipient($0) }
            let safeguard = TransferSafeguard.assess(country: system.hostingCountry, recipient: processor, adequacy: adequacy, on: date)
            transfers.append(RestrictedTransfer(to: system.name, country: system.hostingCountry, isHosting: true, safeguard: safeguard))
        }
        return transfers
    }
}
