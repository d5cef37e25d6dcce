import Foundation

/// A mailbox: an address with an optional display name, checked so that it can be written into an
/// SMTP envelope and a message header as it is.
///
/// Both parts are validated when the value is made (also when it is decoded), and cannot be changed
/// afterwards, so code that holds a `MailAddress` never needs to check it again. Only plain ASCII
/// addresses are accepted: the council relay is not assumed to speak SMTPUTF8 (RFC 6531).
public struct MailAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The display name ("Siân Ó Dónaill"), or `nil` for a bare address.
    public private(set) var name: String?
    /// The address itself, `local-part@domain`, as used in `MAIL FROM` and `RCPT TO`.
    public private(set) var address: String

    /// Makes a mailbox, or throws ``SMTPError`` with kind `.invalidAddress` saying what is wrong.
    ///
    /// An empty or all-blank name counts as no name.
    public init(name: String? = nil, address: String) throws {
        try Self.validate(address: address)
        if let name {
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw SMTPError(.invalidAddress, "a display name must not contain line breaks or other control characters")
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            self.name = trimmed.isEmpty ? nil : trimmed
        } else {
            self.name = nil
        }
        self.address = address
    }

    /// The part after the `@`.
    public var domain: String {
        String(address[address.index(after: address.lastIndex(of: "@")!)...])
    }

    /// The mailbox as a person reads it: `Name <address>` or the bare address. Not header-encoded.
    public var description: String {
        name.map { "\($0) <\(address)>" } ?? address
    }

    /// Checks an address against the dot-atom form of RFC 5322 §3.4.1 and the length limits of
    /// RFC 5321 §4.5.3.1, which is what the relay and every mail client accept.
    static func validate(address: String) throws {
        guard !address.isEmpty else {
            throw SMTPError(.invalidAddress, "the address is empty")
        }
        guard address.unicodeScalars.allSatisfy({ $0.isASCII }) else {
            throw SMTPError(.invalidAddress, "the address must be plain ASCII (internationalised addresses are not supported)")
        }
        guard !address.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw SMTPError(.invalidAddress, "the address must not contain spaces, line breaks or control characters")
        }
        guard address.utf8.count <= 254 else {
            throw SMTPError(.invalidAddress, "the address is longer than 254 characters")
        }
        guard let at = address.lastIndex(of: "@") else {
            throw SMTPError(.invalidAddress, "the address has no @")
        }
        let localPart = address[..<at]
        let domain = address[address.index(after: at)...]
        guard !localPart.isEmpty, localPart.utf8.count <= 64 else {
            throw SMTPError(.invalidAddress, "the part before the @ must be 1 to 64 characters long")
        }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)
        let localAtoms = localPart.split(separator: ".", omittingEmptySubsequences: false)
        guard localAtoms.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(atext.contains) }) else {
            throw SMTPError(
                .invalidAddress,
                "the part before the @ may hold letters, digits and !#$%&'*+-/=?^_`{|}~, with single dots between them"
            )
        }
        let labelCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 1,
            labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy(labelCharacters.contains) && label.first != "-"
                    && label.last != "-"
            })
        else {
            throw SMTPError(.invalidAddress, "the domain after the @ must be dot-separated names of letters, digits and hyphens")
        }
    }

    private enum CodingKeys: String, CodingKey {
        case name, address
    }

    /// Decodes and validates a mailbox; an invalid one fails decoding with the reason.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decodeIfPresent(String.self, forKey: .name)
        let address = try container.decode(String.self, forKey: .address)
        do {
            try self.init(name: name, address: address)
        } catch let error as SMTPError {
            throw DecodingError.dataCorruptedError(forKey: .address, in: container, debugDescription: error.message)
        }
    }

    /// Encodes the name (when there is one) and the address.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encode(address, forKey: .address)
    }
}
