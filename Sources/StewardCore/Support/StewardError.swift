import Foundation

/// The one error type of Steward's domain: a code a program can switch on, a message that tells a
/// person what to fix, and where known the field (and file and line) at fault, the error that
/// caused it, and the place in Steward's source that raised it.
///
/// Transports map `code` to an HTTP status or an exit code in one place each. The cause and the
/// source location are for logs and debugging: they are never shown to a caller, since a cause
/// may carry a database's own words.
public struct StewardError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form a program can act on.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input is well formed but breaks a rule (an unknown key, a change its state does not
        /// allow); nothing was changed. HTTP 422.
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// The input is not what the API or the file format takes: not JSON, a field missing, of
        /// the wrong type, unknown, given twice or too long; nothing was changed. HTTP 400.
        public static let malformedInput = Code(rawValue: "malformed_input")
        /// The data map failed validation; nothing was stored.
        public static let invalidDataMap = Code(rawValue: "invalid_data_map")
        /// The configuration has a bad value; the program cannot start.
        public static let invalidConfiguration = Code(rawValue: "invalid_configuration")
        /// The thing asked for does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// No credentials, or credentials that are not valid.
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// Valid credentials whose role does not allow this.
        public static let forbidden = Code(rawValue: "forbidden")
        /// The request conflicts with the current state.
        public static let conflict = Code(rawValue: "conflict")
        /// A database or other dependency failed.
        public static let unavailable = Code(rawValue: "unavailable")
        /// Too many requests from one caller in a short time.
        public static let tooManyRequests = Code(rawValue: "too_many_requests")
        /// The body is not in a format the route takes (it takes JSON).
        public static let unsupportedMediaType = Code(rawValue: "unsupported_media_type")
        /// The audit log failed verification.
        public static let auditTampered = Code(rawValue: "audit_tampered")
        /// Steward itself went wrong: nothing the caller did, and nothing a dependency reported.
        public static let `internal` = Code(rawValue: "internal")
    }

    /// Where in Steward's source an error was raised.
    public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public var description: String { "\(file):\(line)" }
    }

    public private(set) var code: Code
    public private(set) var message: String
    /// The field at fault, as a dotted path a person can find (`recipients[2].agreements[0].ends`).
    public private(set) var field: String?
    /// Further problems found with the same input, each complete in itself (validation reports all).
    public private(set) var details: [Issue]
    /// The error this one was raised because of, if any.
    public private(set) var underlying: (any Error)?
    /// Where the error was raised.
    public let location: SourceLocation

    public init(
        _ code: Code,
        _ message: String,
        field: String? = nil,
        details: [Issue] = [],
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = Self.bounded(message)
        self.field = field.map(Self.bounded)
        self.details = details
        self.underlying = underlying
        self.location = SourceLocation(file: file, line: line)
    }

    /// The longest message or field name an error carries. Input is bounded where it is decoded
    /// (`InputLimits`), so a message quoting it stays short; this holds for input from anywhere else.
    public static let longestMessage = 2_000

    static func bounded(_ text: String) -> String {
        guard InputLimits.exceeds(text, longestMessage) != nil else { return text }
        return String(text.prefix(longestMessage - 1)) + "…"
    }

    /// `error` itself when it is Steward's own; otherwise a `code` error saying `message`, with
    /// `error` kept as its cause, so nothing is lost and nothing unknown is shown to a caller.
    public static func wrapping(
        _ error: any Error,
        _ code: Code,
        _ message: String,
        field: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) -> StewardError {
        error as? StewardError ?? StewardError(code, message, field: field, underlying: error, file: file, line: line)
    }

    /// The same error, at another field (an item of a list, say).
    public func at(field: String?) -> StewardError {
        var copy = self
        copy.field = field
        return copy
    }

    /// What a person reads: the message, the field, and every further problem on a line of its own.
    public var description: String {
        var text = message
        if let field { text += " (\(field))" }
        for issue in details { text += "\n  - \(issue)" }
        return text
    }

    /// Two errors are the same when they say the same thing; where they were raised, and why, do not count.
    public static func == (lhs: StewardError, rhs: StewardError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.field == rhs.field && lhs.details == rhs.details
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(field)
        hasher.combine(details)
    }

    /// One problem with one place in the input.
    public struct Issue: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The file the problem is in, relative to the folder loaded.
        public var file: String?
        /// The 1-based line in that file.
        public var line: Int?
        /// The field at fault.
        public var field: String?
        public var message: String

        public init(file: String? = nil, line: Int? = nil, field: String? = nil, message: String) {
            self.file = file
            self.line = line
            self.field = field
            self.message = message
        }

        public var description: String {
            var place = ""
            if let file { place += file }
            if let line { place += ":\(line)" }
            if let field { place += place.isEmpty ? field : " \(field)" }
            return place.isEmpty ? message : "\(place): \(message)"
        }
    }
}

