/// Values as a field's declared type holds them: one check, shared by the corrections staff give
/// and the connectors that write and compare values in the council's sources.
extension Dataset.DataType {
    /// `YYYY-MM-DD`, optionally followed by a time and a zone (`T10:30:00Z`, ` 10:30:00.5+01:00`), in
    /// ASCII digits and within range.
    public static func isDateOrTime(_ value: String) -> Bool {
        let characters = Array(value.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= characters.count, range.allSatisfy({ (48...57).contains(characters[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(characters[$1] - 48) }
        }
        guard characters.count >= 10, characters[4] == 45, characters[7] == 45, let year = digits(0..<4), let month = digits(5..<7),
            let day = digits(8..<10), CalendarDate(year: year, month: month, day: day) != nil
        else { return false }
        guard characters.count > 10 else { return true }
        // The time: HH:MM, then :SS and a fraction if given.
        guard characters[10] == 84 || characters[10] == 32, characters.count >= 16, characters[13] == 58, let hour = digits(11..<13),
            let minute = digits(14..<16), hour < 24, minute < 60
        else { return false }
        var index = 16
        if index < characters.count, characters[index] == 58 {
            guard let second = digits(index + 1..<index + 3), second < 61 else { return false }
            index += 3
            if index < characters.count, characters[index] == 46 {
                index += 1
                let start = index
                while index < characters.count, (48...57).contains(characters[index]) { index += 1 }
                guard index > start, index - start <= 9 else { return false }
            }
        }
        guard index < characters.count else { return true }
        // The zone: Z, or +HH, +HHMM or +HH:MM.
        if characters[index] == 90 { return index + 1 == characters.count }
        guard characters[index] == 43 || characters[index] == 45, let zoneHour = digits(index + 1..<index + 3), zoneHour < 24 else { return false }
        index += 3
        if index < characters.count, characters[index] == 58 { index += 1 }
        guard index < characters.count else { return true }
        guard let zoneMinute = digits(index..<index + 2), zoneMinute < 60 else { return false }
        return index + 2 == characters.count
    }

    /// A value in the type of the column it is compared with; nil when it cannot be one (a name
    /// searched in a number column finds nothing rather than failing).
    public static func value(_ value: String, as type: Dataset.DataType?) -> (any Encodable & Sendable)? {
        switch type?.base {
        case .integer?: Int64(value)
        case .float?: Double(value)
        case .boolean?: ["true": true, "false": false, "1": true, "0": false][value.lowercased()]
        default: value
        }
    }

    /// True when the text is a value of the type, as a source will be asked to store it.
    public static func accepts(_ value: String, as type: Dataset.DataType?) -> Bool {
        switch type?.base {
        case .date?, .datetime?: isDateOrTime(value)
        default: Self.value(value, as: type) != nil
        }
    }
}
