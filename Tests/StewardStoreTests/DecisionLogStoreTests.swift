import Foundation
import StewardCore
import StewardTestSupport
import Testing

@testable import StewardStore

/// The gate's decision log read back from the audit log, on the backend this run names.
@Suite("Decision log store")
struct DecisionLogStoreTests {
    static func decision(_ system: String, _ purpose: String, allowed: Bool, recipient: String? = nil) -> AuditEvent {
        AuditEvent(
            actor: "token:app",
            action: allowed ? .gateAllow : .gateRefuse,
            object: "decision/\(UUID().uuidString.lowercased())",
            details: [
                "system": .string(system), "purpose": .string(purpose), "recipient": recipient.map { .string($0) } ?? .null,
                "categories": ["user.name"], "basis": allowed ? ["public task"] : [], "reasons": ["because"], "subject": .null,
            ]
        )
    }

    @Test(
        "decisions come back newest first, narrowed by system, purpose, recipient and outcome exactly (a key that is another's prefix, has LIKE's wildcards or JSON's escapes does not match more), never what-ifs, page by page"
    )
    func filters() async throws {
        try await TestDatabase.withStore { store, _ in
            try await store.recordDecision(Self.decision("libraries", "library_membership", allowed: true), disclosure: nil)
            try await store.recordDecision(Self.decision("libraries", "library_membership", allowed: false, recipient: "leisure"), disclosure: nil)
            // "library" and "li_raries" would match "libraries" in a careless LIKE.
            try await store.recordDecision(Self.decision("library", "library_membership", allowed: true), disclosure: nil)
            try await store.recordDecision(Self.decision("li_raries", "library_membership", allowed: true), disclosure: nil)
            try await store.audit.append(
                AuditEvent(
                    actor: "staff:dpo",
                    action: .gateWhatIf,
                    object: "decision/x",
                    details: ["system": "libraries", "purpose": "library_membership"]
                )
            )
            for index in 0..<250 {
                try await store.recordDecision(
                    Self.decision("council_tax", index.isMultiple(of: 2) ? "collection" : "fraud", allowed: true),
                    disclosure: nil
                )
            }
            let libraries = try await store.decisionLog(.init(system: "libraries"))
            #expect(libraries.count == 2)
            #expect(libraries.map(\.allowed) == [false, true], "newest first")
            #expect(libraries.first?.recipient == "leisure")
            #expect(try await store.decisionLog(.init(system: "li_raries")).count == 1)
            // Keys holding LIKE's and JSON's own characters match only themselves.
            try await store.recordDecision(Self.decision(#"50%"od_d\!"#, "library_membership", allowed: true), disclosure: nil)
            #expect(try await store.decisionLog(.init(system: .init(#"50%"od_d\!"#))).count == 1)
            #expect(try await store.decisionLog(.init(system: "%")).isEmpty)
            #expect(try await store.decisionLog(.init(system: "Libraries")).isEmpty, "case counts")
            #expect(try await store.decisionLog(.init(system: "libraries", outcome: .refused)).count == 1)
            #expect(try await store.decisionLog(.init(recipient: "leisure")).count == 1)
            // A rare match far back is found whatever lies in front of it.
            let first = try await store.decisionLog(.init(system: "library", limit: 5))
            #expect(first.count == 1)
            let fraud = try await store.decisionLog(.init(purpose: "fraud", limit: 100))
            #expect(fraud.count == 100)
            let rest = try await store.decisionLog(.init(purpose: "fraud", before: fraud.last!.seq, limit: 100))
            #expect(rest.count == 25)
            #expect(Set(fraud.map(\.seq)).isDisjoint(with: rest.map(\.seq)))
            let today = CalendarDate(iso: String(AuditChain.timestamp().prefix(10)))!
            #expect(try await store.decisionLog(.init(from: today, until: today, limit: 500)).count == 255)
            #expect(try await store.decisionLog(.init(until: today.adding(days: -1))).isEmpty)
        }
    }

    @Test("the console's verification is recorded in the log with its result, and read back as the last one")
    func verificationIsRecorded() async throws {
        try await TestDatabase.withStore { store, _ in
            #expect(try await store.lastAuditVerification() == nil)
            try await store.recordDecision(Self.decision("libraries", "library_membership", allowed: true), disclosure: nil)
            let result = try await store.verifyAndRecordAudit(actor: "staff:audit@example")
            #expect(result.isIntact)
            let last = try #require(try await store.lastAuditVerification())
            #expect(last.actor == "staff:audit@example")
            #expect(last.result == result)
            #expect(try await store.verifyAudit(trustedKeys: [store.signingPublicKey]).isIntact, "recording it keeps the chain intact")
        }
    }
}
