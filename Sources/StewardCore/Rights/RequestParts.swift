import Foundation

/// The person who made a request: the subject, or someone acting for them.
public struct Requester: Sendable, Hashable, Codable {
    public var name: String
    /// Where letters and codes go by email; nil when the requester asked for post.
    public var email: String?
    public var postalAddress: String?
    /// Set when the requester acts for the subject.
    public var representative: Representative?

    public init(name: String, email: String? = nil, postalAddress: String? = nil, representative: Representative? = nil) {
        self.name = name
        self.email = email
        self.postalAddress = postalAddress
        self.representative = representative
    }

    /// Checks the requester as given and returns it normalised (trimmed; email lower case).
    public func validated(field: String = "requester") throws -> Requester {
        var result = self
        result.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !result.name.isEmpty, result.name.count <= 200 else {
            throw StewardError(.invalidInput, "the requester's name must be 1 to 200 characters", field: "\(field).name")
        }
        guard !result.name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw StewardError(.invalidInput, "the requester's name must be on one line, without control characters", field: "\(field).name")
        }
        if let email {
            let trimmed = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            guard Self.isPlausibleEmail(trimmed) else {
                throw StewardError(.invalidInput, "'\(trimmed)' is not an email address", field: "\(field).email")
            }
            result.email = trimmed
        }
        result.postalAddress = postalAddress?.trimmingCharacters(in: .whitespacesAndNewlines)
        if result.postalAddress?.isEmpty == true { result.postalAddress = nil }
        if let address = result.postalAddress, address.count > 500 {
            throw StewardError(.invalidInput, "the postal address is over 500 characters", field: "\(field).postalAddress")
        }
        guard result.email != nil || result.postalAddress != nil else {
            throw StewardError(.invalidInput, "give an email address or a postal address to reply to", field: "\(field).email")
        }
        if let representative { result.representative = try representative.validated(field: "\(field).representative") }
        return result
    }

    /// An address the council's relay can send to: ASCII, one `@`, a local part of the characters
    /// RFC 5322 allows unquoted, and a domain of letters, digits and hyphens in dotted labels.
    public static func isPlausibleEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, text.count <= 254, text.allSatisfy(\.isASCII) else { return false }
        let local = parts[0]
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        let localCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.")
        guard !local.isEmpty, local.count <= 64, local.allSatisfy(localCharacters.contains), !local.hasPrefix("."), !local.hasSuffix("."),
            !local.contains("..")
        else { return false }
        return labels.count >= 2
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
            }
    }
}

/// Someone acting for the subject, and the authority they rely on (ICO: a request may be made through
/// a third party who can show they are entitled to act).
public struct Representative: Sendable, Hashable, Codable {
    /// How the representative is entitled to act.
    public enum Authority: String, Sendable, Hashable, Codable, CaseIterable {
        /// The subject's written authority.
        case writtenAuthority = "written_authority"
        /// A lasting or enduring power of attorney.
        case powerOfAttorney = "power_of_attorney"
        /// A Court of Protection deputyship.
        case courtDeputy = "court_deputy"
        /// Parental responsibility for a child who cannot act for themselves.
        case parentalResponsibility = "parental_responsibility"
        /// A solicitor acting on instructions.
        case solicitor
        case other

        public var title: String {
            switch self {
            case .writtenAuthority: "Written authority from the person"
            case .powerOfAttorney: "Power of attorney"
            case .courtDeputy: "Court of Protection deputyship"
            case .parentalResponsibility: "Parental responsibility"
            case .solicitor: "Solicitor acting on instructions"
            case .other: "Other authority"
            }
        }
    }

    /// Their relationship to the subject (`mother`, `solicitor`, …).
    public var relationship: String
    public var authority: Authority
    /// What was provided to show it: a signed form, the LPA reference, the court order number.
    public var evidence: String

    public init(relationship: String, authority: Authority, evidence: String) {
        self.relationship = relationship
        self.authority = authority
        self.evidence = evidence
    }

    func validated(field: String) throws -> Representative {
        var result = self
        result.relationship = relationship.trimmingCharacters(in: .whitespacesAndNewlines)
        result.evidence = evidence.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.relationship.count <= 200, result.evidence.count <= 2000 else {
            throw StewardError(
                .invalidInput,
                "the relationship must be at most 200 characters and the evidence at most 2,000",
                field: result.relationship.count > 200 ? "\(field).relationship" : "\(field).evidence"
            )
        }
        guard !result.relationship.isEmpty else {
            throw StewardError(.invalidInput, "say how the representative is related to the person", field: "\(field).relationship")
        }
        guard !result.evidence.isEmpty else {
            throw StewardError(
                .invalidInput,
                "record the evidence of the representative's authority (\(authority.title.lowercased()))",
                field: "\(field).evidence"
            )
        }
        return result
    }
}

