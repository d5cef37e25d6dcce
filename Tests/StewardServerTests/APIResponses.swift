import Foundation
import StewardCore
import StewardStore

// Decodable mirrors of the bodies the server sends through types that are internal to
// StewardServer or only Encodable, so that tests read every response in the API's shape and fail
// when it drifts. A body whose own type is public and Decodable (`Subject`, `DecisionRecord`,
// `RequestService.View`, …) is decoded into that type instead.

/// The API's error body, `{"error": {"code", "message", "field"?, "details"?}}`.
struct ErrorResponse: Decodable {
    struct Detail: Decodable {
        var code: String
        var message: String
        var field: String?
        /// Every problem with an input, for an invalid data map.
        var details: [StewardError.Issue]?
    }

    var error: Detail
}

/// What a resident is told by the public routes. Decoding refuses any field beyond these, so two
/// answers that compare equal told the resident the same things.
struct PublicAnswerResponse: Decodable, Equatable {
    var reference: String
    var status: String
    var message: String
    var due: String?

    enum CodingKeys: String, CodingKey {
        case reference, status, message, due
    }

    init(from decoder: any Decoder) throws {
        if let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath + [unknown], debugDescription: "a public answer has no field '\(unknown.stringValue)'"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        reference = try container.decode(String.self, forKey: .reference)
        status = try container.decode(String.self, forKey: .status)
        message = try container.decode(String.self, forKey: .message)
        due = try container.decodeIfPresent(String.self, forKey: .due)
    }
}

/// A preference as the API shows it: a flat object with the fields its kind needs.
struct PreferenceResponse: Decodable {
    var id: String
    var kind: String
    var purpose: String?
    var recipient: String?
    var channels: [Channel]?
    var outcome: String?
    var reason: String?
    var ground: String?
    var given: String
    var expires: String?
    var withdrawn: String?
}

/// A category as `GET /api/v1/categories` lists it.
struct CategoryResponse: Listed {
    static var listKey: String { "categories" }

    var key: String
    var name: String
    var description: String
    var sensitivity: DataCategory.Sensitivity
    var isThirdParty: Bool
}

/// One result of `POST /api/v1/decisions/batch`, in request order: a decision or an error.
struct BatchResultResponse: Listed {
    static var listKey: String { "results" }

    var decision: DecisionRecord?
    var error: ErrorResponse.Detail?
}

/// A rectification's or erasure's answer from `POST /api/v1/requests/{id}/execute`.
struct ChangeAnswerResponse: Decodable {
    var complete: Bool
    var rowsChanged: Int
    var report: ChangeReport
}

/// An access request's dry run from `POST /api/v1/requests/{id}/execute`: what would be handed
/// over, without the values.
struct DryRunResponse: Decodable {
    var rows: Int
    /// Rows found, by `dataset.collection`.
    var collections: [String: Int]
    var redactions: [AccessResult.Redaction]
    var unconfirmed: [PersonSearch.Unconfirmed]
}

/// A page of `GET /api/v1/audit/entries`.
struct AuditEntriesPage: Decodable {
    var entries: [AuditEntry]
    /// Pass as `after` to read the next page; absent on the last page.
    var next: Int64?
}

/// The deadline recorded in the details of a request's audit entry: null when the step left the
/// request without one.
struct RecordedDue: Decodable {
    var due: String?
}

/// A type the API lists wrapped in an object under one key, such as `{"requests": [...]}`.
protocol Listed: Decodable {
    /// The key the list is under.
    static var listKey: String { get }
}

/// A list as the API sends it: the items under their type's key and, for a list read from the data
/// map, the version it came from.
struct Listing<Item: Listed>: Decodable {
    var items: [Item]
    var dataMapVersion: Int?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        items = try container.decode([Item].self, forKey: AnyKey(stringValue: Item.listKey))
        dataMapVersion = try container.decodeIfPresent(Int.self, forKey: AnyKey(stringValue: "dataMapVersion"))
    }
}

extension RequestService.Summary: Listed {
    static var listKey: String { "requests" }
}

extension Disclosure: Listed {
    static var listKey: String { "disclosures" }
}

extension System: Listed {
    static var listKey: String { "systems" }
}

/// Any field name, for bodies read by the names they hold.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
