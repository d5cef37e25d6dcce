public import Foundation

/// A letter Steward sends by email: one sender, one or more recipients, a plain-text body and an
/// optional HTML alternative.
///
/// ``rendered()`` turns it into the exact bytes handed to the relay after `DATA`: an RFC 5322 message
/// in 7-bit ASCII, so it passes through any relay unchanged whatever the letter's language.
public struct MailMessage: Sendable, Hashable, Codable {
    /// The sender, used both for `MAIL FROM` and the `From` header.
    public var from: MailAddress
    /// The recipients, each sent `RCPT TO` and all listed in the `To` header.
    public var to: [MailAddress]
    /// The subject line. Line breaks and runs of white space are sent as single spaces.
    public var subject: String
    /// The plain-text body, always sent; readers without HTML show this.
    public var text: String
    /// An HTML rendering of the same letter, sent as the preferred alternative when present.
    public var html: String?
    /// The `Message-ID` header, angle brackets included: `<random@domain-of-from>` unless given.
    public var messageID: String
    /// The `Date` header, written in UTC.
    public var date: Date

    /// Makes a letter; without `messageID` a fresh one is made at the sender's domain.
    public init(
        from: MailAddress,
        to: [MailAddress],
        subject: String,
        text: String,
        html: String? = nil,
        messageID: String? = nil,
        date: Date = Date()
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID ?? Self.makeMessageID(domain: from.domain)
        self.date = date
    }

    /// A fresh message id: 128 random bits at the sender's domain (RFC 5322 §3.6.4).
    public static func makeMessageID(domain: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "<\(hex(random))@\(domain)>"
    }

    /// The message as sent: RFC 5322 headers and a MIME 1.0 body, CRLF line endings, ending in CRLF.
    ///
    /// Header lines are folded to at most 78 characters where the text allows (never over 998,
    /// RFC 5322 §2.1.1); non-ASCII display names and subjects become RFC 2047 encoded-words. Bodies
    /// are UTF-8 in quoted-printable with lines of at most 76 characters (RFC 2045 §6.7). With
    /// `html`, the body is `multipart/alternative` with the plain text first (RFC 2046 §5.1.4).
    public func rendered() -> String {
        var headers: [String] = []
        headers.append("Date: \(Self.rfc5322Date(date))")
        headers.append(HeaderField.folded(name: "From", atoms: HeaderField.mailboxList([from])))
        headers.append(HeaderField.folded(name: "To", atoms: HeaderField.mailboxList(to)))
        headers.append(HeaderField.folded(name: "Subject", atoms: HeaderField.unstructured(subject)))
        headers.append("Message-ID: \(HeaderField.sanitizedMessageID(messageID))")
        headers.append("MIME-Version: 1.0")

        let body: String
        if let html {
            // "=_" never occurs in quoted-printable output (an "=" there is always followed by two hex
            // digits or a line break), so this boundary cannot collide with either part.
            let boundary = "=_steward_\(Self.hex(Self.fingerprint(messageID)))"
            headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            body = [
                "--\(boundary)",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                QuotedPrintable.encode(text),
                "--\(boundary)",
                "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                QuotedPrintable.encode(html),
                "--\(boundary)--",
                "",
            ].joined(separator: "\r\n")
        } else {
            headers.append("Content-Type: text/plain; charset=utf-8")
            headers.append("Content-Transfer-Encoding: quoted-printable")
            body = QuotedPrintable.encode(text) + "\r\n"
        }
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// RFC 5322 §3.3 date-time in UTC, e.g. `Tue, 01 Jul 2025 09:05:00 +0000`, independent of locale.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// A stable 64-bit FNV-1a hash, so the same message always renders to the same bytes.
    static func fingerprint(_ text: String) -> [UInt8] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return (0..<8).map { UInt8(truncatingIfNeeded: hash >> (8 * $0)) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}
