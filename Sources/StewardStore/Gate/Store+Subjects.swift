import Foundation
import SQLKit
public import StewardCore

extension Store {
    public func createSubject(
        identifiers: [Subject.Identifier],
        dateOfBirth: CalendarDate?,
        isAdultAtRisk: Bool,
        verifiedEmails: [String] = [],
        actor: String
    ) async throws -> Subject {
        // Checked by the caller already; checking again costs nothing and keeps a direct call safe.
        let normalised = try Subject.Identifier.checked(identifiers)
        let verified = Set(try Subject.Identifier.normalisedEmails(verifiedEmails, at: "verifiedEmails"))
        let id = Subject.ID(UUID().uuidString.lowercased())
        let now = AuditChain.timestamp()
        return try await writeAudited { database in
            for identifier in normalised {
                if try await Self.owner(of: identifier, on: database) != nil {
                    throw StewardError(
                        .conflict,
                        "a subject with this \(identifier.kind) already exists; find it instead",
                        field: "identifiers.\(identifier.kind)"
                    )
                }
            }
            try await database.raw(
                """
                INSERT INTO subjects (id, date_of_birth, adult_at_risk, created_at, created_by)
                VALUES (\(bind: id.rawValue), \(bind: dateOfBirth?.description), \(bind: isAdultAtRisk ? 1 : 0), \(bind: now), \(bind: actor))
                """
            ).run()
            for identifier in Set(normalised) {
                let isVerified = identifier.kind == .email && verified.contains(identifier.value)
                try await database.raw(
                    """
                    INSERT INTO subject_identifiers (kind, value, system, subject_id, verified)
                    VALUES (\(bind: identifier.kind.rawValue), \(bind: identifier.value), \(bind: identifier.system?.rawValue ?? ""), \(bind: id.rawValue), \(bind: isVerified ? 1 : 0))
                    """
                ).run()
            }
            let subject = try await Self.subject(id, on: database)!
            let event = AuditEvent(
                actor: actor,
                action: .subjectCreate,
                object: "subject/\(id)",
                details: ["identifierKinds": .array(Set(normalised.map(\.kind)).sorted().map { .string($0.rawValue) })]
            )
            return (subject, [event])
        }
    }

    /// The person all the given identifiers belong to (name and date of birth together, say), after
    /// any merge; nil when there is no such single person.
    public func findSubject(identifiers: [Subject.Identifier]) async throws -> Subject? {
        let normalised = try Subject.Identifier.checked(identifiers)
        return try await handle.read { database in
            guard let owner = try await Self.owner(ofAll: normalised, on: database) else { return nil }
            return try await Self.subject(owner, on: database)
        }
    }

    /// The one subject every identifier belongs to, or nil.
    static func owner(ofAll identifiers: [Subject.Identifier], on database: any SQLDatabase) async throws -> Subject.ID? {
        var owner: String?
        for identifier in identifiers {
            guard let found = try await Self.owner(of: identifier, on: database), owner == nil || owner == found else { return nil }
            owner = found
        }
        return owner.map { .init($0) }
    }

    /// A person by id; a merged record leads to the record it was merged into.
    public func subject(_ id: Subject.ID) async throws -> Subject? {
        try await handle.read { database in try await Self.subject(id, on: database) }
    }

    static func owner(of identifier: Subject.Identifier, on database: any SQLDatabase) async throws -> String? {
        try await database.raw(
            "SELECT subject_id FROM subject_identifiers WHERE kind = \(bind: identifier.kind.rawValue) AND value = \(bind: identifier.value) AND system = \(bind: identifier.system?.rawValue ?? "")"
        ).first()?.decode(column: "subject_id", as: String.self)
    }

    static func subject(_ id: Subject.ID, on database: any SQLDatabase) async throws -> Subject? {
        var current = id.rawValue
        for _ in 0..<16 {
            guard
                let row = try await database.raw("SELECT id, date_of_birth, adult_at_risk, merged_into FROM subjects WHERE id = \(bind: current)")
                    .first()
            else { return nil }
            let stored = try row.model(SubjectColumns.self)
            if let next = stored.mergedInto {
                current = next
                continue
            }
            let identifiers = try await database.raw(
                "SELECT kind, value, system, verified FROM subject_identifiers WHERE subject_id = \(bind: current) ORDER BY kind, value"
            ).all().map { try $0.model(IdentifierColumns.self) }
            var subject = Subject(
                id: .init(current),
                identifiers: [],
                dateOfBirth: stored.dateOfBirth.flatMap(CalendarDate.init(iso:)),
                isAdultAtRisk: stored.adultAtRisk != 0
            )
            for identifier in identifiers {
                subject.identifiers.append(
                    .init(kind: identifier.kind, value: identifier.value, system: identifier.system.isEmpty ? nil : .init(identifier.system))
                )
                if identifier.kind == .email, identifier.verified != 0 { subject.verifiedEmails.append(identifier.value) }
            }
            return subject
        }
        return nil
    }

    /// Merges two records of one person: `from`'s identifiers, preferences and disclosures move to
    /// `into`, and `from` is kept, marked as merged, so its history and old id still lead somewhere.
    public func mergeSubjects(from: Subject.ID, into: Subject.ID, actor: String) async throws -> Subject {
        try await writeAudited { database in
            guard let source = try await Self.subject(from, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(from)'", field: "from")
            }
            guard let target = try await Self.subject(into, on: database) else {
                throw StewardError(.notFound, "no subject with id '\(into)'", field: "id")
            }
            guard source.id != target.id else { throw StewardError(.conflict, "these records are already merged", field: "from") }
            for table in ["subject_identifiers", "preferences", "disclosures"] {
                try await database.raw(
                    "UPDATE \(ident: table) SET subject_id = \(bind: target.id.rawValue) WHERE subject_id = \(bind: source.id.rawValue)"
                ).run()
            }
            try await database.raw("UPDATE subjects SET merged_into = \(bind: target.id.rawValue) WHERE id = \(bind: source.id.rawValue)").run()
            if target.dateOfBirth == nil, let born = source.dateOfBirth {
                try await database.raw("UPDATE subjects SET date_of_birth = \(bind: born.description) WHERE id = \(bind: target.id.rawValue)").run()
            }
            if source.isAdultAtRisk {
                try await database.raw("UPDATE subjects SET adult_at_risk = 1 WHERE id = \(bind: target.id.rawValue)").run()
            }
            let merged = try await Self.subject(target.id, on: database)!
            let event = AuditEvent(
                actor: actor,
                action: .subjectMerge,
                object: "subject/\(target.id)",
                details: ["from": .string(source.id.rawValue)]
            )
            return (merged, [event])
        }
    }
}

/// A person as the `subjects` table holds them.
private struct SubjectColumns: Decodable {
    var dateOfBirth: String?
    var adultAtRisk: Int
    var mergedInto: String?
}

/// An identifier as `subject_identifiers` holds it: no system is an empty string, so the
/// uniqueness of kind, value and system holds for identifiers without one too.
private struct IdentifierColumns: Decodable {
    var kind: IdentityKind.Key
    var value: String
    var system: String
    var verified: Int
}
