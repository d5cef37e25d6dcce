import Foundation

/// Quoted-printable body encoding (RFC 2045 §6.7) of UTF-8 text.
enum QuotedPrintable {
    /// The longest encoded line, soft-break `=` included.
    static let maximumLineLength = 76

    /// Encodes text whose line breaks may be LF, CRLF or CR; hard line breaks come out as CRLF and
    /// soft breaks keep every line at 76 characters or fewer. The result has no trailing line break.
    static func encode(_ text: String) -> String {
        lines(of: text).flatMap(encode(line:)).joined(separator: "\r\n")
    }

    static func lines(of text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        var afterCarriageReturn = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\r"):
                lines.append([])
                afterCarriageReturn = true
                continue
            case UInt8(ascii: "\n"):
                if !afterCarriageReturn { lines.append([]) }
            default:
                lines[lines.count - 1].append(byte)
            }
            afterCarriageReturn = false
        }
        return lines
    }

    /// One input line as one or more output lines, all but the last ending in a soft break.
    static func encode(line bytes: [UInt8]) -> [String] {
        var output: [String] = []
        var current = ""
        for (offset, byte) in bytes.enumerated() {
            let isLast = offset == bytes.count - 1
            let token: String
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                // White space at the end of a line would be stripped in transit, so it is encoded there.
                token = isLast ? escaped(byte) : String(UnicodeScalar(byte))
            case 33...126 where byte != UInt8(ascii: "="):
                token = String(UnicodeScalar(byte))
            default:
                token = escaped(byte)
            }
            // A line that continues needs one column for its soft break.
            let room = isLast ? maximumLineLength : maximumLineLength - 1
            if current.utf8.count + token.utf8.count > room {
                output.append(current + "=")
                current = ""
            }
            current += token
        }
        output.append(current)
        return output
    }

    private static func escaped(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}

/// Header field rendering: RFC 5322 folding and RFC 2047 encoded-words.
enum HeaderField {
    /// Folding aims for lines of at most 78 characters (RFC 5322 §2.1.1).
    static let preferredLineLength = 78
    /// UTF-8 bytes per encoded-word: 36 bytes make 48 base64 characters, 60 with `=?utf-8?B?…?=`, so
    /// even the first word after `Subject: ` stays within 78 columns.
    static let encodedWordBytes = 36
    /// ASCII words longer than this cannot be folded within 78 columns, so such text is encoded.
    static let longestPlainWord = 66

    /// `Name: atom atom …`, breaking between atoms (CRLF then a space) where a line would pass 78.
    static func folded(name: String, atoms: [String]) -> String {
        var lines: [String] = []
        var current = name + ":"
        var currentHasAtom = false
        for atom in atoms {
            if currentHasAtom && current.utf8.count + 1 + atom.utf8.count > preferredLineLength {
                lines.append(current)
                current = " " + atom
            } else {
                current += " " + atom
            }
            currentHasAtom = true
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// An unstructured field such as Subject, as atoms: plain words when they are printable ASCII and
    /// short enough to fold, otherwise encoded-words. White space runs and line breaks become one space.
    static func unstructured(_ text: String) -> [String] {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).map(String.init)
        let normalised = words.joined(separator: " ")
        if needsEncoding(normalised) || words.contains(where: { $0.utf8.count > longestPlainWord }) {
            return encodedWords(normalised)
        }
        return words
    }

    /// Mailboxes separated by commas, as atoms: display name (plain, quoted or encoded) then `<address>`.
    static func mailboxList(_ mailboxes: [MailAddress]) -> [String] {
        var atoms: [String] = []
        for (index, mailbox) in mailboxes.enumerated() {
            var mailboxAtoms = displayName(mailbox.name)
            mailboxAtoms.append(mailboxAtoms.isEmpty ? mailbox.address : "<\(mailbox.address)>")
            if index < mailboxes.count - 1 {
                mailboxAtoms[mailboxAtoms.count - 1] += ","
            }
            atoms.append(contentsOf: mailboxAtoms)
        }
        return atoms
    }

    /// A display name as a phrase (RFC 5322 §3.2.5): atoms when it is only letters, digits and the
    /// like; one quoted-string when it holds specials such as `,` or `.`; encoded-words otherwise.
    static func displayName(_ name: String?) -> [String] {
        guard let name else { return [] }
        let words = name.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        let normalised = words.joined(separator: " ")
        if normalised.isEmpty { return [] }
        if needsEncoding(normalised) || normalised.utf8.count > longestPlainWord {
            return encodedWords(normalised)
        }
        if words.allSatisfy({ $0.utf8.allSatisfy(isAtomText) }) {
            return words
        }
        var quoted = "\""
        for character in normalised {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return [quoted + "\""]
    }

    /// Whether text must be sent as encoded-words: anything but printable ASCII and space, or a
    /// sequence a reader would take for an encoded-word.
    static func needsEncoding(_ text: String) -> Bool {
        text.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E }) || text.contains("=?")
    }

    /// RFC 2047 `B` encoded-words in UTF-8, each holding whole characters and at most
    /// ``encodedWordBytes`` bytes. Spaces are encoded inside the words, since a reader drops the
    /// white space between adjacent encoded-words.
    static func encodedWords(_ text: String) -> [String] {
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if !current.isEmpty && current.count + bytes.count > encodedWordBytes {
                chunks.append(current)
                current = []
            }
            // A single character longer than a word (a long emoji sequence) is split by scalar.
            if bytes.count > encodedWordBytes {
                for scalar in String(character).unicodeScalars {
                    let scalarBytes = Array(String(scalar).utf8)
                    if !current.isEmpty && current.count + scalarBytes.count > encodedWordBytes {
                        chunks.append(current)
                        current = []
                    }
                    current.append(contentsOf: scalarBytes)
                }
            } else {
                current.append(contentsOf: bytes)
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks.map { "=?utf-8?B?\(Data($0).base64EncodedString())?=" }
    }

    /// The Message-ID as written: anything but printable ASCII is dropped, so a caller's value can
    /// never break the header block.
    static func sanitizedMessageID(_ id: String) -> String {
        String(String.UnicodeScalarView(id.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }))
    }

    /// `atext` of RFC 5322 §3.2.3.
    static func isAtomText(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }
}
