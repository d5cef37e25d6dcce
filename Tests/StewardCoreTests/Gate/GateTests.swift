import StewardCore
import StewardFiles
import Testing

/// The gate's rules, each with an allowing and a refusing case, worked on the demo council.
@Suite("Gate")
struct GateTests {
    static let demo: DataMap = try! DataMapReader.read(folder: BundledData.demoDataMap).validate(taxonomy: .builtin)
    static let today = CalendarDate(year: 2026, month: 11, day: 29)!
    static let adult = Subject(
        id: "subject-1",
        identifiers: [.init(kind: "email", value: "resident@example.org")],
        dateOfBirth: CalendarDate(year: 1950, month: 3, day: 1)
    )

    static func preference(
        _ kind: Preference.Kind,
        purpose: Purpose.Key? = nil,
        recipient: Recipient.Key? = nil,
        withdrawn: CalendarDate? = nil
    )
        -> Preference
    {
        Preference(
            id: "p",
            kind: kind,
            purpose: purpose,
            recipient: recipient,
            given: CalendarDate(year: 2026, month: 1, day: 1)!,
            withdrawn: withdrawn
        )
    }

    static func decide(
        system: System.Key,
        categories: [DataCategory.Key],
        purpose: Purpose.Key,
        recipient: Recipient.Key? = nil,
        channel: Channel? = nil,
        justification: Justification? = nil,
        subject: Subject? = adult,
        preferences: [Preference] = [],
        today: CalendarDate = today
    ) -> Decision {
        Gate.decide(
            DecisionRequest(
                actor: "test",
                system: system,
                categories: categories,
                purpose: purpose,
                recipient: recipient,
                channel: channel,
                justification: justification
            ),
            context: GateContext(dataMap: demo, taxonomy: .builtin, adequacy: .ukDefault, today: today, subject: subject, preferences: preferences)
        )
    }

    static func refusedBecause(_ decision: Decision, _ words: String) -> Bool {
        !decision.allowed && decision.reasons.contains { $0.contains(words) }
    }

    // MARK: The purpose must be registered for the system, and the categories held by it

    @Test("a registered purpose using data the system holds is allowed, on the purpose's lawful basis")
    func registeredPurposeAllowed() {
        let decision = Self.decide(system: "libraries", categories: ["user.name", "user.contact.email"], purpose: "library_membership")
        #expect(decision.allowed, "\(decision.reasons)")
        #expect(decision.basis.first?.contains("Public task (UK GDPR Art 6(1)(e))") == true)
        #expect(!decision.isDisclosure)
    }

    @Test("a purpose not registered for the system, or data it does not hold, is refused and named")
    func unregisteredPurposeRefused() {
        let wrongPurpose = Self.decide(system: "libraries", categories: ["user.name"], purpose: "council_tax_collection")
        #expect(Self.refusedBecause(wrongPurpose, "is not a registered purpose of"))
        let notHeld = Self.decide(system: "libraries", categories: ["user.device.ip_address"], purpose: "library_membership")
        #expect(Self.refusedBecause(notHeld, "does not hold"))
        let unknown = Self.decide(system: "libraries", categories: ["user.nonsense"], purpose: "library_membership")
        #expect(Self.refusedBecause(unknown, "is not a known data category"))
    }

    // MARK: Special category and criminal offence data

