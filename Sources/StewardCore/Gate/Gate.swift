import Foundation

/// Everything the gate needs to know besides the request, gathered by the caller.
public struct GateContext: Sendable {
    public var dataMap: DataMap
    public var taxonomy: Taxonomy
    public var adequacy: AdequacyList
    public var today: CalendarDate
    /// The person the data is about, when it is about one person.
    public var subject: Subject?
    /// The person's preferences, active or not; the gate picks those in force today.
    public var preferences: [Preference]
    /// The data map arranged for lookups; build it once per data-map version and pass it in.
    public var index: GateIndex

    public init(
        dataMap: DataMap,
        taxonomy: Taxonomy,
        adequacy: AdequacyList,
        today: CalendarDate,
        subject: Subject?,
        preferences: [Preference],
        index: GateIndex? = nil
    ) {
        self.dataMap = dataMap
        self.taxonomy = taxonomy
        self.adequacy = adequacy
        self.today = today
        self.subject = subject
        self.preferences = preferences
        self.index = index ?? GateIndex(dataMap: dataMap, taxonomy: taxonomy)
    }
}

/// The run-time decision on every use and disclosure of personal data: the rules of
/// rules/uk-data-protection.md §2–4 and §8 as one pure function.
public enum Gate {
    /// Decides a request. Every rule is checked and every reason to refuse is reported, so a person
    /// sees all that stands in the way at once.
    public static func decide(_ request: DecisionRequest, context: GateContext) -> Decision {
        var evaluation = Evaluation(request: request, context: context)
        evaluation.run()
        return evaluation.decision
    }
}

/// One evaluation of one request: collects refusals, notes, the basis and the obligations. The
/// rules for disclosures and email are in Gate+Disclosures.swift.
struct Evaluation {
    let request: DecisionRequest
    let context: GateContext
    var refusals: [String] = []
    var notes: [String] = []
    var basis: [String] = []
    var obligations: [Obligation] = []
    var isDisclosure = false

    /// Preferences in force today that cover this purpose and recipient.
    let activePreferences: [Preference]
    /// The sensitivities of everything the requested categories cover.
    let sensitivities: Set<DataCategory.Sensitivity>

    init(request: DecisionRequest, context: GateContext) {
        self.request = request
        self.context = context
        activePreferences = context.preferences.filter {
            $0.isActive(on: context.today) && $0.covers(purpose: request.purpose, recipient: request.recipient)
        }
        sensitivities = request.categories.reduce(into: []) { $0.formUnion(context.index.sensitivities[$1] ?? []) }
    }

    var decision: Decision {
        Decision(
            allowed: refusals.isEmpty,
            basis: refusals.isEmpty ? basis : [],
            obligations: refusals.isEmpty ? obligations : [],
            reasons: refusals.isEmpty ? notes : refusals.map { "Refused: \($0)" },
            isDisclosure: refusals.isEmpty && isDisclosure
        )
    }

    /// Adds an obligation unless the same one is already there (two rules may ask for one record).
    mutating func oblige(_ obligation: Obligation) {
        if !obligations.contains(obligation) { obligations.append(obligation) }
    }

    var hasExplicitConsent: Bool {
        activePreferences.contains { $0.kind == .consent(explicit: true) }
    }

    var hasConsent: Bool {
        activePreferences.contains { if case .consent = $0.kind { true } else { false } }
    }

    func name(ofCategory key: DataCategory.Key) -> String {
        context.taxonomy.categories[key]?.name.lowercased() ?? key.rawValue
    }

    mutating func run() {
        guard let system = context.index.systems[request.system] else {
            refusals.append("there is no system '\(request.system)' in the data map")
            return
        }
        guard let purpose = context.index.purposes[request.purpose] else {
            refusals.append("there is no purpose '\(request.purpose)' in the data map")
            return
        }
        var recipient: Recipient?
        if let key = request.recipient {
            recipient = context.index.recipients[key]
            if recipient == nil {
                refusals.append("there is no recipient '\(key)' in the data map")
                return
            }
        }
        basis.append("\(purpose.lawfulBasis.title) (\(purpose.lawfulBasis.article))\(purpose.legislation.map { ": \($0)" } ?? "")")
        checkPurposeAndCategories(system: system, purpose: purpose)
        guard refusals.isEmpty else { return }
        checkEqualityData(purpose: purpose, recipient: recipient)
        checkConsentBasis(purpose: purpose)
        checkRestriction()
        checkMarketing(purpose: purpose, recipient: recipient)
        checkObjection(purpose: purpose, recipient: recipient)
        checkRefusalsAndConditions(purpose: purpose, recipient: recipient)
        // What covers these data at an outside recipient, found once for the rules that need it.
        let covered = recipient.flatMap { $0.kind == .department ? nil : cover(at: $0, purpose: purpose) }
        checkSensitiveData(purpose: purpose, recipient: recipient, cover: covered)
        if let recipient, recipient.kind != .department {
            checkDisclosure(to: recipient, purpose: purpose, cover: covered)
            checkEmail(to: recipient, purpose: purpose)
        } else {
            if let recipient { notes.append("\(recipient.name) is part of the council: no disclosure outside it.") }
            checkEmailToPerson()
        }
    }

