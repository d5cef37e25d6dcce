extension Validator {
    // MARK: Recipients

    mutating func validateRecipients(purposeKeys: Set<String>) -> [Recipient] {
        checkUnique(draft.recipients, kind: "recipient", file: \.file, key: \.key)
        var result: [Recipient] = []
        for draft in draft.recipients {
            let file = draft.file
            checkKey(file, draft.key, kind: "recipient")
            checkCountry(file, draft.country)
            let kind = Recipient.Kind(rawValue: draft.kind.value)
            if kind == nil {
                report(
                    file,
                    draft.kind,
                    "unknown recipient type '\(draft.kind.value)'; use one of \(Recipient.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let agreements = draft.agreements.compactMap { validateAgreement($0, file: file, purposeKeys: purposeKeys) }
            let gateways = draft.statutoryGateways.map { gateway in
                checkCover(file, categories: gateway.categories, purposes: gateway.purposes, purposeKeys: purposeKeys)
                return Recipient.StatutoryGateway(
                    legislation: gateway.legislation.value,
                    categories: gateway.categories.map { .init($0.value) },
                    purposes: gateway.purposes.map { .init($0.value) }
                )
            }
            if let kind {
                result.append(
                    Recipient(
                        key: .init(draft.key.value),
                        name: draft.name,
                        description: draft.description,
                        kind: kind,
                        country: draft.country.value,
                        dpfCertified: draft.dpfCertified,
                        agreements: agreements,
                        statutoryGateways: gateways
                    )
                )
            }
        }
        return result
    }

    /// Categories and purposes an agreement or gateway covers must exist.
    mutating func checkCover(_ file: String, categories: [Located<String>], purposes: [Located<String>], purposeKeys: Set<String>) {
        checkCategories(file, categories)
        for purpose in purposes where !purposeKeys.contains(purpose.value) {
            report(file, purpose, "unknown purpose '\(purpose.value)'\(suggestion(purpose.value, in: purposeKeys))")
        }
    }

    mutating func validateAgreement(_ agreement: AgreementDraft, file: String, purposeKeys: Set<String>) -> Recipient.Agreement? {
        let agreementKind = Recipient.Agreement.Kind(rawValue: agreement.kind.value)
        if agreementKind == nil {
            report(
                file,
                agreement.kind,
                "unknown agreement type '\(agreement.kind.value)'; use one of \(Recipient.Agreement.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        checkCover(file, categories: agreement.categories, purposes: agreement.purposes, purposeKeys: purposeKeys)
        let starts = CalendarDate(iso: agreement.starts.value)
        if starts == nil { report(file, agreement.starts, "'\(agreement.starts.value)' is not a date in the form YYYY-MM-DD") }
        var ends: CalendarDate?
        if let endsText = agreement.ends {
            ends = CalendarDate(iso: endsText.value)
            if ends == nil {
                report(file, endsText, "'\(endsText.value)' is not a date in the form YYYY-MM-DD")
            } else if let starts, let ends, ends < starts {
                report(file, endsText, "the agreement ends (\(ends)) before it starts (\(starts))")
            }
        }
        let email = validateEmailRule(agreement, file: file)
        guard let agreementKind, let starts, let email else { return nil }
        return Recipient.Agreement(
            kind: agreementKind,
            reference: agreement.reference,
            categories: agreement.categories.map { .init($0.value) },
            purposes: agreement.purposes.map { .init($0.value) },
            starts: starts,
            ends: ends,
            email: email
        )
    }

    /// `email: forbidden`, or `secure_email_domain: nhs.net`, or neither (any email).
    mutating func validateEmailRule(_ agreement: AgreementDraft, file: String) -> Recipient.Agreement.EmailRule? {
        var rule = Recipient.Agreement.EmailRule.allowed
        if let email = agreement.email {
            switch email.value {
            case "allowed": break
            case "forbidden": rule = .forbidden
            default:
                report(file, email, "email must be allowed or forbidden; to allow only a secure domain, give secure_email_domain")
                return nil
            }
        }
        if let domain = agreement.secureEmailDomain {
            let name = domain.value.lowercased().trimmingPrefix("@").description
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            let valid =
                labels.count >= 2
                && labels.allSatisfy { label in
                    !label.isEmpty && label.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
                }
            guard valid else {
                report(file, domain, "'\(domain.value)' is not a domain name such as nhs.net")
                return nil
            }
            guard rule != .forbidden else {
                report(file, domain, "an agreement that forbids email cannot name a secure email domain")
                return nil
            }
            rule = .secureDomain(name)
        }
        return rule
    }
}
