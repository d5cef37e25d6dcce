/// The gate's rules for data leaving the council (rules/uk-data-protection.md §4, §4a) and for email:
/// the ground a disclosure rests on, processors, transfers, and how an email may be sent.
extension Evaluation {
    /// What lets the council share these data with the recipient for this purpose, in force today:
    /// an agreement (a processor's Art 28 contract for a processor) or a statutory gateway.
    func cover(at recipient: Recipient, purpose: Purpose) -> Cover? {
        if let agreement = recipient.agreements.first(where: { agreement in
            (recipient.kind == .processor ? agreement.kind == .art28Contract : !agreement.kind.isTransferSafeguard)
                && agreement.isInForce(on: context.today) && agreement.covers(request.categories, for: purpose.key)
        }) {
            return .agreement(agreement)
        }
        if recipient.kind != .processor, let gateway = recipient.statutoryGateways.first(where: { $0.covers(request.categories, for: purpose.key) }) {
            return .statutoryGateway(gateway)
        }
        return nil
    }

    enum Cover {
        case agreement(Recipient.Agreement)
        case statutoryGateway(Recipient.StatutoryGateway)
    }

    // Rules §4a: every disclosure outside the council rests on a ground — what the caller states
    // (required by law, a crime and taxation request, vital interests), an agreement in force or a
    // statutory gateway covering the data and the purpose, or the person's explicit consent to that
    // recipient and purpose. Processors act under an Art 28 contract whatever the ground, and
    // transfers abroad need an adequacy decision, an IDTA or the Addendum.
    mutating func checkDisclosure(to recipient: Recipient, purpose: Purpose, cover: Cover?) {
        isDisclosure = true
        if recipient.kind == .processor {
            if case .agreement(let contract)? = cover {
                basis.append("Art 28 processor contract: \(contract.cited)")
            } else {
                refusals.append("\(recipient.name) is a processor and has no Art 28 contract in force covering these data for \(purpose.name)")
            }
        } else {
            checkGround(for: recipient, purpose: purpose, cover: cover)
        }
        let safeguard = TransferSafeguard.assess(country: recipient.country, recipient: recipient, adequacy: context.adequacy, on: context.today)
        if !safeguard.isSafeguarded {
            refusals.append(
                "\(recipient.name) receives data in \(recipient.country), which has no UK adequacy regulations; the transfer needs an IDTA or the UK Addendum in force"
            )
        } else if safeguard != .domestic {
            basis.append("Transfer safeguard: \(safeguard)")
        }
        oblige(Obligation(.logDisclosure, "record the disclosure to \(recipient.name) in the person's disclosure log"))
    }

    mutating func checkGround(for recipient: Recipient, purpose: Purpose, cover: Cover?) {
        switch request.justification {
        case .legalRequirement(let reference)? where !reference.isEmpty:
            basis.append("Disclosure required by law or court order: \(reference) (DPA 2018 Sch 2 para 5)")
            oblige(Obligation(.recordJustification, "legal requirement: \(reference)"))
        case .crimeAndTaxation(let officer, let organisation, let reference, let statement)?:
            basis.append(
                "Request for the prevention or detection of crime or the collection of tax from \(officer), \(organisation), reference \(reference) (DPA 2018 Sch 2 para 2)"
            )
            oblige(Obligation(.recordJustification, "not disclosing would prejudice the purpose: \(statement)"))
        case .vitalInterests(let statement, _)?:
            basis.append("Emergency disclosure in the person's vital interests (UK GDPR Art 6(1)(d))")
            oblige(Obligation(.recordJustification, statement))
        default:
            switch cover {
            case .agreement(let agreement)?:
                basis.append("\(agreement.kind.title): \(agreement.cited)")
                return
            case .statutoryGateway(let gateway)?:
                basis.append("Statutory gateway: \(gateway.legislation)")
                return
            case nil:
                guard hasExplicitConsent(to: recipient, for: purpose) else {
                    refusals.append(
                        "there is no ground for sharing these data with \(recipient.name) for \(purpose.name): no agreement in force or statutory gateway covers them, no legal requirement, crime and taxation request or vital interests was stated, and the person has not explicitly consented to it"
                    )
                    return
                }
                basis.append("The person's explicit consent to sharing with \(recipient.name) for \(purpose.name) (UK GDPR Art 6(1)(a))")
                // Consent is enough in law; a council may ask for an agreement on top of it.
                if context.dataMap.controller.requireSharingAgreements == true {
                    refusals.append(
                        "the council requires a sharing agreement in force with \(recipient.name) covering these data for \(purpose.name) on top of the person's consent (controller.yaml: require_sharing_agreements)"
                    )
                } else {
                    notes.append(
                        "No sharing agreement with \(recipient.name) covers these data for \(purpose.name); the law does not require one beside the person's consent, and the ICO data sharing code recommends one: record a sharing agreement."
                    )
                }
            }
        }
    }

    /// The person's explicit consent to this very recipient and purpose, in force.
    func hasExplicitConsent(to recipient: Recipient, for purpose: Purpose) -> Bool {
        activePreferences.contains { $0.kind == .consent(explicit: true) && $0.recipient == recipient.key && $0.purpose == purpose.key }
    }

    // Special category data by email to the person: only to an address they have verified, and
    // encrypted.
    mutating func checkEmailToPerson() {
        guard request.channel == .email, isSensitive else { return }
        oblige(Obligation(.encrypt, "send the email encrypted"))
        guard request.recipient == nil else { return }
        if context.subject?.verifiedEmails.isEmpty == false {
            oblige(Obligation(.sendToVerifiedAddressOnly, "send only to an address the person has verified"))
        } else {
            refusals.append("special category data by email goes only to an address the person has verified, and they have none")
        }
    }

    // By email to an organisation: as its agreements in force say — never where one forbids it,
    // only to its secure domain where one names it; special category data encrypted.
    mutating func checkEmail(to recipient: Recipient, purpose: Purpose) {
        guard request.channel == .email else { return }
        if isSensitive { oblige(Obligation(.encrypt, "send the email encrypted")) }
        let inForce = recipient.agreements.filter { $0.isInForce(on: context.today) }
        let covering = inForce.filter { $0.covers(request.categories, for: purpose.key) }
        for agreement in covering.isEmpty ? inForce : covering {
            switch agreement.email {
            case .allowed: continue
            case .forbidden:
                refusals.append("\(agreement.cited) forbids sending data to \(recipient.name) by email; use the route it sets")
            case .secureDomain(let domain):
                oblige(
                    Obligation(.useSecureRoute, "send only to an address at \(domain), the secure route \(agreement.cited) sets")
                )
            }
            return
        }
    }

    var isSensitive: Bool { sensitivities.contains(.specialCategory) || sensitivities.contains(.criminalOffence) }
}
