/// How much a caller may send: the longest string and the most items each field takes, by the
/// field's name, wherever it appears, and a default for every other. `InputDecoder` enforces them
/// on every API body and every file given to the command line, so no handler has a limit of its
/// own; the OpenAPI document states the same numbers (`maxLength`, `maxItems`), and a test holds
/// the two together.
public enum InputLimits {
    /// The most bytes a JSON body may have (the data-map upload, which carries a council's files,
    /// takes `dataMapBody`).
    public static let body = 1 << 20
    public static let dataMapBody = 16 << 20
    /// The deepest objects and lists may nest.
    public static let depth = 32

    /// Characters in a string whose field is not named below, and in an object's key.
    public static let text = 1_000
    /// Items in a list whose field is not named below.
    public static let items = 1_000

    /// The longest string each named field takes. Map values are named `field{}` (a data-map
    /// upload's `files{}`).
    public static let lengths: [String: Int] = {
        var lengths: [String: Int] = [:]
        for date in [
            "asOf", "date", "dateOfBirth", "expires", "given", "received", "withdrawn", "noticeGiven", "on", "startsOn", "reviewOn", "keepUntil",
        ] {
            lengths[date] = 10
        }
        for key in [
            "system", "purpose", "recipient", "categories", "dataset", "collection", "field", "deleteCollections", "legalHolds", "kind", "id",
            "subject", "from", "owner", "checkedBy", "ground", "until", "name", "relationship", "rule",
        ] {
            lengths[key] = 200
        }
        for words in ["evidence", "reference", "statement", "officer", "organisation", "personDescription", "reason", "reasons", "note", "value"] {
            lengths[words] = 2_000
        }
        lengths["code"] = 20
        lengths["email"] = 254
        lengths["verifiedEmails"] = 254
        lengths["location"] = 500
        lengths["postalAddress"] = 500
        lengths["description"] = 20_000
        lengths["files{}"] = 4_000_000
        // A hold's filter: each field with the value it must hold.
        lengths["filter{}"] = 2_000
        return lengths
    }()

    /// The most items each named list takes.
    public static let counts: [String: Int] = [
        "identifiers": 20, "verifiedEmails": 20, "categories": 100, "channels": 10, "requests": 1_000,
    ]

    public static func maxLength(_ field: String) -> Int { lengths[field] ?? text }
    public static func maxItems(_ field: String) -> Int { counts[field] ?? items }

    /// A string's length check in Unicode code points, as JSON Schema's `maxLength` counts, cheap
    /// for the usual short string: code points are never more than UTF-8 bytes, so only a long one
    /// is counted.
    static func exceeds(_ text: String, _ limit: Int) -> Int? {
        guard text.utf8.count > limit else { return nil }
        let characters = text.unicodeScalars.count
        return characters > limit ? characters : nil
    }
}
