import Foundation
public import HTTPTypes
public import Hummingbird
public import StewardCore
import StewardStore

/// One API route and the roles it admits. The router is built from these, so no route can be added
/// without saying who may call it, and tests compare them with the OpenAPI document.
public struct RoutePolicy: Sendable, Hashable {
    public var method: HTTPRequest.Method
    /// The path in OpenAPI form (`/api/v1/systems/{key}`).
    public var path: String
    public var roles: Set<Role>
}

/// Groups of roles used by routes.
extension Set where Element == Role {
    /// Anyone who may read the data map: everyone but the gate's service accounts.
    static let dataMapReaders: Set<Role> = [.dpo, .caseworker, .auditor]
    /// Those who may read and verify the audit log.
    static let auditReaders: Set<Role> = [.dpo, .auditor]
    /// Those who may change the data map.
    static let dataMapWriters: Set<Role> = [.dpo]
    /// Those who record people and what they said.
    static let subjectWriters: Set<Role> = [.dpo, .caseworker]
    /// Those who may read a person's disclosure log.
    static let disclosureReaders: Set<Role> = [.dpo, .caseworker, .auditor]
    /// Those who may ask the gate: council applications and staff.
    static let decisionMakers: Set<Role> = [.dpo, .caseworker, .service]
    /// Those who may ask the gate what it would decide, or would have decided, on another day:
    /// the DPO, and auditors checking past decisions.
    static let whatIfAskers: Set<Role> = [.dpo, .auditor]
    /// Those who register and check the council's own databases.
    static let sourceAdministrators: Set<Role> = [.dpo]
    /// Those who may see which sources are registered (never their credentials).
    static let sourceReaders: Set<Role> = [.dpo, .auditor]
    /// Those who work rights requests.
    static let requestWorkers: Set<Role> = [.dpo, .caseworker]
    /// Those who may read rights requests: workers, and auditors checking deadlines were met.
    static let requestReaders: Set<Role> = [.dpo, .caseworker, .auditor]
    /// Those who run sweeps, place and lift holds, decide reviews and pause sweeps: the DPO.
    static let retentionOperators: Set<Role> = [.dpo]
    /// Those who may read sweeps, certificates, holds, reviews and the compliance view.
    static let retentionReaders: Set<Role> = [.dpo, .auditor]
}

/// Finds the token of a request's `Authorization: Bearer` header and checks its role.
struct Authenticator: Sendable {
    let store: Store

    func authenticate(_ request: Request, roles: Set<Role>) async throws -> APIToken {
        guard let header = request.headers[.authorization] else {
            throw StewardError(.unauthenticated, "this route needs an API token: send 'Authorization: Bearer <token>'", field: "Authorization")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw StewardError(.unauthenticated, "the Authorization header must be 'Bearer <token>'", field: "Authorization")
        }
        guard let token = try await store.authenticate(secret: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw StewardError(.unauthenticated, "the API token is not valid or has been revoked", field: "Authorization")
        }
        guard roles.contains(token.role) else {
            let allowed = roles.sorted().map(\.rawValue).joined(separator: " or ")
            throw StewardError(.forbidden, "a token with role '\(token.role.rawValue)' may not do this; it needs \(allowed)")
        }
        return token
    }
}
