import Foundation
import SQLKit
public import StewardCore

extension Store {
    public func recordDecision(_ event: AuditEvent, disclosure: DisclosureRecord?) async throws {
        guard let disclosure else {
            try await audit.append(event)
            return
        }
        let item = disclosure.disclosure
        let row = DisclosureRow(
            id: item.id,
            subject: disclosure.subject.rawValue,
            decision: item.decision,
            time: item.time,
            system: item.system.rawValue,
            recipient: item.recipient.rawValue,
            purpose: item.purpose.rawValue,
            categories: try Self.encode(item.categories),
            basis: try Self.encode(item.basis),
            actor: disclosure.actor
        )
        try await audit.append(event, disclosure: row)
    }

    /// Everything disclosed about a person outside the council, oldest first.
    public func disclosures(of subjectID: Subject.ID) async throws -> [Disclosure] {
        try await handle.read { database in
            guard let subject = try await Self.subject(subjectID, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(subjectID)'", field: "id")
            }
            return try await Self.disclosures(of: subject, on: database)
        }
    }

    static func disclosures(of subject: Subject, on database: any SQLDatabase) async throws -> [Disclosure] {
        let decoder = JSONDecoder()
        return try await database.raw(
            "SELECT id, decision_id, time, system, recipient, purpose, categories, basis FROM disclosures WHERE subject_id = \(bind: subject.id.rawValue) ORDER BY time, id"
        ).all().map { row in
            let stored = try row.model(DisclosureColumns.self)
            return Disclosure(
                id: stored.id,
                decision: stored.decisionId,
                time: stored.time,
                system: stored.system,
                recipient: stored.recipient,
                purpose: stored.purpose,
                categories: try decoder.decode([DataCategory.Key].self, from: Data(stored.categories.utf8)),
                basis: try decoder.decode([String].self, from: Data(stored.basis.utf8))
            )
        }
    }
}

/// A disclosure as the table holds it: its lists as JSON text.
private struct DisclosureColumns: Decodable {
    var id: String
    var decisionId: String
    var time: String
    var system: System.Key
    var recipient: Recipient.Key
    var purpose: Purpose.Key
    var categories: String
    var basis: String
}

/// A disclosure waiting to be written with its audit entry.
struct DisclosureRow: Sendable {
    var id: String
    var subject: String
    var decision: String
    var time: String
    var system: String
    var recipient: String
    var purpose: String
    var categories: String
    var basis: String
    var actor: String

    static func insert(_ rows: [DisclosureRow], on database: any SQLDatabase) async throws {
        try await database.insertRows(
            into: "disclosures",
            columns: ["id", "subject_id", "decision_id", "time", "system", "recipient", "purpose", "categories", "basis", "actor"],
            rows: rows.map { row in
                [row.id, row.subject, row.decision, row.time, row.system, row.recipient, row.purpose, row.categories, row.basis, row.actor].map(
                    SQLBind.init
                )
            }
        )
    }
}
