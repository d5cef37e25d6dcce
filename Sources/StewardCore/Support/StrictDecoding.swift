extension Decoder {
    /// Refuses a keyed value holding a field `Keys` does not name, naming the field: a misspelt
    /// field is an error, never silently ignored (an erasure whose policy went unread would mask
    /// everything with null).
    public func refuseUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let given = try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        if let unknown = given.sorted().first(where: { !known.contains($0) }) {
            let path = (codingPath.map(\.stringValue) + [unknown]).joined(separator: ".")
            throw StewardError(
                .malformedInput,
                "unknown field '\(unknown)'; this takes \(RightsRequest.listed(Keys.allCases.map(\.stringValue)))",
                field: path
            )
        }
    }
}

/// Any field name, for values read by the names they hold.
public struct AnyCodingKey: CodingKey, Sendable {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
