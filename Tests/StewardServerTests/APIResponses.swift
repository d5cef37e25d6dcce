import Foundation
import StewardCore
import StewardServer
import StewardStore

// How the tests read the API's lists: each response is decoded into the type the server sends
// (`Subject`, `RequestService.View`, `ErrorBody`, …), so a change of the API's shape fails them.

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
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        items = try container.decode([Item].self, forKey: AnyCodingKey(stringValue: Item.listKey))
        dataMapVersion = try container.decodeIfPresent(Int.self, forKey: AnyCodingKey(stringValue: "dataMapVersion"))
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

extension CategoryBody: Listed {
    static var listKey: String { "categories" }
}

extension BatchResult: Listed {
    static var listKey: String { "results" }
}
