/// What the council holds, why, who it goes to and how long it is kept: the validated data map.
///
/// A `DataMap` is only made by `DataMapDraft.validate(taxonomy:)`, so code that holds one never
/// checks it again: every key it names exists and every rule in docs/DATAMAP.md holds.
public struct DataMap: Sendable, Hashable, Codable {
    public var controller: Controller
    public var systems: [System]
    public var datasets: [Dataset]
    public var purposes: [Purpose]
    public var recipients: [Recipient]
    public var retention: [RetentionRule]
    /// Identity kinds the council added beyond the built-in ones.
    public var customIdentities: [IdentityKind]

    public init(
        controller: Controller,
        systems: [System],
        datasets: [Dataset],
        purposes: [Purpose],
        recipients: [Recipient],
        retention: [RetentionRule],
        customIdentities: [IdentityKind]
    ) {
        self.controller = controller
        self.systems = systems
        self.datasets = datasets
        self.purposes = purposes
        self.recipients = recipients
        self.retention = retention
        self.customIdentities = customIdentities
    }

    public func system(_ key: System.Key) -> System? { systems.first { $0.key == key } }
    public func dataset(_ key: Dataset.Key) -> Dataset? { datasets.first { $0.key == key } }

    /// Puts `dataset` in place of the one with its key (a dataset resolved by its source's schema).
    public mutating func replace(_ dataset: Dataset) {
        if let index = datasets.firstIndex(where: { $0.key == dataset.key }) { datasets[index] = dataset }
    }
    public func purpose(_ key: Purpose.Key) -> Purpose? { purposes.first { $0.key == key } }
    public func recipient(_ key: Recipient.Key) -> Recipient? { recipients.first { $0.key == key } }
}

/// A typed key: a string that names one kind of thing, so a system key cannot be passed where a
/// purpose key is wanted.
public struct Key<Owner>: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The council as data controller (UK GDPR Art 4(7)), with its Data Protection Officer (Art 37).
public struct Controller: Sendable, Hashable, Codable {
    public var name: String
    public var icoRegistration: String?
    public var address: String?
    public var email: String?
    public var phone: String?
    public var dpo: Contact?
    /// The council's own policy, stricter than the law: every disclosure outside the council needs
    /// a sharing agreement covering it, whatever its legal ground. Off (nil) by default, as the law
    /// has it: an agreement is good practice, recorded as a note when missing.
    public var requireSharingAgreements: Bool?

    public init(
        name: String,
        icoRegistration: String? = nil,
        address: String? = nil,
        email: String? = nil,
        phone: String? = nil,
        dpo: Contact? = nil,
        requireSharingAgreements: Bool? = nil
    ) {
        self.name = name
        self.icoRegistration = icoRegistration
        self.address = address
        self.email = email
        self.phone = phone
        self.dpo = dpo
        self.requireSharingAgreements = requireSharingAgreements
    }

    /// A person or office to contact.
    public struct Contact: Sendable, Hashable, Codable {
        public var name: String
        public var email: String?
        public var phone: String?
        public var address: String?

        public init(name: String, email: String? = nil, phone: String? = nil, address: String? = nil) {
            self.name = name
            self.email = email
            self.phone = phone
            self.address = address
        }

        /// One line naming every way to reach the contact.
        public var summary: String {
            ([name] + [email, phone, address].compactMap { $0 }).joined(separator: ", ")
        }
    }
}

/// A kind of identifier a person can be found by (email, NHS number, …).
public struct IdentityKind: Sendable, Hashable, Codable {
    /// An identity kind's key, as data maps, requests and the register write it.
    public typealias Key = StewardCore.Key<IdentityKind>
    public var key: Key
    public var name: String

    public init(key: Key, name: String) {
        self.key = key
        self.name = name
    }

    /// The identity kinds every council has.
    public static let builtin: [IdentityKind] = [
        .init(key: .email, name: "Email address"),
        .init(key: .phoneNumber, name: "Phone number"),
        .init(key: .niNumber, name: "National Insurance number"),
        .init(key: .nhsNumber, name: "NHS number"),
        .init(key: .uprn, name: "Unique Property Reference Number"),
        .init(key: .name, name: "Name"),
        .init(key: .dateOfBirth, name: "Date of birth"),
        .init(key: .localID, name: "A system's own id for the person"),
    ]
}

extension Key where Owner == IdentityKind {
    public static let email: Self = "email"
    public static let phoneNumber: Self = "phone_number"
    public static let niNumber: Self = "ni_number"
    public static let nhsNumber: Self = "nhs_number"
    /// A property's Unique Property Reference Number: it names a place, so several people share it.
    public static let uprn: Self = "uprn"
    public static let name: Self = "name"
    public static let dateOfBirth: Self = "date_of_birth"
    /// A system's own id for the person, which means something only within that system.
    public static let localID: Self = "local_id"
}