    // UK GDPR Art 5(1)(b), Art 30: a use must be one the record of processing declares for the system.
    mutating func checkPurposeAndCategories(system: System, purpose: Purpose) {
        if !system.purposes.contains(purpose.key) {
            refusals.append("\(purpose.name) is not a registered purpose of \(system.name)")
        }
        if request.categories.isEmpty {
            refusals.append("the request names no data categories")
        }
        for category in request.categories {
            if context.taxonomy.categories[category] == nil {
                refusals.append("'\(category)' is not a known data category")
            } else if !context.index.holds(system.key, category) {
                refusals.append("\(system.name) does not hold \(name(ofCategory: category)) ('\(category)')")
            }
        }
    }

    /// True when one category is the other or contains it.
    static func related(_ lhs: DataCategory.Key, _ rhs: DataCategory.Key) -> Bool {
        lhs.covers(rhs) || rhs.covers(lhs)
    }

    // DPA 2018 Sch 1 para 8: equality data (under whichever key) and the equality monitoring
    // purpose are for statistics only: counted with no person named and given to nobody.
    mutating func checkEqualityData(purpose: Purpose, recipient: Recipient?) {
        let equalityPurpose = purpose.isEqualityMonitoring
        let equalityData = request.categories.first { $0.holdsEqualityData }
        guard equalityPurpose || equalityData != nil else { return }
        if let equalityData, !equalityPurpose {
            refusals.append(
                "\(name(ofCategory: equalityData)) is equality data; it is never used about an individual, only counted by the statistics engine for equality monitoring"
            )
        } else if recipient != nil || context.subject != nil {
            refusals.append(
                "\(purpose.name) is for equality statistics: its data is only counted by the statistics engine, never used about an individual or given to anyone"
            )
        }
    }

    // UK GDPR Art 6(1)(a), Art 7(3): a purpose resting on consent needs consent in force.
    mutating func checkConsentBasis(purpose: Purpose) {
        if purpose.lawfulBasis == .consent, !hasConsent {
            refusals.append("\(purpose.name) rests on consent, and the person's consent is not in force")
        }
    }

    // UK GDPR Art 18(2): while restricted, only storage, or with consent, for legal claims, to protect
    // another person, or for an important public interest.
    mutating func checkRestriction() {
        guard let restriction = activePreferences.first(where: { if case .restriction = $0.kind { true } else { false } }) else { return }
        switch request.justification {
        case .legalClaims(let reference)?:
            notes.append("Processing is restricted; allowed for legal claims (\(reference)) under UK GDPR Art 18(2).")
        case .protectingAnotherPerson(let statement)?:
            notes.append("Processing is restricted; allowed to protect another person (\(statement)) under UK GDPR Art 18(2).")
        case .importantPublicInterest(let reference)?:
            notes.append("Processing is restricted; allowed for an important public interest (\(reference)) under UK GDPR Art 18(2).")
        default:
            if hasConsent {
                notes.append("Processing is restricted; allowed with the person's consent under UK GDPR Art 18(2).")
            } else {
                var ground = ""
                if case .restriction(let text) = restriction.kind { ground = " (\(text))" }
                refusals.append(
                    "the person has restricted processing\(ground); only storage is allowed, unless they consent or it is for legal claims, to protect another person, or an important public interest (UK GDPR Art 18(2))"
                )
            }
        }
    }

    static func isMarketing(_ use: String) -> Bool { use == "marketing" || use.hasPrefix("marketing.") }
    static func isCommercial(_ use: String) -> Bool {
        isMarketing(use) || use == "sales" || use.hasPrefix("sales.") || use.hasPrefix("third_party_sharing") || use.hasPrefix("personalize")
    }

