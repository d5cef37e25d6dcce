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
            #expect(error.code == .invalidInput)
            #expect(error.field == field)
            #expect(error.message.contains("unknown field '\(field)'"))
        }
        let takes = try #require(throws: StewardError.self) { try Self.decode(#"{"name":"a","items":[],"nmae":"b"}"#) }
        #expect(takes.message.contains("items, name or tags"), "\(takes.message)")
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
        }
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