extension StewardError {
    /// Words for a person about JSON that did not decode into what it should be, naming the field:
    /// the same for a body sent to the API and a file given to the command line.
    public init(decoding error: DecodingError, file: String = #fileID, line: Int = #line) {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            let field = parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)"
            self.init(.malformedInput, "missing required field '\(field)'", field: field, underlying: error, file: file, line: line)
        case .typeMismatch(let type, let context):
            self.init(
                .malformedInput,
                "'\(path(context))' has the wrong type; expected \(Self.jsonWords(for: type))",
                field: path(context),
                underlying: error,
                file: file,
                line: line
            )
        case .valueNotFound(let type, let context):
            self.init(
                .malformedInput,
                "'\(path(context))' must not be null; expected \(Self.jsonWords(for: type))",
                field: path(context),
                underlying: error,
                file: file,
                line: line
            )
        case .dataCorrupted(let context):
            let field = path(context)
            self.init(
                .malformedInput,
                field.isEmpty
                    ? "the body is not valid JSON"
                    : context.debugDescription.hasPrefix("Cannot initialize")
                        ? "'\(field)' is not one of the values it takes (the OpenAPI document lists them)"
                        : "'\(field)': \(context.debugDescription)",
                field: field.isEmpty ? nil : field,
                underlying: error,
                file: file,
                line: line
            )
        @unknown default:
            self.init(.malformedInput, "the body could not be read", underlying: error, file: file, line: line)
        }
    }

    /// A Swift type in the words of JSON: "a string", "a list", "an object".
    static func jsonWords(for type: Any.Type) -> String {
        var name = String(describing: type)
        while name.hasPrefix("Optional<") { name = String(name.dropFirst("Optional<".count).dropLast()) }
        if name.hasPrefix("Array<") || name.hasPrefix("[") && !name.contains(":") { return "a list" }
        switch name {
        case "String", "Substring": return "a string"
        case "Bool": return "true or false"
        case "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64": return "a whole number"
        case "Double", "Float", "Decimal": return "a number"
        default: return name.hasPrefix("Key<") || name.hasSuffix("ID") || name == "CalendarDate" ? "a string" : "an object"
        }
    }

    /// Decodes JSON given by a caller (`InputDecoder`): a malformed document, a missing, mistyped or
    /// unknown field is an `invalidInput` error naming the field; a `StewardError` thrown while
    /// decoding goes as it is.
    public static func decodingInput<Value: Decodable>(_ type: Value.Type, from data: some Sequence<UInt8>) throws -> Value {
        do {
            return try InputDecoder.decode(type, from: Data(data))
        } catch let error as DecodingError {
            throw StewardError(decoding: error)
        }
    }

    /// The same, for JSON already read (one item of a batch): no second parse.
    public static func decodingInput<Value: Decodable>(_ type: Value.Type, from tree: JSONValue) throws -> Value {
        do {
            return try InputDecoder.decode(type, from: tree)
        } catch let error as DecodingError {
            throw StewardError(decoding: error)
        }
    }
}