    // UK GDPR Art 21(2)-(3): objection to direct marketing is absolute. The notice promises prior
    // explicit consent for marketing, sales and any commercial use by a third party.
    mutating func checkMarketing(purpose: Purpose, recipient: Recipient?) {
        let marketing = Self.isMarketing(purpose.dataUse)
        if marketing, activePreferences.contains(where: { $0.kind == .marketingOptOut }) {
            refusals.append("the person has opted out of direct marketing, which is absolute (UK GDPR Art 21(3))")
            return
        }
        let commercialByThirdParty = recipient?.kind == .thirdParty && Self.isCommercial(purpose.dataUse)
        if marketing || purpose.dataUse == "sales" || purpose.dataUse.hasPrefix("sales.") || commercialByThirdParty, !hasExplicitConsent {
            refusals.append("\(purpose.name) is marketing, sales or commercial use, which needs the person's prior explicit consent")
        }
    }

    // UK GDPR Art 21(1): an objection stops processing on public task or legitimate interests unless
    // overridden on compelling grounds; there is no right to object where the basis is legal obligation.
    mutating func checkObjection(purpose: Purpose, recipient: Recipient?) {
        for preference in activePreferences {
            guard case .objection(let outcome) = preference.kind else { continue }
            switch purpose.lawfulBasis.objectionRight {
            case .applies: break
            case .excluded:
                if recipient?.kind == .auditingBody {
                    notes.append(
                        "The person objected; the disclosure to \(recipient!.name) is a statutory audit requirement and goes ahead, recorded as such."
                    )
                } else {
                    notes.append("The person objected, but the basis is legal obligation, where there is no right to object (UK GDPR Art 21(1)).")
                }
                continue
            case .notApplicable:
                notes.append("The person objected; the right to object does not apply to \(purpose.lawfulBasis.title.lowercased()).")
                continue
            }
            switch outcome {
            case .pending, .upheld:
                let state = outcome == .pending ? "is being considered" : "was upheld"
                refusals.append("the person objected to \(purpose.name) and the objection \(state) (UK GDPR Art 21(1))")
            case .overridden(let reason):
                notes.append("The person's objection was overridden on compelling legitimate grounds: \(reason).")
                oblige(Obligation(.recordJustification, "objection overridden: \(reason)"))
            case .notApplicable:
                notes.append("The person objected; the objection was found not to apply.")
            }
        }
    }

    /// The statutory obligation relied on to override a person's wishes, if there is one.
    func statutoryOverride(purpose: Purpose) -> String? {
        if case .legalRequirement(let reference)? = request.justification, !reference.isEmpty { return reference }
        if purpose.lawfulBasis == .legalObligation { return purpose.legislation ?? purpose.lawfulBasis.article }
        return nil
    }

    // The person's refusals and conditions are honoured; only a statutory obligation overrides them,
    // recorded as the basis, and the person must be told.
    mutating func checkRefusalsAndConditions(purpose: Purpose, recipient: Recipient?) {
        var overridden: [String] = []
        for preference in activePreferences {
            switch preference.kind {
            case .refusal:
                let target = recipient.map { "sharing with \($0.name)" } ?? "use for \(purpose.name)"
                overridden.append("the person has refused \(target)")
            case .channels(let allowed):
                if let channel = request.channel, !allowed.contains(channel) {
                    overridden.append(
                        "the person asked to be contacted only by \(allowed.map(\.rawValue).joined(separator: " or ")), not \(channel.rawValue)"
                    )
                }
            default:
                continue
            }
        }
        guard !overridden.isEmpty else { return }
        if let statute = statutoryOverride(purpose: purpose) {
            basis.append("Statutory obligation overriding the person's wishes: \(statute)")
            notes.append(contentsOf: overridden.map { "Overridden by statute (\(statute)): \($0)." })
            oblige(Obligation(.notifyPerson, "tell the person their wishes were overridden under \(statute)"))
        } else {
            refusals.append(contentsOf: overridden)
        }
    }

