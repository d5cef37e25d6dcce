import Foundation

/// Reads a JSON document's structure before it is decoded, for the two things a JSON parser lets
/// pass or reports without a field: a field named twice in one object (parsers keep one of the two
/// silently) and nesting deeper than `InputLimits.depth`. Malformed JSON is left to the parser,
/// which says what is wrong with it.
enum JSONShape {
    private struct Level {
        var isObject: Bool
        var expectingKey: Bool
        var keys: Set<[UInt8]> = []
        /// The key being read in an object, or the index of the item in a list.
        var name: String?
        var index = 0

        init(isObject: Bool) {
            self.isObject = isObject
            self.expectingKey = isObject
        }
    }

    static func check(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var levels: [Level] = []
            var index = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    let start = index + 1
                    index = start
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                        if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                        index += 1
                    }
                    if let last = levels.indices.last, levels[last].isObject, levels[last].expectingKey {
                        var key = Array(bytes[start..<min(index, bytes.count)])
                        // `"\u0073ystem"` is `"system"`: a key with escapes is compared unescaped.
                        if key.contains(UInt8(ascii: "\\")),
                            let text = try? JSONDecoder().decode(String.self, from: Data([UInt8(ascii: "\"")] + key + [UInt8(ascii: "\"")]))
                        {
                            key = Array(text.utf8)
                        }
                        levels[last].name = String(decoding: key, as: UTF8.self)
                        levels[last].expectingKey = false
                        guard levels[last].keys.insert(key).inserted else {
                            let field = path(levels)
                            throw StewardError(.malformedInput, "'\(field)' is given twice; give each field once", field: field)
                        }
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    levels.append(Level(isObject: bytes[index] == UInt8(ascii: "{")))
                    guard levels.count <= InputLimits.depth else {
                        throw StewardError(
                            .malformedInput,
                            "the body nests objects and lists more than \(InputLimits.depth) deep; at most \(InputLimits.depth) are taken",
                            field: "body"
                        )
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    _ = levels.popLast()
                case UInt8(ascii: ","):
                    if let last = levels.indices.last {
                        if levels[last].isObject { levels[last].expectingKey = true } else { levels[last].index += 1 }
                    }
                default:
                    break
                }
                index += 1
            }
        }
    }

    /// The place of the innermost value being read, as errors name fields.
    private static func path(_ levels: [Level]) -> String {
        var text = ""
        for level in levels {
            if level.isObject {
                text += (text.isEmpty ? "" : ".") + (level.name ?? "")
            } else {
                text += "[\(level.index)]"
            }
        }
        return text
    }
}
