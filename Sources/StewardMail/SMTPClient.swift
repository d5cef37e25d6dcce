import Foundation
public import Logging
public import NIOCore
public import NIOPosix
import NIOSSL

/// Sends letters through the council's SMTP relay, one connection per letter.
///
/// Each ``send(_:)`` connects, says EHLO (HELO if the server refuses EHLO), upgrades with STARTTLS
/// or starts with TLS as configured, authenticates when a username is set, hands over the message,
/// and says QUIT. Every wait for the server is bounded by the configured timeout. Failures are
/// ``SMTPError``s whose ``SMTPError/fault`` tells a retry queue whether trying again can help.
///
/// Logs name commands, reply codes and the message id; recipients and reply texts, which may echo
/// addresses, appear only at `.debug`.
public struct SMTPClient: Sendable {
    /// The relay and how to reach it.
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Built once, so a bad CA file is reported by every send rather than crashing at start-up.
    private let tlsContext: Result<NIOSSLContext, SMTPError>?

    /// Makes a client for the relay in `configuration`, running its connections on `eventLoopGroup`.
    /// TLS settings are prepared here; a CA file that cannot be read makes every send fail with a
    /// `.configuration` error.
    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        switch configuration.security {
        case .none:
            self.tlsContext = nil
        case .startTLS, .tls:
            self.tlsContext = Result { try Self.makeTLSContext(trustRootsFile: configuration.trustRootsFile) }
                .mapError { $0 as? SMTPError ?? SMTPError(.configuration, "could not set up TLS", underlying: $0) }
        }
    }

    /// Delivers `message` to the relay for every recipient, or throws ``SMTPError``.
    ///
    /// It returns once the relay has accepted the message (250 after DATA); a failure after that,
    /// while saying QUIT, is not an error. If the relay refuses any recipient nothing is sent.
    public func send(_ message: MailMessage) async throws {
        guard !message.to.isEmpty else {
            throw SMTPError(.invalidMessage, "the message has no recipients")
        }
        if configuration.username != nil && configuration.password == nil {
            throw SMTPError(.configuration, "a username is configured without a password")
        }
        var logger = self.logger
        logger[metadataKey: "smtp.host"] = "\(configuration.host):\(configuration.port)"
        logger[metadataKey: "mail.message_id"] = "\(message.messageID)"

        let tlsContext = try self.tlsContext?.get()
        let timeout = TimeAmount.nanoseconds(Int64((max(configuration.timeout, 0.001) * 1_000_000_000).rounded()))
        let connection = try await SMTPConnection.connect(
            host: configuration.host,
            port: configuration.port,
            implicitTLS: configuration.security == .tls ? tlsContext : nil,
            timeout: timeout,
            group: eventLoopGroup
        )
        logger.debug("connected to the mail relay")

        do {
            try await withTaskCancellationHandler {
                try await converse(over: connection, message: message, tlsContext: tlsContext, logger: logger)
            } onCancel: {
                connection.channel.close(promise: nil)
            }
        } catch {
            await connection.close()
            try Task.checkCancellation()
            if let error = error as? SMTPError {
                logger.debug("sending failed", metadata: ["error": "\(error)"])
            }
            throw error
        }
        await connection.close()
        logger.info("mail relay accepted the message", metadata: ["mail.recipient_count": "\(message.to.count)"])
    }

    private func converse(
        over connection: SMTPConnection,
        message: MailMessage,
        tlsContext: NIOSSLContext?,
        logger: Logger
    ) async throws {
        let greeting = try await connection.reply(to: "the greeting")
        try expect(greeting, code: 220, after: "the greeting")

        var capabilities = try await hello(over: connection)
        if configuration.security == .startTLS {
            guard let tlsContext else {
                throw SMTPError(.configuration, "STARTTLS is configured but no TLS context was built")
            }
            guard capabilities.offers("STARTTLS") else {
                throw SMTPError(.tls, "the server does not offer STARTTLS; refusing to send without TLS")
            }
            let reply = try await connection.send(line: "STARTTLS", as: "STARTTLS")
            try expect(reply, code: 220, after: "STARTTLS")
            try await connection.startTLS(context: tlsContext, host: configuration.host)
            // RFC 3207 §4.2: what the server offered before TLS no longer holds.
            capabilities = try await hello(over: connection)
            logger.debug("TLS started")
        }

        if let username = configuration.username, let password = configuration.password {
            guard configuration.security != .none || connection.isLoopback else {
                throw SMTPError(.configuration, "refusing to send credentials without TLS to a server that is not on this machine")
            }
            try await authenticate(over: connection, username: username, password: password, capabilities: capabilities)
            logger.debug("authenticated")
        }

        let mailFrom = try await connection.send(line: "MAIL FROM:<\(message.from.address)>", as: "MAIL FROM")
        try expect(mailFrom, code: 250, after: "MAIL FROM")
        for recipient in message.to {
            let reply = try await connection.send(line: "RCPT TO:<\(recipient.address)>", as: "RCPT TO")
            // 251: "user not local; will forward" (RFC 5321 §4.2.2) is also an acceptance.
            guard reply.code == 250 || reply.code == 251 else {
                logger.debug("recipient refused", metadata: ["mail.recipient": "\(recipient.address)", "smtp.code": "\(reply.code)"])
                throw rejection(reply, command: "RCPT TO")
            }
        }
        let data = try await connection.send(line: "DATA", as: "DATA")
        try expect(data, code: 354, after: "DATA")
        let accepted = try await connection.send(Self.dataBlock(message.rendered(), allocator: connection.channel.allocator), as: "DATA")
        try expect(accepted, code: 250, after: "the message data")

        // The relay has the message; QUIT is a courtesy and its failure changes nothing.
        do {
            _ = try await connection.send(line: "QUIT", as: "QUIT")
        } catch {
            logger.debug("QUIT failed after the message was accepted", metadata: ["error": "\(error)"])
        }
    }

    /// EHLO, or HELO when the server refuses EHLO with a 5xx (an SMTP server predating RFC 1869).
    private func hello(over connection: SMTPConnection) async throws -> SMTPCapabilities {
        let ehlo = try await connection.send(line: "EHLO \(configuration.heloName)", as: "EHLO")
        if ehlo.isPositiveCompletion {
            return SMTPCapabilities(ehloReply: ehlo)
        }
        guard ehlo.code >= 500 else { throw rejection(ehlo, command: "EHLO") }
        let helo = try await connection.send(line: "HELO \(configuration.heloName)", as: "HELO")
        try expect(helo, code: 250, after: "HELO")
        return SMTPCapabilities()
    }

    /// AUTH PLAIN (RFC 4616) with the credentials in the first line, or AUTH LOGIN when the server
    /// offers only that. Error messages name the mechanism, never the credentials.
    private func authenticate(
        over connection: SMTPConnection,
        username: String,
        password: String,
        capabilities: SMTPCapabilities
    ) async throws {
        let mechanisms = capabilities.authenticationMechanisms
        if mechanisms.contains("PLAIN") {
            let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
            let reply = try await connection.send(line: "AUTH PLAIN \(token)", as: "AUTH PLAIN")
            try expect(reply, code: 235, after: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            let start = try await connection.send(line: "AUTH LOGIN", as: "AUTH LOGIN")
            try expect(start, code: 334, after: "AUTH LOGIN")
            let user = try await connection.send(line: Data(username.utf8).base64EncodedString(), as: "AUTH LOGIN")
            try expect(user, code: 334, after: "AUTH LOGIN")
            let done = try await connection.send(line: Data(password.utf8).base64EncodedString(), as: "AUTH LOGIN")
            try expect(done, code: 235, after: "AUTH LOGIN")
        } else if capabilities.offers("AUTH") {
            throw SMTPError(
                .configuration,
                "the server offers only AUTH \(mechanisms.sorted().joined(separator: " ")); Steward supports PLAIN and LOGIN"
            )
        } else {
            throw SMTPError(.configuration, "a username is configured but the server does not offer AUTH")
        }
    }

    private func expect(_ reply: SMTPReply, code: Int, after command: String) throws {
        guard reply.code == code else { throw rejection(reply, command: command) }
    }

    private func rejection(_ reply: SMTPReply, command: String) -> SMTPError {
        guard reply.code >= 400 else {
            return SMTPError(.protocol, "the server answered \(command) with an unexpected \(reply.code): \(reply.text)")
        }
        return SMTPError(.rejected(code: reply.code, command: command), "the server answered \(command) with \(reply.code): \(reply.text)")
    }

    /// The DATA block (RFC 5321 §4.5.2): every line that starts with "." gets another in front, and
    /// the block ends with CRLF "." CRLF.
    static func dataBlock(_ rendered: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: rendered.utf8.count + rendered.utf8.count / 64 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in rendered.utf8 {
            if atLineStart && byte == UInt8(ascii: ".") {
                buffer.writeInteger(UInt8(ascii: "."))
            }
            buffer.writeInteger(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            previous = byte
        }
        if previous != UInt8(ascii: "\n") {
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString(".\r\n")
        return buffer
    }

    static func makeTLSContext(trustRootsFile: String?) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        if let trustRootsFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(trustRootsFile)
            } catch {
                throw SMTPError(.configuration, "cannot read CA certificates from \(trustRootsFile)", underlying: error)
            }
            guard !certificates.isEmpty else {
                throw SMTPError(.configuration, "\(trustRootsFile) holds no PEM certificates")
            }
            tls.trustRoots = .certificates(certificates)
        }
        return try NIOSSLContext(configuration: tls)
    }
}

/// What the server offered in its EHLO reply (RFC 5321 §4.1.1.1): one keyword per line after the
/// first, with parameters.
struct SMTPCapabilities: Sendable, Hashable {
    private var keywords: [String: [String]] = [:]

    init() {}

    init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            var words = line.split(separator: " ").map(String.init)
            guard !words.isEmpty else { continue }
            var keyword = words.removeFirst().uppercased()
            // Some servers still write "AUTH=LOGIN PLAIN", the form before RFC 4954.
            if keyword.hasPrefix("AUTH=") {
                words.insert(String(keyword.dropFirst(5)), at: 0)
                keyword = "AUTH"
            }
            keywords[keyword, default: []].append(contentsOf: words.map { $0.uppercased() })
        }
    }

    func offers(_ keyword: String) -> Bool {
        keywords[keyword] != nil
    }

    var authenticationMechanisms: Set<String> {
        Set(keywords["AUTH"] ?? [])
    }
}