    // UK GDPR Art 9(2), Art 10; DPA 2018 Sch 1: special category and criminal offence data need a condition.
    mutating func checkSensitiveData(purpose: Purpose, recipient: Recipient?, cover: Cover?) {
        let kinds = sensitivities
        let special = kinds.contains(.specialCategory)
        let criminal = kinds.contains(.criminalOffence)
        guard special || criminal else { return }
        let sensitive = request.categories.first {
            !(context.index.sensitivities[$0] ?? []).isDisjoint(with: [.specialCategory, .criminalOffence])
        }!
        let label = special ? "special category data" : "criminal offence data"
        let capableRefusal = activePreferences.contains { $0.kind == .refusal }
        if hasExplicitConsent {
            basis.append("Explicit consent (UK GDPR Art 9(2)(a))")
            return
        }
        switch request.justification {
        case .legalRequirement(let reference)? where !reference.isEmpty:
            basis.append("Required by law: \(reference) (UK GDPR Art 9(2)(f); DPA 2018 Sch 1 para 6)")
            oblige(Obligation(.recordJustification, "legal requirement: \(reference)"))
            return
        case .careUnderConfidentiality(let statement)? where purpose.specialCondition == .healthSocialCare:
            basis.append("Health or social care by professionals under a duty of confidentiality (\(SpecialCondition.healthSocialCare.provision))")
            oblige(Obligation(.recordJustification, statement))
            return
        case .crimeAndTaxation(_, let organisation, let reference, _)?
        where (!special || purpose.specialCondition == .preventingCrime) && (!criminal || purpose.criminalOffenceCondition == .preventingCrime):
            basis.append(
                "Preventing or detecting unlawful acts, on \(organisation)'s request \(reference) (\(SpecialCondition.preventingCrime.provision))"
            )
            return
        case .safeguarding(let statement, let consentNotObtainable)?:
            let atRisk = context.subject.map { $0.isChild(on: context.today) || $0.isAdultAtRisk } ?? false
            if atRisk, consentNotObtainable {
                basis.append("Safeguarding of children and individuals at risk (\(SpecialCondition.safeguarding.provision))")
                oblige(Obligation(.recordJustification, statement))
                return
            }
            refusals.append(
                atRisk
                    ? "safeguarding allows sharing \(label) without consent only when consent cannot be given or obtained, or asking would undermine protection"
                    : "safeguarding applies only to a child or an adult at risk, and the person is recorded as neither"
            )
            return
        case .vitalInterests(let statement, let personCannotConsent)?:
            if capableRefusal {
                refusals.append("the person, while capable, refused; vital interests cannot override a capable refusal")
            } else if !personCannotConsent {
                refusals.append(
                    "vital interests allow \(label) only when the person is physically or legally incapable of consenting (UK GDPR Art 9(2)(c))"
                )
            } else {
                basis.append("Vital interests of a person incapable of consenting (UK GDPR Art 9(2)(c))")
                oblige(Obligation(.recordJustification, statement))
            }
            return
        default:
            break
        }
        // A purpose whose recorded condition needs no case-by-case facts (care staff under
        // confidentiality, a statutory purpose, equality statistics …) carries its own condition —
        // inside the council, and to a recipient whose agreement or statutory gateway covers these
        // data for this purpose; one resting on consent, vital interests or safeguarding does not.
        // The purpose's recorded condition for each kind of sensitive data asked for; nil where it
        // has none for one of them.
        let conditions = [special ? purpose.specialCondition : nil, criminal ? purpose.criminalOffenceCondition : nil]
        let standing =
            conditions.count(where: { $0 != nil }) == [special, criminal].count(where: { $0 })
            && conditions.allSatisfy { $0.map(Self.selfStandingConditions.contains) ?? true }
        let inside = recipient.map { $0.kind == .department } ?? true
        if standing, inside || cover != nil {
            basis.append(contentsOf: Set(conditions.compactMap { $0 }).map { "\($0.title) (\($0.provision))" }.sorted())
            return
        }
        let where_ = recipient.map { "sharing with \($0.name)" } ?? "using it"
        var needs = ["explicit consent", "a legal requirement reference", "a vital-interests justification"]
        if standing {
            needs.append("an agreement in force or statutory gateway covering these data for the purpose")
        }
        refusals.append(
            "\(name(ofCategory: sensitive)) is \(label); \(where_) for \(purpose.name) needs \(RightsRequest.listed(needs))"
        )
    }

    /// Conditions that hold for a registered purpose as a whole, without facts about the case.
    static let selfStandingConditions: Set<SpecialCondition> = [
        .healthSocialCare, .statutoryPurposes, .equalityMonitoring, .publicHealth, .archivingResearch, .preventingFraud, .preventingCrime,
        .employmentSocialSecurity,
    ]
}
