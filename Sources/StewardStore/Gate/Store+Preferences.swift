import Foundation
import SQLKit
public import StewardCore

extension Store {
    /// Records what a person said. The subject must exist; purpose and recipient, when given, must
    /// be in the current data map (checked by the caller that holds it).
    public func addPreference(
        to subjectID: Subject.ID, kind: Preference.Kind, purpose: Purpose.Key?, recipient: Recipient.Key?, given: CalendarDate,
        expires: CalendarDate?, actor: String
    ) async throws -> Preference {
        switch kind {
        case .objection(.overridden(let reason)) where reason.trimmingCharacters(in: .whitespaces).isEmpty:
            throw StewardError(.invalidInput, "an overridden objection needs the compelling grounds as its reason", field: "reason")
        case .restriction(let ground) where ground.trimmingCharacters(in: .whitespaces).isEmpty:
            throw StewardError(.invalidInput, "a restriction needs its ground (UK GDPR Art 18(1))", field: "ground")
        case .channels(let channels) where channels.isEmpty:
            throw StewardError(.invalidInput, "a contact condition needs at least one allowed channel", field: "channels")
        default: break
        }
        if let expires, expires < given { throw StewardError(.invalidInput, "the preference expires before it is given", field: "expires") }
        let id = Preference.ID(UUID().uuidString.lowercased())
        let preference = Preference(id: id, kind: kind, purpose: purpose, recipient: recipient, given: given, expires: expires)
        let document = try Self.encode(preference)
        return try await writeAudited { database in
            guard let subject = try await Self.subject(subjectID, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(subjectID)'", field: "id")
            }
            try await database.raw(
                """
                INSERT INTO preferences (id, subject_id, document, created_at, created_by)
                VALUES (\(bind: id.rawValue), \(bind: subject.id.rawValue), \(bind: document), \(bind: AuditChain.timestamp()), \(bind: actor))
                """
            ).run()
            let event = AuditEvent(
                actor: actor, action: "preference.add", object: "subject/\(subject.id)/preference/\(id)",
                details: [
                    "kind": .string(kind.name), "purpose": purpose.map { .string($0.rawValue) } ?? .null,
                    "recipient": recipient.map { .string($0.rawValue) } ?? .null,
                ]
            )
            return (preference, [event])
        }
    }

    /// Every preference a person has given, withdrawn ones included, oldest first.
    public func preferences(of subjectID: Subject.ID) async throws -> [Preference] {
        try await handle.read { database in
            guard let subject = try await Self.subject(subjectID, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(subjectID)'", field: "id")
            }
            return try await Self.preferences(of: subject.id, on: database)
        }
    }

    /// The person a reference finds, with their preferences, in one visit to the database.
    public func subjectWithPreferences(_ reference: SubjectReference) async throws -> (Subject, [Preference])? {
        var given: [Subject.Identifier] = []
        if case .identifiers(let identifiers) = reference {
            guard !identifiers.isEmpty else { throw StewardError(.invalidInput, "give at least one identifier", field: "subject.identifiers") }
            given = try identifiers.map { try $0.normalised() }
        }
        let normalised = given
        return try await handle.read { database in
            let id: Subject.ID
            switch reference {
            case .id(let given): id = given
            case .identifiers:
                guard let owner = try await Self.owner(ofAll: normalised, on: database) else { return nil }
                id = owner
            }
            guard let subject = try await Self.subject(id, on: database) else { return nil }
            return (subject, try await Self.preferences(of: subject.id, on: database))
        }
    }

    static func preferences(of subjectID: Subject.ID, on database: any SQLDatabase) async throws -> [Preference] {
        let decoder = JSONDecoder()
        return try await database.raw("SELECT document FROM preferences WHERE subject_id = \(bind: subjectID.rawValue) ORDER BY created_at, id").all()
            .map { try decoder.decode(Preference.self, from: Data(try $0.decode(column: "document", as: String.self).utf8)) }
    }

    /// Withdraws a preference from `date`. A restriction is lifted only once the person has been told
    /// (UK GDPR Art 18(3)), so lifting one needs the date they were told.
    public func withdrawPreference(
        _ preferenceID: Preference.ID, of subjectID: Subject.ID, on date: CalendarDate, noticeGiven: CalendarDate?, actor: String
    ) async throws -> Preference {
        try await writeAudited { database in
            guard let subject = try await Self.subject(subjectID, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(subjectID)'", field: "id")
            }
            guard var preference = try await Self.preferences(of: subject.id, on: database).first(where: { $0.id == preferenceID }) else {
                throw StewardError(.notFound, "no preference '\(preferenceID)' for this subject", field: "preference")
            }
            guard preference.withdrawn == nil else { throw StewardError(.conflict, "the preference was already withdrawn", field: "preference") }
            if case .restriction = preference.kind {
                guard let noticeGiven, noticeGiven <= date else {
                    throw StewardError(
                        .invalidInput, "a restriction is lifted only after the person has been told (UK GDPR Art 18(3)); give noticeGiven",
                        field: "noticeGiven"
                    )
                }
            }
            preference.withdrawn = date
            try await database.raw("UPDATE preferences SET document = \(bind: try Self.encode(preference)) WHERE id = \(bind: preferenceID.rawValue)")
                .run()
            let event = AuditEvent(
                actor: actor, action: "preference.withdraw", object: "subject/\(subject.id)/preference/\(preferenceID)",
                details: ["kind": .string(preference.kind.name), "from": .string(date.description)]
            )
            return (preference, [event])
        }
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension Preference.Kind {
    /// A short name for logs and the audit trail.
    public var name: String {
        switch self {
        case .consent(let explicit): explicit ? "explicit_consent" : "consent"
        case .refusal: "refusal"
        case .channels: "contact_condition"
        case .objection: "objection"
        case .restriction: "restriction"
        case .marketingOptOut: "marketing_opt_out"
        }
    }
}
