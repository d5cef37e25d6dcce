import Foundation
import Logging
import StewardMail
import Testing

/// The client against relays that misbehave in ways a real server cannot be made to: each test
/// scripts the server's replies.
@Suite("Handling a relay's replies")
struct SMTPProtocolTests {
    static let letter = MailMessage(
        from: try! MailAddress(address: "dpo@council.example"),
        to: [try! MailAddress(address: "sian@resident.example")],
        subject: "Your request",
        text: "Dear Siân"
    )

    static func send(
        to server: ScriptedSMTPServer,
        security: SMTPConfiguration.Security = .none,
        username: String? = nil,
        password: String? = nil,
        timeout: Double = 5
    ) async -> SMTPError? {
        var logger = Logger(label: "steward.mail.test")
        logger.logLevel = .critical
        let client = SMTPClient(
            configuration: SMTPConfiguration(
                host: "127.0.0.1",
                port: server.port,
                security: security,
                username: username,
                password: password,
                timeout: timeout
            ),
            logger: logger
        )
        return await SMTPClientTests.smtpError { try await client.send(letter) }
    }

    @Test("data the server sends after agreeing to STARTTLS stops the conversation before anything else is sent")
    func startTLSInjection() async throws {
        let server = try await ScriptedSMTPServer { line in
            switch line {
            case "STARTTLS": "220 ready\r\n250 injected\r\n"
            default: ScriptedSMTPServer.ordinary(line, ehlo: ["scripted", "STARTTLS"])
            }
        }
        let failure = try #require(await Self.send(to: server, security: .startTLS))
        #expect(failure.kind == .tls)
        #expect(server.commands == ["EHLO localhost", "STARTTLS"])
        await server.stop()
    }

    @Test("a greeting that is not SMTP is a protocol error")
    func garbageGreeting() async throws {
        let server = try await ScriptedSMTPServer(greeting: "HTTP/1.1 400 Bad Request\r\n") { ScriptedSMTPServer.ordinary($0) }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .protocol)
        #expect(failure.fault == .relay)
        await server.stop()
    }

    @Test("a 554 greeting is a permanent refusal")
    func refusedGreeting() async throws {
        let server = try await ScriptedSMTPServer(greeting: "554 no service here\r\n") { ScriptedSMTPServer.ordinary($0) }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .rejected(code: 554, command: "the greeting"))
        #expect(failure.fault == .relay)
        #expect(failure.message.contains("no service here"))
        await server.stop()
    }

    @Test("a 4xx to RCPT TO is a transient refusal")
    func temporaryRecipientFailure() async throws {
        let server = try await ScriptedSMTPServer { line in
            line.hasPrefix("RCPT TO") ? "451 4.3.0 try again later\r\n" : ScriptedSMTPServer.ordinary(line)
        }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .rejected(code: 451, command: "RCPT TO"))
        #expect(failure.fault == .transient)
        #expect(!server.commands.contains("DATA"))
        await server.stop()
    }

    @Test("a 4xx after the message data is a transient refusal")
    func temporaryDataFailure() async throws {
        let server = try await ScriptedSMTPServer { line in
            line == "<message>" ? "452 4.3.1 insufficient storage\r\n" : ScriptedSMTPServer.ordinary(line)
        }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .rejected(code: 452, command: "the message data"))
        #expect(failure.fault == .transient)
        await server.stop()
    }

    @Test("a multi-line reply whose code changes midway is a protocol error")
    func inconsistentMultilineReply() async throws {
        let server = try await ScriptedSMTPServer { line in
            line.hasPrefix("EHLO") ? "250-scripted\r\n251 oops\r\n" : ScriptedSMTPServer.ordinary(line)
        }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .protocol)
        await server.stop()
    }

    @Test("a server that hangs up mid-conversation is a transient connection failure")
    func hangUp() async throws {
        let server = try await ScriptedSMTPServer { line in
            line.hasPrefix("MAIL") ? ScriptedSMTPServer.closeConnection : ScriptedSMTPServer.ordinary(line)
        }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .connection)
        #expect(failure.message.contains("MAIL FROM"))
        #expect(failure.fault == .relay)
        await server.stop()
    }

    @Test("a 421 to EHLO is a transient refusal, not a reason to try HELO")
    func serviceUnavailable() async throws {
        let server = try await ScriptedSMTPServer { line in
            line.hasPrefix("EHLO") ? "421 closing\r\n" : ScriptedSMTPServer.ordinary(line)
        }
        let failure = try #require(await Self.send(to: server))
        #expect(failure.kind == .rejected(code: 421, command: "EHLO"))
        #expect(failure.fault == .relay)
        #expect(!server.commands.contains("HELO localhost"))
        await server.stop()
    }

    @Test("no answer to QUIT after the message was accepted still counts as sent")
    func silentQuit() async throws {
        let server = try await ScriptedSMTPServer { line in
            line == "QUIT" ? nil : ScriptedSMTPServer.ordinary(line)
        }
        let failure = await Self.send(to: server, timeout: 0.5)
        #expect(failure == nil)
        #expect(server.commands.last == "QUIT")
        await server.stop()
    }

    @Test("AUTH PLAIN sends the credentials in its first line")
    func authPlainToken() async throws {
        let server = try await ScriptedSMTPServer { line in
            line.hasPrefix("AUTH") ? "235 ok\r\n" : ScriptedSMTPServer.ordinary(line, ehlo: ["scripted", "AUTH PLAIN LOGIN"])
        }
        #expect(await Self.send(to: server, username: "steward", password: "s3cret") == nil)
        let token = Data("\0steward\0s3cret".utf8).base64EncodedString()
        #expect(server.commands.contains("AUTH PLAIN \(token)"))
        await server.stop()
    }

    @Test("the old AUTH=LOGIN form is understood")
    func oldStyleAuthLogin() async throws {
        let server = try await ScriptedSMTPServer { line in
            switch line {
            case "AUTH LOGIN", Data("steward".utf8).base64EncodedString(): "334 ok\r\n"
            case Data("s3cret".utf8).base64EncodedString(): "235 ok\r\n"
            default: ScriptedSMTPServer.ordinary(line, ehlo: ["scripted", "AUTH=LOGIN"])
            }
        }
        #expect(await Self.send(to: server, username: "steward", password: "s3cret") == nil)
        #expect(server.commands.contains("AUTH LOGIN"))
        await server.stop()
    }

    @Test("AUTH with only unsupported mechanisms is a configuration error naming them")
    func unsupportedMechanism() async throws {
        let server = try await ScriptedSMTPServer { ScriptedSMTPServer.ordinary($0, ehlo: ["scripted", "AUTH CRAM-MD5"]) }
        let failure = try #require(await Self.send(to: server, username: "steward", password: "s3cret"))
        #expect(failure.kind == .configuration)
        #expect(failure.message.contains("CRAM-MD5"))
        #expect(!server.commands.contains { $0.hasPrefix("MAIL") })
        await server.stop()
    }
}