    @Test("health data to the NHS trust outside its agreement, without consent or justification, is refused in words a person can read")
    func healthDataNeedsCondition() {
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "emergency_planning",
            recipient: "wessex_nhs_trust"
        )
        #expect(!decision.allowed)
        #expect(
            decision.reasons.contains {
                $0.hasPrefix("Refused: ") && $0.contains("is special category data") && $0.contains("Wessex")
                    && $0.contains("explicit consent, a legal requirement reference or a vital-interests justification")
            }
        )
    }

    @Test("explicit consent in scope allows special category data; consent to another recipient does not", arguments: [true, false])
    func explicitConsent(inScope: Bool) {
        let consent = Self.preference(
            .consent(explicit: true),
            purpose: "emergency_planning",
            recipient: inScope ? "wessex_nhs_trust" : "wessex_police"
        )
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "emergency_planning",
            recipient: "wessex_nhs_trust",
            preferences: [consent]
        )
        #expect(decision.allowed == inScope, "\(decision.reasons)")
        if inScope {
            #expect(decision.basis.contains { $0.contains("Art 9(2)(a)") })
            #expect(decision.isDisclosure)
            #expect(decision.obligations.contains { $0.code == .logDisclosure })
        }
    }

    @Test("withdrawn consent no longer counts")
    func withdrawnConsent() {
        let consent = Self.preference(
            .consent(explicit: true),
            purpose: "emergency_planning",
            recipient: "wessex_nhs_trust",
            withdrawn: CalendarDate(year: 2026, month: 6, day: 1)
        )
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "emergency_planning",
            recipient: "wessex_nhs_trust",
            preferences: [consent]
        )
        #expect(!decision.allowed)
    }

    @Test("inside the council, a purpose's own standing condition covers special category data; one resting on vital interests does not")
    func internalUseOnPurposeCondition() {
        let care = Self.decide(system: "adult_social_care", categories: ["user.health_and_medical"], purpose: "statutory_adult_social_care")
        #expect(care.allowed, "\(care.reasons)")
        #expect(care.basis.contains { $0.contains("Sch 1 para 2") })
        let emergency = Self.decide(system: "adult_social_care", categories: ["user.health_and_medical"], purpose: "emergency_planning")
        #expect(!emergency.allowed)
    }

    @Test(
        "a legal requirement with its reference allows special category data; without a reference it does not",
        arguments: ["Care Act 2014 s.42", ""]
    )
    func legalRequirement(reference: String) {
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "emergency_planning",
            recipient: "wessex_nhs_trust",
            justification: .legalRequirement(reference: reference)
        )
        #expect(decision.allowed == !reference.isEmpty)
        if !reference.isEmpty { #expect(decision.obligations.contains { $0.code == .recordJustification && $0.detail.contains(reference) }) }
    }

    @Test("care by professionals under confidentiality allows health data for a health and social care purpose only")
    func careUnderConfidentiality() {
        let care = Justification.careUnderConfidentiality(statement: "hospital discharge planning")
        let allowed = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust",
            justification: care
        )
        #expect(allowed.allowed, "\(allowed.reasons)")
        let refused = Self.decide(
            system: "adult_social_care",
            categories: ["user.social_care.safeguarding_concern"],
            purpose: "safeguarding_adults",
            recipient: "wessex_police",
            justification: care
        )
        #expect(!refused.allowed)
    }

    @Test("safeguarding allows sharing without consent for an adult at risk when consent cannot be obtained, and not otherwise")
    func safeguarding() {
        var atRisk = Self.adult
        atRisk.isAdultAtRisk = true
        func decide(_ subject: Subject, consentNotObtainable: Bool) -> Decision {
            Self.decide(
                system: "adult_social_care",
                categories: ["user.social_care.safeguarding_concern", "user.criminal_history"],
                purpose: "safeguarding_adults",
                recipient: "wessex_police",
                justification: .safeguarding(statement: "risk of financial abuse", consentNotObtainable: consentNotObtainable),
                subject: subject
            )
        }
        #expect(decide(atRisk, consentNotObtainable: true).allowed)
        #expect(Self.refusedBecause(decide(atRisk, consentNotObtainable: false), "only when consent cannot be given or obtained"))
        #expect(Self.refusedBecause(decide(Self.adult, consentNotObtainable: true), "child or an adult at risk"))
    }

    @Test("a child is under 18 on the day of the decision")
    func childByDateOfBirth() {
        let child = Subject(id: "c", identifiers: [], dateOfBirth: CalendarDate(year: 2008, month: 11, day: 30))
        #expect(child.isChild(on: Self.today))
        #expect(!child.isChild(on: CalendarDate(year: 2026, month: 11, day: 30)!))
        let decision = Self.decide(
            system: "childrens_services",
            categories: ["user.social_care.safeguarding_concern"],
            purpose: "child_protection",
            recipient: "wessex_police",
            justification: .safeguarding(statement: "section 47 enquiry", consentNotObtainable: true),
            subject: child
        )
        #expect(decision.allowed, "\(decision.reasons)")
    }

    @Test("vital interests allow special category data only when the person cannot consent and has not capably refused")
    func vitalInterests() {
        func decide(cannotConsent: Bool, preferences: [Preference] = []) -> Decision {
            Self.decide(
                system: "adult_social_care",
                categories: ["user.health_and_medical"],
                purpose: "statutory_adult_social_care",
                recipient: "wessex_nhs_trust",
                justification: .vitalInterests(statement: "unconscious after a fall", personCannotConsent: cannotConsent),
                preferences: preferences
            )
        }
        #expect(decide(cannotConsent: true).allowed)
        #expect(Self.refusedBecause(decide(cannotConsent: false), "incapable of consenting"))
        let refusal = Self.preference(.refusal, recipient: "wessex_nhs_trust")
        #expect(Self.refusedBecause(decide(cannotConsent: true, preferences: [refusal]), "capable refusal"))
    }

    // MARK: Equality monitoring

    @Test("equality monitoring data goes only to the statistics engine, never out about an individual")
    func equalityMonitoring() {
        let statistics = Self.decide(
            system: "complaints_and_requests",
            categories: ["user.equality_monitoring.ethnicity"],
            purpose: "equality_monitoring",
            subject: nil
        )
        #expect(statistics.allowed, "\(statistics.reasons)")
        let casework = Self.decide(
            system: "complaints_and_requests",
            categories: ["user.equality_monitoring.ethnicity"],
            purpose: "complaints_handling"
        )
        #expect(Self.refusedBecause(casework, "never used about an individual"))
        let toDfE = Self.decide(
            system: "childrens_services",
            categories: ["user.equality_monitoring.ethnicity"],
            purpose: "childrens_social_care",
            recipient: "department_for_education",
            justification: .legalRequirement(reference: "Children Act 1989 s.83")
        )
        #expect(Self.refusedBecause(toDfE, "never used about an individual"))
    }

    // MARK: Objection

    @Test("an upheld objection stops a public-task use; an overridden one lets it go ahead with the reason recorded")
    func objection() {
        let upheld = Self.decide(
            system: "libraries",
            categories: ["user.name"],
            purpose: "library_membership",
            preferences: [Self.preference(.objection(.upheld))]
        )
        #expect(Self.refusedBecause(upheld, "objection was upheld"))
        let overridden = Self.decide(
            system: "libraries",
            categories: ["user.name"],
            purpose: "library_membership",
            preferences: [Self.preference(.objection(.overridden(reason: "overdue stock recovery")))]
        )
        #expect(overridden.allowed)
        #expect(overridden.obligations.contains { $0.code == .recordJustification && $0.detail.contains("overdue stock recovery") })
    }

    @Test("objection does not stop processing under legal obligation, and is noted")
    func objectionUnderLegalObligation() {
        let decision = Self.decide(
            system: "council_tax",
            categories: ["user.financial.council_tax"],
            purpose: "council_tax_collection",
            preferences: [Self.preference(.objection(.upheld))]
        )
        #expect(decision.allowed)
        #expect(decision.reasons.contains { $0.contains("no right to object") })
    }

    @Test("the National Fraud Initiative goes ahead despite an objection, recorded as a statutory audit")
    func nfiDespiteObjection() {
        let decision = Self.decide(
            system: "council_tax",
            categories: ["user.financial.council_tax", "user.name"],
            purpose: "nfi_fraud_prevention",
            recipient: "cabinet_office_nfi",
            preferences: [Self.preference(.objection(.upheld))]
        )
        #expect(decision.allowed, "\(decision.reasons)")
        #expect(decision.reasons.contains { $0.contains("statutory audit") })
        #expect(decision.isDisclosure)
    }

    // MARK: Restriction

    @Test("restriction refuses everything but the Art 18(2) exceptions and consent")
    func restriction() {
        let restricted = [Self.preference(.restriction(ground: "accuracy disputed"))]
        let plain = Self.decide(system: "libraries", categories: ["user.name"], purpose: "library_membership", preferences: restricted)
        #expect(Self.refusedBecause(plain, "restricted processing (accuracy disputed)"))
        let claims = Self.decide(
            system: "libraries",
            categories: ["user.name"],
            purpose: "library_membership",
            justification: .legalClaims(reference: "County Court claim 123"),
            preferences: restricted
        )
        #expect(claims.allowed)
        let consent = Self.decide(
            system: "libraries",
            categories: ["user.name"],
            purpose: "library_membership",
            preferences: restricted + [Self.preference(.consent(explicit: false))]
        )
        #expect(consent.allowed)
    }

    // MARK: Refusals and conditions

    @Test("the person's refusal is honoured unless a statute overrides it, which is recorded and told to them")
    func refusalAndStatutoryOverride() {
        let refusal = [Self.preference(.refusal, recipient: "wessex_nhs_trust")]
        let care = Justification.careUnderConfidentiality(statement: "discharge")
        let refused = Self.decide(
            system: "adult_social_care",
            categories: ["user.name"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust",
            justification: care,
            preferences: refusal
        )
        #expect(Self.refusedBecause(refused, "has refused sharing with"))
        let statute = Self.decide(
            system: "adult_social_care",
            categories: ["user.name"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust",
            justification: .legalRequirement(reference: "Care Act 2014 s.6"),
            preferences: refusal
        )
        #expect(statute.allowed, "\(statute.reasons)")
        #expect(statute.basis.contains { $0.contains("Statutory obligation overriding") })
        #expect(statute.obligations.contains { $0.code == .notifyPerson })
    }

    @Test("a contact condition is honoured: post only refuses email")
    func channelCondition() {
        let postOnly = [Self.preference(.channels([.post]))]
        let email = Self.decide(system: "libraries", categories: ["user.name"], purpose: "library_membership", channel: .email, preferences: postOnly)
        #expect(Self.refusedBecause(email, "only by post"))
        let post = Self.decide(system: "libraries", categories: ["user.name"], purpose: "library_membership", channel: .post, preferences: postOnly)
        #expect(post.allowed)
    }

    // MARK: Marketing

    @Test("marketing needs prior explicit consent, and a marketing opt-out is absolute")
    func marketing() {
        let none = Self.decide(system: "libraries", categories: ["user.contact.email"], purpose: "library_newsletter")
        #expect(!none.allowed)
        let consented = Self.decide(
            system: "libraries",
            categories: ["user.contact.email"],
            purpose: "library_newsletter",
            preferences: [Self.preference(.consent(explicit: true), purpose: "library_newsletter")]
        )
        #expect(consented.allowed, "\(consented.reasons)")
        let optedOut = Self.decide(
            system: "libraries",
            categories: ["user.contact.email"],
            purpose: "library_newsletter",
            preferences: [Self.preference(.consent(explicit: true), purpose: "library_newsletter"), Self.preference(.marketingOptOut)]
        )
        #expect(Self.refusedBecause(optedOut, "absolute"))
    }

    // MARK: Recipients, agreements and transfers

    @Test("a transfer to a country without adequacy and without an IDTA is refused, naming the missing safeguard")
    func transferWithoutSafeguard() {
        let decision = Self.decide(
            system: "council_website",
            categories: ["user.device.cookie_id"],
            purpose: "website_analytics",
            recipient: "webstats_analytics"
        )
        #expect(Self.refusedBecause(decision, "needs an IDTA or the UK Addendum"))
    }

    @Test("a transfer to the USA under an IDTA and an Art 28 contract is allowed, with the safeguard in the basis")
    func transferUnderIDTA() {
        let decision = Self.decide(system: "libraries", categories: ["user.name"], purpose: "library_membership", recipient: "library_cloud_inc")
        #expect(decision.allowed, "\(decision.reasons)")
        #expect(decision.basis.contains { $0.contains("International Data Transfer Agreement") })
    }

    @Test("a processor needs an Art 28 contract covering the purpose")
    func processorNeedsContract() {
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.name"],
            purpose: "statutory_adult_social_care",
            recipient: "library_cloud_inc"
        )
        #expect(Self.refusedBecause(decision, "no Art 28 contract in force"))
    }

    @Test("an agreement that has ended no longer covers a disclosure")
    func expiredAgreement() {
        let later = CalendarDate(year: 2027, month: 4, day: 5)!
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.name"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust",
            today: later
        )
        #expect(Self.refusedBecause(decision, "there is no ground for sharing"))
        let before = Self.decide(
            system: "adult_social_care",
            categories: ["user.name"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust"
        )
        #expect(before.allowed)
    }

    @Test("categories outside the agreement are refused")
    func categoriesOutsideAgreement() {
        let decision = Self.decide(
            system: "adult_social_care",
            categories: ["user.financial"],
            purpose: "statutory_adult_social_care",
            recipient: "wessex_nhs_trust"
        )
        #expect(Self.refusedBecause(decision, "there is no ground for sharing"))
    }

    @Test("an internal department is not a disclosure")
    func internalDepartment() {
        let decision = Self.decide(
            system: "council_tax",
            categories: ["user.name"],
            purpose: "council_tax_collection",
            recipient: "counter_fraud_team"
        )
        #expect(decision.allowed)
        #expect(!decision.isDisclosure)
    }

    // MARK: Email

    @Test("special category data by email goes only to a verified address, encrypted")
    func specialCategoryByEmail() {
        let consent = [Self.preference(.consent(explicit: true))]
        let unverified = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "statutory_adult_social_care",
            channel: .email,
            preferences: consent
        )
        #expect(Self.refusedBecause(unverified, "verified"))
        var verified = Self.adult
        verified.verifiedEmails = ["resident@example.org"]
        let allowed = Self.decide(
            system: "adult_social_care",
            categories: ["user.health_and_medical"],
            purpose: "statutory_adult_social_care",
            channel: .email,
            subject: verified,
            preferences: consent
        )
        #expect(allowed.allowed)
        #expect(Set(allowed.obligations.map(\.code)).isSuperset(of: [.encrypt, .sendToVerifiedAddressOnly]))
        #expect(!allowed.obligations.contains { $0.detail.contains("resident@example.org") })
    }
}
