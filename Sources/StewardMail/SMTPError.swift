/// Why a letter could not be sent, or why an address or message was refused before sending.
///
/// The message says what went wrong in words for the person reading the log: the SMTP command that
/// failed and, for a refusal, the server's own reply. It never holds the password or the letter's
/// body. A server's reply to `RCPT TO` may echo the recipient's address, so log ``description`` at
/// `.debug` and ``kind`` above it.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; decides ``fault``.
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

    /// What a failed send says about the message, for a retry queue.
    public enum Fault: Sendable, Hashable {
        /// The relay itself failed (down, TLS, credentials, a refused greeting or sender): the
        /// message is not at fault, and sending it later may work once the relay does.
        case relay
        /// This message may go later (a 4xx to its recipient or data).
        case transient
        /// This message will never go (a 5xx to its recipient or data, RFC 5321 §4.2.1; a bad
        /// address or message).
        case permanent
    }

    public var fault: Fault {
        switch kind {
        case .rejected(let code, let command) where ["RCPT TO", "DATA", "the message data"].contains(command):
            code >= 500 ? .permanent : .transient
        case .invalidAddress, .invalidMessage: .permanent
        case .rejected, .connection, .timeout, .protocol, .tls, .configuration: .relay
        }
    }

    /// `SMTP <kind>: <message>`, followed by the lower-level error when there is one.
    public var description: String {
        var text = "SMTP \(kind): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
