import Foundation
import SQLKit
public import StewardCore

extension Store: GateRepository {
    public func addPreference(_ preference: Preference, to subjectID: Subject.ID, actor: String) async throws -> Preference {
        let document = try Self.encode(preference)
        return try await writeAudited { database in
            guard let subject = try await Self.subject(subjectID, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(subjectID)'", field: "id")
            }
            try await database.raw(
                """
                INSERT INTO preferences (id, subject_id, document, created_at, created_by)
                VALUES (\(bind: preference.id.rawValue), \(bind: subject.id.rawValue), \(bind: document), \(bind: AuditChain.timestamp()), \(bind: actor))
                """
            ).run()
            let event = AuditEvent(
                actor: actor,
                action: .preferenceAdd,
                object: "subject/\(subject.id)/preference/\(preference.id)",
                details: [
                    "kind": .string(preference.kind.name), "purpose": preference.purpose.map { .string($0.rawValue) } ?? .null,
                    "recipient": preference.recipient.map { .string($0.rawValue) } ?? .null,
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
        let reference = try reference.normalised()
        return try await handle.read { database in
            let id: Subject.ID
            switch reference {
            case .id(let given): id = given
            case .identifiers(let identifiers):
                guard let owner = try await Self.owner(ofAll: identifiers, on: database) else { return nil }
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

    public func withdrawPreference(
        _ preferenceID: Preference.ID,
        of subjectID: Subject.ID,
        actor: String,
        _ change: @escaping @Sendable (Preference) throws -> Preference
    ) async throws -> Preference {
        try await writeAudited { database in
            guard let subject = try await Self.subject(subjectID, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(subjectID)'", field: "id")
            }
            guard let stored = try await Self.preferences(of: subject.id, on: database).first(where: { $0.id == preferenceID }) else {
                throw StewardError(.notFound, "no preference '\(preferenceID)' for this subject", field: "preference")
            }
            let preference = try change(stored)
            try await database.raw("UPDATE preferences SET document = \(bind: try Self.encode(preference)) WHERE id = \(bind: preferenceID.rawValue)")
                .run()
            let event = AuditEvent(
                actor: actor,
                action: .preferenceWithdraw,
                object: "subject/\(subject.id)/preference/\(preferenceID)",
                details: ["kind": .string(preference.kind.name), "from": .string(preference.withdrawn?.description ?? "")]
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
