public import Foundation

/// Decodes JSON a caller sent — an API body, a file given to the command line — strictly: besides
/// the usual checks (valid JSON, required fields present, each of its type), a field the type does
/// not read is an error naming it. A misspelt or unsupported field is never silently ignored: a
/// decision asked "as at" a date in a field the gate does not know would otherwise be decided as of
/// today, and an erasure policy that went unread would mask everything.
///
/// It works for every `Decodable` type without code of its own: the document is read into a tree,
/// the type decodes itself from the tree, and every field the type asked for is noted. An object
/// read by its keys (a dictionary, or a type that lists `allKeys`) accepts any field.
///
/// Every string and list is held to `InputLimits`, a field named twice in one object is refused
/// rather than one of the two silently winning, and objects and lists may nest `InputLimits.depth`
/// deep.
public enum InputDecoder {
    public static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
        try JSONShape.check(data)
        let tree = try JSONDecoder().decode(JSONValue.self, from: data)
        return try decode(type, from: tree)
    }

    /// Decodes a value already read as JSON, with the same strictness.
    public static func decode<Value: Decodable>(_ type: Value.Type, from tree: JSONValue) throws -> Value {
        let log = ReadLog()
        let value = try Value(from: TreeDecoder(tree, path: [], log: log))
        if let (path, field, known) = log.unread(in: tree, path: "") {
            let full = (path.isEmpty ? "" : path + ".") + field
            let takes = known.isEmpty ? "" : "; this takes \(RightsRequest.listed(known.sorted()))"
            throw StewardError(.malformedInput, "unknown field '\(full)'\(takes)", field: full)
        }
        return value
    }
}

/// The field names each object was asked for, by its place in the document.
private final class ReadLog {
    var asked: [String: Set<String>] = [:]
    var readByKeys: Set<String> = []

    func ask(_ key: String, at path: String) { asked[path, default: []].insert(key) }

    /// The first field no decoder asked for, with its object's place and the fields it takes.
    func unread(in value: JSONValue, path: String) -> (String, String, Set<String>)? {
        switch value {
        case .object(let members):
            let open = readByKeys.contains(path)
            let known = asked[path] ?? []
            for key in members.keys.sorted() {
                let place = (path.isEmpty ? "" : path + ".") + key
                if !open, !known.contains(key) { return (path, key, known) }
                if let found = unread(in: members[key]!, path: place) { return found }
            }
            return nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = unread(in: item, path: "\(path)[\(index)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }
}

/// A coding path written as the errors name fields: `requests[2].justification.type`.
private func place(_ path: [any CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
}

/// The name `InputLimits` knows a value by: its field's name, past any list index; a map's value
/// is its map's name with `{}`.
private func limitName(_ path: [any CodingKey], _ log: ReadLog) -> String {
    var end = path.count
    while end > 0, path[end - 1].intValue != nil { end -= 1 }
    guard end > 0 else { return "" }
    let key = path[end - 1].stringValue
    // A key of an object read by its keys is a map's key (a data-map upload's file name), unless it
    // is a field `InputLimits` names: an item of a batch is read as JSON first, field by field.
    // Nothing is read by its keys in most bodies, and then no place need be written out.
    guard !log.readByKeys.isEmpty else { return key }
    let parent = Array(path[..<(end - 1)])
    guard log.readByKeys.contains(place(parent)) else { return key }
    // A map the limits name (`files{}`) holds values of its own limit whatever their keys.
    let map = limitName(parent, log) + "{}"
    if InputLimits.lengths[map] != nil || InputLimits.counts[key] == nil && InputLimits.lengths[key] == nil { return map }
    return key
}

private func checkLength(_ text: String, _ path: [any CodingKey], _ log: ReadLog) throws {
    let limit = InputLimits.maxLength(limitName(path, log))
    guard let length = InputLimits.exceeds(text, limit) else { return }
    let field = place(path)
    throw StewardError(.malformedInput, "'\(field)' is \(length) characters long; it takes at most \(limit)", field: field)
}

private func checkCount(_ count: Int, _ path: [any CodingKey], _ log: ReadLog) throws {
    let limit = InputLimits.maxItems(limitName(path, log))
    guard count > limit else { return }
    let field = place(path)
    throw StewardError(.malformedInput, "'\(field)' has \(count) items; it takes at most \(limit)", field: field)
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue!)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct TreeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let log: ReadLog
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: JSONValue, path: [any CodingKey], log: ReadLog) {
        self.value = value
        self.codingPath = path
        self.log = log
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw mismatch([String: JSONValue].self, value, codingPath)
        }
        if let long = members.keys.first(where: { InputLimits.exceeds($0, InputLimits.text) != nil }) {
            let field = place(codingPath)
            throw StewardError(
                .malformedInput,
                "\(field.isEmpty ? "the body" : "'\(field)'") has a key of \(long.count) characters; keys take at most \(InputLimits.text)",
                field: field.isEmpty ? "body" : field
            )
        }
        return KeyedDecodingContainer(KeyedTree<Key>(members: members, codingPath: codingPath, place: place(codingPath), log: log))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch([JSONValue].self, value, codingPath) }
        try checkCount(items.count, codingPath, log)
        return UnkeyedTree(items: items, codingPath: codingPath, log: log)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleTree(value: value, codingPath: codingPath, log: log) }
}

