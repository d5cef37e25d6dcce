import Foundation
public import StewardCore

extension DemoCouncil {
    /// Records the README's resident in the gate, once: her email address, her
    /// consent to the library's events newsletter, and three questions the library system asked
    /// the gate about her (her membership, the library's cloud supplier, and the leisure trust,
    /// which she has not agreed to), so the console's person page and decision log show what a
    /// real council's would. Returns false when she was recorded already.
    @discardableResult
    public static func recordWalkthroughResident(_ services: StewardServices) async throws -> Bool {
        let gate = services.gate
        let email = Subject.Identifier(kind: .email, value: walkthroughEmail)
        if try await gate.findSubject(identifiers: [email]) != nil { return false }
        let subject = try await gate.createSubject(
            // Her email only: the library knows her by another address and her card, which staff
            // confirm before a search uses them (the README's walkthrough).
            identifiers: [email],
            dateOfBirth: nil,
            isAdultAtRisk: false,
            verifiedEmails: [],
            actor: "demo"
        )
        let consent = try StewardError.decodingInput(
            Preference.Draft.self,
            from: ["kind": "explicit_consent", "purpose": "library_newsletter", "given": "2025-09-14"] as JSONValue
        )
        _ = try await gate.addPreference(consent, to: subject.id, actor: "demo")
        for (purpose, recipient) in [
            ("library_membership", nil), ("library_membership", "library_cloud_inc"), ("leisure_offers", "wessex_leisure_trust"),
        ] {
            _ = try await gate.decide(
                DecisionRequest(
                    actor: "demo:library-system",
                    system: "libraries",
                    categories: ["user.name", "user.contact.email"],
                    purpose: .init(purpose),
                    recipient: recipient.map { .init($0) }
                ),
                subject: .id(subject.id)
            )
        }
        return true
    }
}
