import Foundation
import StewardCore
import Testing

@Suite("Strict input and the names it comes back with")
struct InputDecodingTests {
    struct Inner: Codable, Equatable {
        var reference: String
        var count: Int?
    }

    struct Body: Codable, Equatable {
        var name: String
        var items: [Inner]
        var tags: [String: String]?
    }

    static func decode(_ json: String) throws -> Body {
        try StewardError.decodingInput(Body.self, from: Data(json.utf8))
    }

    @Test("a field no type reads is refused, named with its place, at any depth")
    func unknownFields() throws {
        #expect(try Self.decode(#"{"name":"a","items":[{"reference":"r","count":2}],"tags":{"any":"key"}}"#).items[0].count == 2)
        for (json, field) in [
            (#"{"name":"a","items":[],"nmae":"b"}"#, "nmae"),
            (#"{"name":"a","items":[{"reference":"r"},{"reference":"s","cuont":1}]}"#, "items[1].cuont"),
        ] {
            let error = try #require(throws: StewardError.self) { try Self.decode(json) }
            #expect(error.code == .malformedInput)
            #expect(error.field == field)
            #expect(error.message.contains("unknown field '\(field)'"))
        }
        let takes = try #require(throws: StewardError.self) { try Self.decode(#"{"name":"a","items":[],"nmae":"b"}"#) }
        #expect(takes.message.contains("items, name or tags"), "\(takes.message)")
    }

    struct Upload: Codable {
        var files: [String: String]
        var reference: String?
    }

    @Test("limits go by the field's name: a list's items by the list's, a map's values by the map's with {}, and keys are bounded too")
    func limitsByName() throws {
        func refusal<Value: Decodable>(_ type: Value.Type, _ json: String) -> StewardError? {
            #expect(throws: StewardError.self) { try StewardError.decodingInput(type, from: Data(json.utf8)) }
            do {
                _ = try StewardError.decodingInput(type, from: Data(json.utf8))
                return nil
            } catch {
                return error as? StewardError
            }
        }
        let reference = String(repeating: "r", count: InputLimits.maxLength("reference"))
        #expect(try Self.decode(#"{"name":"a","items":[{"reference":"\#(reference)"}]}"#).items[0].reference == reference)
        let long = refusal(Body.self, #"{"name":"a","items":[{"reference":"r"},{"reference":"\#(reference)r"}]}"#)
        #expect(long?.field == "items[1].reference")
        #expect(long?.message == "'items[1].reference' is 2001 characters long; it takes at most 2000")
        // A map's values are `files{}`: a council's dataset file may be long; any other string may not.
        let file = String(repeating: "f", count: 100_000)
        #expect(try StewardError.decodingInput(Upload.self, from: Data(#"{"files":{"a.yaml":"\#(file)"}}"#.utf8)).files["a.yaml"] == file)
        // A file named like a field is still a file.
        #expect(try StewardError.decodingInput(Upload.self, from: Data(#"{"files":{"code":"\#(file)"}}"#.utf8)).files["code"] == file)
        #expect(refusal(Body.self, #"{"name":"a","items":[],"tags":{"k":"\#(file)"}}"#)?.field == "tags.k")
        let key = String(repeating: "k", count: InputLimits.text + 1)
        #expect(refusal(Upload.self, #"{"files":{"\#(key)":"x"}}"#)?.field == "files")
        let many = "[" + Array(repeating: #"{"reference":"r"}"#, count: InputLimits.items + 1).joined(separator: ",") + "]"
        #expect(refusal(Body.self, #"{"name":"a","items":\#(many)}"#)?.message == "'items' has 1001 items; it takes at most 1000")
        // Characters, not bytes: 2,000 two-byte letters are within the limit.
        let accented = String(repeating: "é", count: 2_000)
        #expect(try Self.decode(#"{"name":"a","items":[{"reference":"\#(accented)"}]}"#).items[0].reference == accented)
    }

    @Test("a field given twice is refused, named; a string holding braces, quotes and commas is only a string")
    func duplicateFields() throws {
        let twice = try #require(throws: StewardError.self) { try Self.decode(#"{"name":"a","items":[{"reference":"r","reference":"s"}]}"#) }
        #expect(twice.field == "items[0].reference")
        let escaped = try #require(throws: StewardError.self) { try Self.decode(#"{"name":"a","\u006eame":"b","items":[]}"#) }
        #expect(escaped.field == "name")
        let tricky = #"{"name":"a \"name\": {[,]}","items":[{"reference":"\\"},{"reference":"name"}]}"#
        #expect(try Self.decode(tricky).items.map(\.reference) == ["\\", "name"])
        let deep = try #require(throws: StewardError.self) {
            try Self.decode(#"{"name":"a","items":[],"tags":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}")
        }
        #expect(deep.field == "body" && deep.message.contains("more than 32 deep"))
    }

    @Test("missing, mistyped, null and fractional values are errors naming the field; whole numbers read as numbers")
    func typedFields() throws {
        let cases: [(String, String)] = [
            (#"{"items":[]}"#, "name"),
            (#"{"name":3,"items":[]}"#, "name"),
            (#"{"name":null,"items":[]}"#, "name"),
            (#"{"name":"a","items":[{"reference":"r","count":2.5}]}"#, "items[0].count"),
            (#"{"name":"a","items":[{"reference":"r","count":"2"}]}"#, "items[0].count"),
        ]
        for (json, field) in cases {
            let error = try #require(throws: StewardError.self) { try Self.decode(json) }
            #expect(error.field == field, "\(json)")
            // In the words of JSON, never Swift's.
            for swift in ["String", "Int", "Dictionary", "Array", "JSONValue", "Optional"] {
                #expect(!error.message.contains(swift), "\(error.message)")
            }
        }
        let object = try #require(throws: StewardError.self) { try Self.decode(#"{"name":"a","items":[3]}"#) }
        #expect(object.message == "'items[0]' has the wrong type; expected an object")
        let list = try #require(throws: StewardError.self) { try Self.decode(#"{"name":"a","items":{}}"#) }
        #expect(list.message == "'items' has the wrong type; expected a list")
        #expect(try Self.decode(#"{"name":"a","items":[{"reference":"r","count":2.0}]}"#).items[0].count == 2)
        #expect(throws: StewardError.self) { try Self.decode("not json") }
    }

    @Test("a request's events come back named as they were sent, and requests stored the old way still read")
    func eventNames() throws {
        let event = RightsRequest.Event(
            date: CalendarDate(iso: "2026-03-20")!,
            change: .refused(ground: .excessive, reasons: "third request this month"),
            actor: "token:ig"
        )
        let written = try JSONValue.parse(JSONEncoder().encode(event))
        #expect(
            written
                == ["date": "2026-03-20", "change": "refused", "actor": "token:ig", "ground": "excessive", "reasons": "third request this month"]
        )
        #expect(try JSONDecoder().decode(RightsRequest.Event.self, from: JSONEncoder().encode(event)) == event)
        let stored = #"{"date":"2026-03-05","actor":"requester","change":{"identityVerified":{"_0":{"method":"email_code"}}}}"#
        let old = try JSONDecoder().decode(RightsRequest.Event.self, from: Data(stored.utf8))
        #expect(old.change == .identityVerified(IdentityCheck(method: .emailCode)))
        let extended = #"{"date":"2026-03-05","actor":"a","change":{"extended":{"reasons":"six systems"}}}"#
        #expect(try JSONDecoder().decode(RightsRequest.Event.self, from: Data(extended.utf8)).change == .extended(reasons: "six systems"))
    }
}

extension JSONValue {
    static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }
}