/// What a CCTV access request must say so footage can be found and kept from being overwritten
/// (ICO video surveillance guidance).
public struct CCTVDetails: Sendable, Hashable, Codable {
    public var date: CalendarDate
    /// Start and end of the window, `HH:MM`, 24-hour clock.
    public var from: String
    public var until: String
    public var location: String
    /// What the person looked like: clothing, what they carried, who they were with.
    public var personDescription: String

    public init(date: CalendarDate, from: String, until: String, location: String, personDescription: String) {
        self.date = date
        self.from = from
        self.until = until
        self.location = location
        self.personDescription = personDescription
    }

    /// Checks the details against the day the request was received.
    public func validated(received: CalendarDate, field: String = "cctv") throws -> CCTVDetails {
        guard date <= received else {
            throw StewardError(.invalidInput, "the footage date \(date) is after the request was received", field: "\(field).date")
        }
        guard let start = Self.minutes(from), let end = Self.minutes(until) else {
            let bad = Self.minutes(from) == nil ? "from" : "until"
            throw StewardError(.invalidInput, "the time must be HH:MM on the 24-hour clock", field: "\(field).\(bad)")
        }
        guard start < end else { throw StewardError(.invalidInput, "the window must end after it starts", field: "\(field).until") }
        var result = self
        result.location = location.trimmingCharacters(in: .whitespacesAndNewlines)
        result.personDescription = personDescription.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !result.location.isEmpty else { throw StewardError(.invalidInput, "say where the footage was taken", field: "\(field).location") }
        guard result.location.count <= 500 else {
            throw StewardError(.invalidInput, "the location is over 500 characters", field: "\(field).location")
        }
        guard result.personDescription.count <= 2000 else {
            throw StewardError(.invalidInput, "the description of the person is over 2,000 characters", field: "\(field).personDescription")
        }
        guard !result.personDescription.isEmpty else {
            throw StewardError(.invalidInput, "describe the person so they can be found in the footage", field: "\(field).personDescription")
        }
        return result
    }

    /// Minutes since midnight of `HH:MM`, or nil.
    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...23).contains(hours), (0...59).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }

    /// The window's length in minutes.
    public var windowMinutes: Int { (Self.minutes(until) ?? 0) - (Self.minutes(from) ?? 0) }
}

/// How a requester's identity was confirmed.
public struct IdentityCheck: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        /// The requester entered the code emailed to the address they gave.
        case emailCode = "email_code"
        /// Staff saw a document (passport, driving licence, council tax bill, …).
        case documentSeen = "document_seen"
        /// Staff know the person from an existing case.
        case knownToStaff = "known_to_staff"
    }

    public var method: Method
    /// The document seen, or how the person is known.
    public var evidence: String?
    /// Who checked it.
    public var checkedBy: String?

    public init(method: Method, evidence: String? = nil, checkedBy: String? = nil) {
        self.method = method
        self.evidence = evidence
        self.checkedBy = checkedBy
    }

    /// Staff checks say what was seen and by whom.
    public func validated(field: String = "identity") throws -> IdentityCheck {
        guard method != .emailCode else { return self }
        var result = self
        result.evidence = evidence?.trimmingCharacters(in: .whitespacesAndNewlines)
        result.checkedBy = checkedBy?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let evidence = result.evidence, !evidence.isEmpty else {
            throw StewardError(.invalidInput, "say what was seen to confirm identity (for example 'passport')", field: "\(field).evidence")
        }
        guard let checkedBy = result.checkedBy, !checkedBy.isEmpty else {
            throw StewardError(.invalidInput, "say who checked the identity", field: "\(field).checkedBy")
        }
        return result
    }
}

/// A piece of work on a request: search one system the person may appear in.
public struct RequestTask: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case open
        /// Searched, and the results gathered or the action taken.
        case done
        /// Searched, and the person is not there.
        case notHeld = "not_held"
    }

    public var system: System.Key
    public var systemName: String
    /// Who is doing it: by default the system's department.
    public var owner: String
    public var status: Status
    /// Why the task exists: which identifiers or records put the system in scope.
    public var reasons: [String]
    public var note: String?

    public init(system: System.Key, systemName: String, owner: String, status: Status = .open, reasons: [String], note: String? = nil) {
        self.system = system
        self.systemName = systemName
        self.owner = owner
        self.status = status
        self.reasons = reasons
        self.note = note
    }
}
