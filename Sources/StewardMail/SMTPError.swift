/// Why a letter could not be sent, or why an address or message was refused before sending.
///
/// The message says what went wrong in words for the person reading the log: the SMTP command that
/// failed and, for a refusal, the server's own reply. It never holds the password or the letter's
/// body. A server's reply to `RCPT TO` may echo the recipient's address, so log ``description`` at
/// `.debug` and ``kind`` above it.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; decides ``isPermanent``.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        /// The server could not be reached, or the connection broke.
        case connection
        /// The server did not answer within the configured timeout.
        case timeout
        /// TLS could not be set up: the handshake or certificate check failed, or STARTTLS was
        /// configured and the server does not offer it.
        case tls
        /// The server answered `command` with a 4xx or 5xx reply `code`.
        case rejected(code: Int, command: String)
        /// The server's replies did not follow SMTP.
        case `protocol`
        /// The configuration cannot work: an unreadable CA file, or credentials that would be sent
        /// without TLS, or AUTH that the server does not offer.
        case configuration
        /// An email address or display name is malformed.
        case invalidAddress
        /// The message cannot be sent as it is, such as one with no recipients.
        case invalidMessage

        public var description: String {
            switch self {
            case .connection: "connection"
            case .timeout: "timeout"
            case .tls: "tls"
            case .rejected(let code, let command): "rejected \(code) \(command)"
            case .protocol: "protocol"
            case .configuration: "configuration"
            case .invalidAddress: "invalid address"
            case .invalidMessage: "invalid message"
            }
        }
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// What went wrong, in words for a person: the command and the server's reply, if any.
    public var message: String
    /// The lower-level error behind this one, such as the TLS library's, when there is one.
    public var underlying: (any Error)?

    /// Makes an error of `kind` saying `message`.
    public init(_ kind: Kind, _ message: String, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.underlying = underlying
    }

    /// Whether sending again later cannot help, so the letter should go to a person instead of a
    /// retry queue. A 5xx reply is permanent (RFC 5321 §4.2.1), as are TLS and configuration faults and
    /// invalid input; a 4xx reply, a broken connection, a timeout and a garbled reply are transient.
    public var isPermanent: Bool {
        switch kind {
        case .rejected(let code, _): code >= 500
        case .connection, .timeout, .protocol: false
        case .tls, .configuration, .invalidAddress, .invalidMessage: true
        }
    }

    /// `SMTP <kind>: <message>`, followed by the lower-level error when there is one.
    public var description: String {
        var text = "SMTP \(kind): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
