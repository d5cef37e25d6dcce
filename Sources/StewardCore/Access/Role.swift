import Foundation

/// What an API token may do. Every `/api/v1` route names the roles it admits.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// The Data Protection Officer and information governance team: everything.
    case dpo
    /// Staff handling rights requests and cases: read the data map, work requests.
    case caseworker
    /// A council application calling the gate: decisions only.
    case service
    /// Internal audit or the ICO: read the data map and the audit log, verify it.
    case auditor

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An API token as stored: never the secret itself, only its SHA-256.
public struct APIToken: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var role: Role
    public var createdAt: String
    public var createdBy: String
    public var revokedAt: String?

    public init(id: String, name: String, role: Role, createdAt: String, createdBy: String, revokedAt: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.revokedAt = revokedAt
    }
}

extension APIToken {
    /// A token's name as it is kept: trimmed, 1 to 100 characters, saying who or what uses it.
    public static func checkedName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else {
            throw StewardError(.invalidInput, "a token name must be 1 to 100 characters", field: "name")
        }
        return trimmed
    }
}
