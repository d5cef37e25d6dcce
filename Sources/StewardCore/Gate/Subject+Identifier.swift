import Foundation

extension Subject.Identifier {
    /// The identifier in the one form it is stored and matched in: emails lower case, phone, NHS
    /// and UPRN numbers as digits, NI numbers upper case without spaces, names lower case with single
    /// spaces, dates as YYYY-MM-DD. An error, with the reason, when the value cannot be that kind; its
    /// field is the identifier's own (`value`, `system`), which `normalised(_:at:)` places in a list.
    public func normalised() throws -> Subject.Identifier {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        var result = self
        func invalid(_ why: String) -> StewardError {
            StewardError(.invalidInput, "the \(kind) identifier \(why)", field: "value")
        }
        switch kind {
        case .email:
            guard trimmed.contains("@"), !trimmed.contains(" ") else { throw invalid("is not an email address") }
            result.value = trimmed.lowercased()
        case .phoneNumber:
            let digits = trimmed.filter(\.isNumber)
            guard digits.count >= 7 else { throw invalid("is not a phone number") }
            result.value = trimmed.hasPrefix("+") ? "+" + digits : digits
        case .nhsNumber:
            let digits = trimmed.filter(\.isNumber)
            guard digits.count == 10, Self.isValidNHSNumber(digits) else { throw invalid("is not a valid 10-digit NHS number") }
            result.value = digits
        case .niNumber:
            let compact = trimmed.uppercased().filter { !$0.isWhitespace }
            guard compact.count == 9 || compact.count == 8, compact.prefix(2).allSatisfy(\.isLetter),
                compact.dropFirst(2).prefix(6).allSatisfy(\.isNumber)
            else {
                throw invalid("is not a National Insurance number")
            }
            result.value = compact
        case .uprn:
            let digits = trimmed.filter(\.isNumber)
            guard !digits.isEmpty, digits.count <= 12, digits.count == trimmed.count else { throw invalid("is not a UPRN (up to 12 digits)") }
            result.value = String(Int(digits)!)
        case .name:
            let words = trimmed.lowercased().split(whereSeparator: \.isWhitespace)
            guard !words.isEmpty else { throw invalid("is empty") }
            result.value = words.joined(separator: " ")
        case .dateOfBirth:
            guard let date = CalendarDate(iso: trimmed) else { throw invalid("is not a date in the form YYYY-MM-DD") }
            result.value = date.description
        case .localID:
            guard system != nil else {
                throw StewardError(.invalidInput, "a local_id identifier needs the system it belongs to", field: "system")
            }
            guard !trimmed.isEmpty else { throw invalid("is empty") }
            result.value = trimmed
        default:
            guard !trimmed.isEmpty else { throw invalid("is empty") }
            result.value = trimmed
        }
        return result
    }

    /// Each identifier normalised, an error naming the one at fault by its place:
    /// `identifiers[1].value`.
    public static func normalised(_ identifiers: [Subject.Identifier], at field: String) throws -> [Subject.Identifier] {
        try identifiers.enumerated().map { index, identifier in
            do {
                return try identifier.normalised()
            } catch let error as StewardError {
                throw error.at(field: "\(field)[\(index)]" + (error.field.map { ".\($0)" } ?? ""))
            }
        }
    }

    /// Email addresses given as a list of strings, normalised; an error names the one at fault by
    /// its place (`verifiedEmails[2]`).
    public static func normalisedEmails(_ emails: [String], at field: String) throws -> [String] {
        try emails.enumerated().map { index, email in
            do {
                return try Subject.Identifier(kind: .email, value: email).normalised().value
            } catch let error as StewardError {
                throw error.at(field: "\(field)[\(index)]")
            }
        }
    }

    /// The NHS number's modulus 11 check digit.
    static func isValidNHSNumber(_ digits: String) -> Bool {
        let values = digits.compactMap(\.wholeNumberValue)
        guard values.count == 10 else { return false }
        let sum = (0..<9).reduce(0) { $0 + values[$1] * (10 - $1) }
        let check = (11 - sum % 11) % 11
        return check != 10 && check == values[9]
    }
}

extension Subject.Identifier {
    /// A value as a council system may hold it, in the one form identifiers are compared in; nil
    /// when it cannot be that kind.
    public static func normalised(kind: IdentityKind.Key, value: String) -> String? {
        try? Subject.Identifier(kind: kind, value: value, system: nil).normalised().value
    }

    /// The ways a council system is likely to have written this (normalised) identifier, the
    /// normalised form first: a UK telephone number with and without +44 and with its usual
    /// spacing, a UPRN with and without leading zeros, an NI or NHS number compact and spaced.
    /// Searching for every form finds a row whichever way it was typed, and still uses an index.
    public var writtenForms: [String] {
        var forms = [value]
        switch kind {
        case .phoneNumber:
            var national = value
            if value.hasPrefix("+44") {
                national = "0" + value.dropFirst(3)
                forms.append(national)
            } else if value.hasPrefix("0"), value.count == 11 {
                forms.append("+44" + value.dropFirst())
            }
            if national.hasPrefix("0"), national.count == 11 {
                // 01632 960000, 0163 296 0000, 020 7946 0000, 07700 900123
                for groups in [[5, 6], [4, 3, 4], [3, 4, 4]] {
                    var rest = Substring(national)
                    var parts: [Substring] = []
                    for size in groups {
                        parts.append(rest.prefix(size))
                        rest = rest.dropFirst(size)
                    }
                    forms.append(parts.joined(separator: " "))
                }
            }
        case .uprn:
            if value.count < 12 { forms.append(String(repeating: "0", count: 12 - value.count) + value) }
        case .niNumber:
            if value.count == 9 {
                let characters = Array(value)
                forms.append(
                    [
                        String(characters[0...1]), String(characters[2...3]), String(characters[4...5]), String(characters[6...7]),
                        String(characters[8]),
                    ]
                    .joined(separator: " ")
                )
            }
        case .nhsNumber:
            if value.count == 10 {
                let characters = Array(value)
                forms.append([String(characters[0...2]), String(characters[3...5]), String(characters[6...9])].joined(separator: " "))
            }
        default:
            break
        }
        var seen: Set<String> = []
        return forms.filter { seen.insert($0).inserted }
    }
}
