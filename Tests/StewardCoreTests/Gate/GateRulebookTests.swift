import Foundation
import StewardCore
import StewardFiles
import StewardTestSupport
import Testing

/// docs/GATE.md is the gate's specification: each worked example is decided exactly as written.
@Suite("The gate's rules as written down")
struct GateRulebookTests {
    static let demo: DataMap = try! DataMapReader.read(folder: BundledData.demoDataMap).validate(taxonomy: .builtin)

    @Test("each worked example in docs/GATE.md gets the answer written there", arguments: GateRulebook.examples)
    func workedExample(_ example: GateRulebook.Example) {
        let answer = GateRulebook.decide(example, map: Self.demo)
        #expect(answer == example.answer, "the gate answers:\n\(answer)")
    }

    @Test("every rule has an allowing and a refusing example, and every example is under a rule of the table")
    func everyRuleIsWorked() throws {
        let document = try GateRulebook.document()
        #expect(document.rules.count >= 25)
        #expect(document.examples.count >= 2 * document.rules.count)
        let ids = Set(document.rules.map(\.id))
        for example in document.examples {
            #expect(ids.contains(example.rule), "\(example) is under no rule of the table")
        }
        for rule in document.rules {
            let examples = document.examples.filter { $0.rule == rule.id }
            #expect(examples.contains { $0.answer.allowed == true }, "\(rule.id) has no allowing example")
            #expect(examples.contains { $0.answer.allowed == false || $0.answer.error != nil }, "\(rule.id) has no refusing example")
        }
    }

    @Test("the justification table lists every kind with the fields it needs")
    func justificationTable() throws {
        let table = try GateRulebook.document().justifications
        #expect(Set(table.keys) == Set(Justification.Kind.allCases.map(\.rawValue)))
        for kind in Justification.Kind.allCases {
            #expect(table[kind.rawValue] == kind.requiredFields, "\(kind.rawValue)")
        }
    }

    @Test("a council that requires sharing agreements refuses a disclosure on consent alone, and allows it under an agreement")
    func requiredSharingAgreements() throws {
        let example = try #require(GateRulebook.examples.first { $0.rule == "gateway-explicit-consent" && $0.answer.allowed == true })
        var strict = Self.demo
        strict.controller.requireSharingAgreements = true
        let refused = GateRulebook.decide(example, map: strict)
        #expect(refused.allowed == false)
        #expect(refused.reasons?.contains { $0.contains("requires a sharing agreement") } == true, "\(refused)")

        let trust = try #require(strict.recipients.firstIndex { $0.key == "wessex_leisure_trust" })
        strict.recipients[trust].agreements = [
            .init(
                kind: .sharingAgreement,
                reference: "DSA-2026-31",
                categories: ["user.name", "user.contact.email"],
                purposes: ["leisure_offers"],
                starts: CalendarDate(year: 2026, month: 1, day: 1)!,
                ends: nil
            )
        ]
        let allowed = GateRulebook.decide(example, map: strict)
        #expect(allowed.allowed == true, "\(allowed)")
        #expect(allowed.basis?.contains("Data sharing agreement: DSA-2026-31") == true, "\(allowed)")
    }
}