private func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
    if value == .null {
        return .valueNotFound(type, .init(codingPath: path, debugDescription: "null where a value was expected"))
    }
    return .typeMismatch(type, .init(codingPath: path, debugDescription: "a value of another type"))
}

/// Reads a scalar, or hands anything else to the type's own decoder.
private func unbox<T: Decodable>(_ type: T.Type, _ value: JSONValue, _ path: [any CodingKey], _ log: ReadLog) throws -> T {
    switch (type, value) {
    case (is String.Type, .string(let text)):
        try checkLength(text, path, log)
        return text as! T
    case (is Bool.Type, .bool(let flag)): return flag as! T
    case (is Double.Type, .double(let number)): return number as! T
    case (is Double.Type, .int(let number)): return Double(number) as! T
    case (is Float.Type, .double(let number)): return Float(number) as! T
    case (is Float.Type, .int(let number)): return Float(number) as! T
    case (is any FixedWidthInteger.Type, .int(let number)):
        guard let integer = (type as! any FixedWidthInteger.Type).init(exactly: number) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(number) does not fit in \(type)"))
        }
        return integer as! T
    case (is any FixedWidthInteger.Type, .double(let number)):
        guard number.rounded() == number, let whole = Int(exactly: number),
            let integer = (type as! any FixedWidthInteger.Type).init(exactly: whole)
        else {
            throw DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "\(number) is not a whole number"))
        }
        return integer as! T
    case (is String.Type, _), (is Bool.Type, _), (is Double.Type, _), (is Float.Type, _), (is any FixedWidthInteger.Type, _):
        throw mismatch(type, value, path)
    default:
        return try T(from: TreeDecoder(value, path: path, log: log))
    }
}

private struct KeyedTree<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let codingPath: [any CodingKey]
    /// `codingPath` as the log names it, worked out once for every field of the object.
    let place: String
    let log: ReadLog

    var allKeys: [Key] {
        log.readByKeys.insert(place)
        return members.keys.compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        log.ask(key.stringValue, at: place)
        return members[key.stringValue] != nil
    }

    func member(_ key: Key) throws -> JSONValue {
        log.ask(key.stringValue, at: place)
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for '\(key.stringValue)'"))
        }
        return value
    }

    /// Never: a field given as `null` is not a field left out. An optional field sent as null is
    /// refused ("must not be null"), as the API document, which marks no such field nullable, says;
    /// a field that takes any JSON (`JSONValue`) still reads null as a value.
    func decodeNil(forKey key: Key) throws -> Bool {
        _ = try member(key)
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try unbox(type, try member(key), codingPath + [key], log)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try unbox(type, try member(key), codingPath + [key], log) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try unbox(type, try member(key), codingPath + [key], log) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try TreeDecoder(try member(key), path: codingPath + [key], log: log).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(try member(key), path: codingPath + [key], log: log).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        TreeDecoder(.object(members), path: codingPath, log: log)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        TreeDecoder(try member(key), path: codingPath + [key], log: log)
    }
}

private struct UnkeyedTree: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [any CodingKey]
    let log: ReadLog
    var currentIndex = 0

    init(items: [JSONValue], codingPath: [any CodingKey], log: ReadLog) {
        self.items = items
        self.codingPath = codingPath
        self.log = log
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    mutating func next() throws -> (JSONValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: codingPath, debugDescription: "the list has no more items"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: String.Type) throws -> String {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Double.Type) throws -> Double {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Float.Type) throws -> Float {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Int.Type) throws -> Int {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Int8.Type) throws -> Int8 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Int16.Type) throws -> Int16 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Int32.Type) throws -> Int32 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: Int64.Type) throws -> Int64 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: UInt.Type) throws -> UInt {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 {
        let (value, path) = try next()
        return try unbox(type, value, path, log)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next()
        return try TreeDecoder(value, path: path, log: log).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try TreeDecoder(value, path: path, log: log).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next()
        return TreeDecoder(value, path: path, log: log)
    }
}

private struct SingleTree: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let log: ReadLog

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unbox(type, value, codingPath, log) }
    func decode(_ type: Bool.Type) throws -> Bool { try unbox(type, value, codingPath, log) }
    func decode(_ type: String.Type) throws -> String { try unbox(type, value, codingPath, log) }
    func decode(_ type: Double.Type) throws -> Double { try unbox(type, value, codingPath, log) }
    func decode(_ type: Float.Type) throws -> Float { try unbox(type, value, codingPath, log) }
    func decode(_ type: Int.Type) throws -> Int { try unbox(type, value, codingPath, log) }
    func decode(_ type: Int8.Type) throws -> Int8 { try unbox(type, value, codingPath, log) }
    func decode(_ type: Int16.Type) throws -> Int16 { try unbox(type, value, codingPath, log) }
    func decode(_ type: Int32.Type) throws -> Int32 { try unbox(type, value, codingPath, log) }
    func decode(_ type: Int64.Type) throws -> Int64 { try unbox(type, value, codingPath, log) }
    func decode(_ type: UInt.Type) throws -> UInt { try unbox(type, value, codingPath, log) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try unbox(type, value, codingPath, log) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try unbox(type, value, codingPath, log) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try unbox(type, value, codingPath, log) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try unbox(type, value, codingPath, log) }
}
