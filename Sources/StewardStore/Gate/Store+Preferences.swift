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
            if let found = try await Self.subjectInOneRead(id, on: database) { return found }
            guard let subject = try await Self.subject(id, on: database) else { return nil }
            return (subject, try await Self.preferences(of: subject.id, on: database))
        }
    }

    /// The gate's read of a person: their row, identifiers and preferences in one statement, one
    /// round trip. Nil when there is no such person, or the id was merged into another (the
    /// caller then follows the merge).
    static func subjectInOneRead(_ id: Subject.ID, on database: any SQLDatabase) async throws -> (Subject, [Preference])? {
        let rows = try await database.raw(
            """
            SELECT 's' AS part, CAST(date_of_birth AS TEXT) AS a, CAST(adult_at_risk AS TEXT) AS b, merged_into AS c, CAST(NULL AS TEXT) AS d
              FROM subjects WHERE id = \(bind: id.rawValue)
            UNION ALL
            SELECT 'i', kind, value, system, CAST(verified AS TEXT) FROM subject_identifiers WHERE subject_id = \(bind: id.rawValue)
            UNION ALL
            SELECT 'p', document, created_at, id, CAST(NULL AS TEXT) FROM preferences WHERE subject_id = \(bind: id.rawValue)
            """
        ).all()
        guard let head = rows.first(where: { (try? $0.decode(column: "part", as: String.self)) == "s" }) else { return nil }
        if try head.decode(column: "c", as: String?.self) != nil { return nil }
        var subject = Subject(
            id: id,
            identifiers: [],
            dateOfBirth: try head.decode(column: "a", as: String?.self).flatMap(CalendarDate.init(iso:)),
            isAdultAtRisk: (try head.decode(column: "b", as: String?.self)).map { $0 != "0" } ?? false
        )
        var identifiers: [(kind: String, value: String, system: String, verified: Bool)] = []
        var preferences: [(createdAt: String, id: String, document: String)] = []
        for row in rows {
            switch try row.decode(column: "part", as: String.self) {
            case "i":
                identifiers.append(
                    (
                        try row.decode(column: "a", as: String.self), try row.decode(column: "b", as: String.self),
                        try row.decode(column: "c", as: String?.self) ?? "", (try row.decode(column: "d", as: String?.self)) != "0"
                    )
                )
            case "p":
                preferences.append(
                    (
                        try row.decode(column: "b", as: String.self), try row.decode(column: "c", as: String.self),
                        try row.decode(column: "a", as: String.self)
                    )
                )
            default: break
            }
        }
        // In the order the separate reads give them.
        for identifier in identifiers.sorted(by: { ($0.kind, $0.value) < ($1.kind, $1.value) }) {
            let kind = IdentityKind.Key(identifier.kind)
            subject.identifiers.append(.init(kind: kind, value: identifier.value, system: identifier.system.isEmpty ? nil : .init(identifier.system)))
            if kind == .email, identifier.verified { subject.verifiedEmails.append(identifier.value) }
        }
        let decoder = JSONDecoder()
        let documents = try preferences.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }).map {
            try decoder.decode(Preference.self, from: Data($0.document.utf8))
        }
        return (subject, documents)
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
