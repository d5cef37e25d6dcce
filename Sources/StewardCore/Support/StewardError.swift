/// The one error type of Steward's domain: a code a program can switch on, a message that tells a
/// person what to fix, and where known the field (and file and line) at fault.
///
/// Transports map `code` to an HTTP status or an exit code in one place each.
public struct StewardError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form a program can act on.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input was malformed or broke a rule; nothing was changed.
        public static let invalidInput = Code(rawValue: "invalid_input")
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
        /// The audit log failed verification.
        public static let auditTampered = Code(rawValue: "audit_tampered")
    }

    public var code: Code
    public var message: String
    /// The field at fault, as a dotted path a person can find (`recipients[2].agreements[0].ends`).
    public var field: String?
    /// Further problems found with the same input, each complete in itself (validation reports all).
    public var details: [Issue]

    public init(_ code: Code, _ message: String, field: String? = nil, details: [Issue] = []) {
        self.code = code
        self.message = message
        self.field = field
        self.details = details
    }

    public var description: String {
        var text = message
        for issue in details { text += "\n  - \(issue)" }
        return text
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
