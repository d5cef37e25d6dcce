public import Foundation
public import StewardCore

// The bodies the API answers with that are its own, rather than a domain value encoded as it is
// (`Subject`, `DecisionRecord`, `RequestService.View`, …). They are public and decodable so that
// clients and the tests read them as the types they are.

/// The API's error body, `{"error": {"code", "message", "field"?, "details"?}}`.
public struct ErrorBody: Codable, Sendable {
    public struct Detail: Codable, Sendable {
        public var code: String
        public var message: String
        public var field: String?
        /// Every problem with an input, for an invalid data map.
        public var details: [StewardError.Issue]?
    }

    public var error: Detail
}

/// What a resident is told by the public routes: never anything about the person or what the
/// council holds. It reads back only these fields, so two answers that compare equal told the
/// resident the same things.
public struct PublicAnswer: Codable, Sendable, Equatable {
    public var reference: String
    public var status: String
    public var message: String
    public var due: String?

    init(reference: String, status: String, message: String, due: String? = nil) {
        self.reference = reference
        self.status = status
        self.message = message
        self.due = due
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case reference, status, message, due
    }

    public init(from decoder: any Decoder) throws {
        try decoder.refuseUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reference = try container.decode(String.self, forKey: .reference)
        status = try container.decode(String.self, forKey: .status)
        message = try container.decode(String.self, forKey: .message)
        due = try container.decodeIfPresent(String.self, forKey: .due)
    }
}

/// A rectification's, erasure's, restriction's or objection's answer from
/// `POST /api/v1/requests/{id}/execute`.
public struct ChangeAnswer: Codable, Sendable {
    public var complete: Bool
    public var rowsChanged: Int
    public var report: ChangeReport
}

/// An access request's dry run from `POST /api/v1/requests/{id}/execute`: what would be handed
/// over, without the values.
public struct DryRun: Codable, Sendable {
    public var rows: Int
    /// Rows found, by `dataset.collection`.
    public var collections: [String: Int]
    public var redactions: [AccessResult.Redaction]
    public var unconfirmed: [PersonSearch.Unconfirmed]
}

/// One result of `POST /api/v1/decisions/batch`, in request order: a decision or an error.
public struct BatchResult: Codable, Sendable {
    public var decision: DecisionRecord?
    public var error: ErrorBody.Detail?
}

/// A page of `GET /api/v1/audit/entries`.
public struct AuditEntriesBody: Codable, Sendable {
    public var entries: [AuditEntry]
    /// Pass as `after` to read the next page; absent on the last page.
    public var next: Int64?
}

/// A category as `GET /api/v1/categories` lists it.
public struct CategoryBody: Codable, Sendable {
    public var key: DataCategory.Key
    public var name: String
    public var description: String
    public var sensitivity: DataCategory.Sensitivity
    public var isThirdParty: Bool
}
