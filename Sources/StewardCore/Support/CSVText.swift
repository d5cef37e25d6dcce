import Foundation

/// RFC 4180 CSV: fields separated by commas, quoted with `"` when they hold commas, quotes or line
/// breaks, a quote inside a quoted field written twice; lines end with CRLF or LF.
public enum CSVText {
    /// Records as CSV text with CRLF line ends, quoting fields that need it.
    public static func render(_ records: [[String]]) -> String {
        records.map { record in
            record.map { field in
                field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
        }.joined(separator: "\r\n") + "\r\n"
    }

    public static func parse(_ text: String, file: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var characters = text.makeIterator()
        var pending: Character? = characters.next()
        var fieldStarted = false
        while let character = pending {
            pending = characters.next()
            if quoted {
                if character == "\"" {
                    if pending == "\"" {
                        field.append("\"")
                        pending = characters.next()
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where !fieldStarted:
                quoted = true
                fieldStarted = true
            case ",":
                record.append(field)
                field = ""
                fieldStarted = false
            case "\n", "\r\n", "\r":
                record.append(field)
                if !(record.count == 1 && record[0].isEmpty) { records.append(record) }
                record = []
                field = ""
                fieldStarted = false
                line += 1
            default:
                field.append(character)
                fieldStarted = true
            }
        }
        if quoted { throw StewardError(.invalidInput, "\(file) line \(line): a quoted field is not closed", field: file) }
        if fieldStarted || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
