import Foundation
import SQLKit
public import StewardCore

/// Who a decision is about: a subject id, or identifiers that find one person.
public enum SubjectReference: Sendable, Hashable {
    case id(Subject.ID)
    case identifiers([Subject.Identifier])
}

/// A decision as recorded: the gate's answer with its id and the subject it was about.
public struct DecisionRecord: Sendable, Hashable, Codable {
    public var id: String
    public var subject: Subject.ID?
    public var allowed: Bool
    public var basis: [String]
    public var obligations: [Obligation]
    public var reasons: [String]
}

/// Runs the gate against the current data map and the person's preferences, and records every
/// decision in the audit log and every disclosure in the person's disclosure log. HTTP and the
/// command line both decide through here.
public struct GateService: Sendable {
    public let store: Store
    public let dataMaps: DataMapCache
    public let taxonomy: Taxonomy
    public let adequacy: AdequacyList

    public init(store: Store, dataMaps: DataMapCache, taxonomy: Taxonomy, adequacy: AdequacyList) {
        self.store = store
        self.dataMaps = dataMaps
        self.taxonomy = taxonomy
        self.adequacy = adequacy
    }

    /// Decides and records one request. Unknown systems, purposes, recipients, categories and
    /// subjects are errors naming the field: the caller asked about something that does not exist.
    public func decide(_ request: DecisionRequest, subject reference: SubjectReference?, today: CalendarDate) async throws -> DecisionRecord {
        guard let (stored, index) = try await dataMaps.indexed(taxonomy: taxonomy) else {
            throw StewardError(.conflict, "no data map has been loaded, so the gate has nothing to decide against")
        }
        let map = stored.dataMap
        if index.system(request.system) == nil { throw StewardError(.invalidInput, "unknown system '\(request.system)'", field: "system") }
        if index.purpose(request.purpose) == nil { throw StewardError(.invalidInput, "unknown purpose '\(request.purpose)'", field: "purpose") }
        if let recipient = request.recipient, index.recipient(recipient) == nil {
            throw StewardError(.invalidInput, "unknown recipient '\(recipient)'", field: "recipient")
        }
        if let unknown = request.categories.first(where: { taxonomy.categories[$0] == nil }) {
            throw StewardError(.invalidInput, "unknown data category '\(unknown)'", field: "categories")
        }
        var subject: Subject?
        var preferences: [Preference] = []
        if let reference {
            guard let found = try await store.subjectWithPreferences(reference) else {
                throw StewardError(.notFound, "no subject matches the identifiers given", field: "subject")
            }
            (subject, preferences) = found
        }
        let context = GateContext(
            dataMap: map, taxonomy: taxonomy, adequacy: adequacy, today: today, subject: subject, preferences: preferences, index: index
        )
        let decision = Gate.decide(request, context: context)
        return try await store.record(decision, for: request, subject: subject?.id)
    }
}

extension Store {
    /// Writes a decision to the audit log and, for an allowed disclosure about a person, to their
    /// disclosure log in the same transaction.
    func record(_ decision: Decision, for request: DecisionRequest, subject: Subject.ID?) async throws -> DecisionRecord {
        let id = UUID().uuidString.lowercased()
        let record = DecisionRecord(
            id: id, subject: subject, allowed: decision.allowed, basis: decision.basis, obligations: decision.obligations, reasons: decision.reasons
        )
        let event = AuditEvent(
            actor: request.actor, action: decision.allowed ? "gate.allow" : "gate.refuse", object: "decision/\(id)",
            details: [
                "subject": subject.map { .string($0.rawValue) } ?? .null, "system": .string(request.system.rawValue),
                "purpose": .string(request.purpose.rawValue), "recipient": request.recipient.map { .string($0.rawValue) } ?? .null,
                "categories": .array(request.categories.map { .string($0) }), "channel": request.channel.map { .string($0.rawValue) } ?? .null,
                "basis": .array(decision.basis.map { .string($0) }), "reasons": .array(decision.reasons.map { .string($0) }),
                "justification": request.justification.map { .string(String(describing: $0)) } ?? .null,
            ]
        )
        guard decision.allowed, decision.isDisclosure, let subject, let recipient = request.recipient else {
            try await audit.append(event)
            return record
        }
        let row = DisclosureRow(
            id: UUID().uuidString.lowercased(), subject: subject.rawValue, decision: id, time: AuditChain.timestamp(),
            system: request.system.rawValue,
            recipient: recipient.rawValue, purpose: request.purpose.rawValue, categories: try Self.encode(request.categories),
            basis: try Self.encode(decision.basis), actor: request.actor
        )
        try await audit.append(event, disclosure: row)
        return record
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
            Disclosure(
                id: try row.decode(column: "id", as: String.self), decision: try row.decode(column: "decision_id", as: String.self),
                time: try row.decode(column: "time", as: String.self), system: .init(try row.decode(column: "system", as: String.self)),
                recipient: .init(try row.decode(column: "recipient", as: String.self)),
                purpose: .init(try row.decode(column: "purpose", as: String.self)),
                categories: try decoder.decode([String].self, from: Data(try row.decode(column: "categories", as: String.self).utf8)),
                basis: try decoder.decode([String].self, from: Data(try row.decode(column: "basis", as: String.self).utf8))
            )
        }
    }
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
                    SQLBind.init)
            }
        )
    }
}
