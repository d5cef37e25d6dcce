import Foundation
import Logging
import NIOCore
import NIOPosix
import StewardMail
import StewardTestSupport
import Synchronization
import Testing

/// These tests talk to a real SMTP server (`scripts/lib/smtp-sink.py`) on a loopback port; run
/// `. scripts/lib/python-env.sh` first so that a Python with aiosmtpd is at hand.
@Suite("Sending letters through an SMTP relay")
struct SMTPClientTests {
    static let council = try! MailAddress(name: "Council Data Protection", address: "dpo@council.example")
    static let resident = try! MailAddress(name: "Siân Ó Dónaill", address: "sian@resident.example")
    static let text = "Dear Siân,\n\nYour request costs nothing (not £10 — café prices).\n.hidden line\n.\n..two dots\nYours,\nThe council"
    static let html = "<p>Dear Siân,</p>\n.<p>£10 — café</p>\n."

    static func letter(to recipients: [MailAddress] = [resident], html: String? = html) -> MailMessage {
        MailMessage(from: council, to: recipients, subject: "£10 — café", text: text, html: html)
    }

    static func client(
        port: Int,
        host: String = "127.0.0.1",
        security: SMTPConfiguration.Security = .none,
        username: String? = nil,
        password: String? = nil,
        trustRootsFile: String? = nil,
        timeout: Double = 10,
        logs: LogRecorder = LogRecorder()
    ) -> SMTPClient {
        SMTPClient(
            configuration: SMTPConfiguration(
                host: host,
                port: port,
                security: security,
                username: username,
                password: password,
                heloName: "steward.test",
                timeout: timeout,
                trustRootsFile: trustRootsFile
            ),
            logger: logs.logger
        )
    }

    static func smtpError(_ body: () async throws -> Void) async -> SMTPError? {
        do {
            try await body()
            return nil
        } catch let error as SMTPError {
            return error
        } catch {
            Issue.record("expected an SMTPError, got \(error)")
            return nil
        }
    }

    @Test("a letter arrives with its exact subject, addresses, text and HTML, dot-stuffed lines intact")
    func plainSend() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let second = try MailAddress(address: "records@council.example")
        let logs = LogRecorder()
        try await Self.client(port: sink.port, logs: logs).send(Self.letter(to: [Self.resident, second]))

        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.mailFrom == "dpo@council.example")
        #expect(mail.rcptTos == ["sian@resident.example", "records@council.example"])
        #expect(mail.authUser == nil)
        #expect(mail.subject == "£10 — café")
        #expect(mail.header("From") == "Council Data Protection <dpo@council.example>")
        #expect(mail.header("To") == "Siân Ó Dónaill <sian@resident.example>, records@council.example")
        #expect(mail.text == Self.text)
        #expect(mail.html == Self.html)
        // The server removes one leading dot from each line; these arrive whole only if each was doubled.
        #expect(mail.raw.contains("\r\n.hidden line\r\n.\r\n..two dots\r\n"))

        // Python's email package, a reader independent of Steward, sees the same letter.
        let independent = try #require(mail.independentReading)
        #expect(independent.error == nil)
        #expect(independent.defects == [])
        #expect(independent.subject == "£10 — café")
        #expect(independent.from?.map(\.address) == ["dpo@council.example"])
        #expect(independent.from?.first?.name == "Council Data Protection")
        #expect(independent.to?.map(\.address) == ["sian@resident.example", "records@council.example"])
        #expect(independent.to?.first?.name == "Siân Ó Dónaill")
        #expect(independent.content_type == "multipart/alternative")
        #expect(independent.text == Self.text)
        #expect(independent.html == Self.html)

        #expect(logs.personalDataAboveDebug(["sian@resident.example", "records@council.example", "Siân", "hidden line"]) == [])
        #expect(logs.messages(atLeast: .info).contains { $0.contains("accepted") })
    }

    @Test("a plain-text letter arrives as a single text/plain part")
    func plainTextOnly() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        try await Self.client(port: sink.port).send(Self.letter(html: nil))
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.text == Self.text)
        #expect(mail.html == nil)
        #expect(mail.independentReading?.content_type == "text/plain")
        #expect(mail.independentReading?.text == Self.text + "\n")
        #expect(mail.independentReading?.defects == [])
    }

    @Test("AUTH succeeds with the right password", arguments: [["LOGIN", "PLAIN"], ["LOGIN"]])
    func authenticates(mechanisms: [String]) async throws {
        let sink = try await SMTPSink(credentials: .init(username: "steward", password: "s3cret", mechanisms: mechanisms))
        defer { sink.stop() }
        try await Self.client(port: sink.port, username: "steward", password: "s3cret").send(Self.letter())
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.authUser == "steward")
    }

    @Test("a wrong password is a permanent failure that does not reveal the password")
    func wrongPassword() async throws {
        let sink = try await SMTPSink(credentials: .init(username: "steward", password: "s3cret"))
        defer { sink.stop() }
        let logs = LogRecorder()
        let error = await Self.smtpError {
            try await Self.client(port: sink.port, username: "steward", password: "wrong-horse", logs: logs).send(Self.letter())
        }
        let failure = try #require(error)
        #expect(failure.kind == .rejected(code: 535, command: "AUTH PLAIN"))
        #expect(failure.fault == .relay)
        #expect(!"\(failure)".contains("wrong-horse"))
        #expect(!logs.allText.contains("wrong-horse"))
        #expect(try sink.messages().isEmpty)
    }

    @Test("a server that requires AUTH refuses mail without it")
    func missingAuthentication() async throws {
        let sink = try await SMTPSink(credentials: .init(username: "steward", password: "s3cret"))
        defer { sink.stop() }
        let failure = try #require(await Self.smtpError { try await Self.client(port: sink.port).send(Self.letter()) })
        #expect(failure.kind == .rejected(code: 530, command: "MAIL FROM"))
        #expect(failure.fault == .relay)
    }

    @Test("a username without AUTH on offer fails instead of sending unauthenticated")
    func authenticationNotOffered() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let failure = try #require(
            await Self.smtpError { try await Self.client(port: sink.port, username: "steward", password: "x").send(Self.letter()) }
        )
        #expect(failure.kind == .configuration)
        #expect(try sink.messages().isEmpty)
    }

    @Test("STARTTLS with a trusted certificate delivers and authenticates over TLS", arguments: ["localhost", "127.0.0.1"])
    func startTLS(host: String) async throws {
        let certificate = try SelfSignedCertificate()
        let sink = try await SMTPSink(credentials: .init(username: "steward", password: "s3cret"), tls: certificate)
        defer { sink.stop() }
        let client = Self.client(
            port: sink.port,
            host: host,
            security: .startTLS,
            username: "steward",
            password: "s3cret",
            trustRootsFile: certificate.certificatePath
        )
        try await client.send(Self.letter())
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.authUser == "steward")
        #expect(mail.text == Self.text)
    }

    @Test("implicit TLS delivers with a trusted certificate")
    func implicitTLS() async throws {
        let certificate = try SelfSignedCertificate()
        let sink = try await SMTPSink(tls: certificate, implicitTLS: true)
        defer { sink.stop() }
        try await Self.client(port: sink.port, host: "localhost", security: .tls, trustRootsFile: certificate.certificatePath)
            .send(Self.letter())
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.subject == "£10 — café")
    }

    @Test("STARTTLS configured but not offered is a TLS failure and nothing is sent in clear")
    func startTLSNotOffered() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let failure = try #require(
            await Self.smtpError { try await Self.client(port: sink.port, security: .startTLS).send(Self.letter()) }
        )
        #expect(failure.kind == .tls)
        #expect(failure.fault == .relay)
        #expect(failure.message.contains("STARTTLS"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(try sink.messages().isEmpty)
    }

    @Test("a certificate the client does not trust stops the letter", arguments: [SMTPConfiguration.Security.startTLS, .tls])
    func untrustedCertificate(security: SMTPConfiguration.Security) async throws {
        let certificate = try SelfSignedCertificate()
        let sink = try await SMTPSink(tls: certificate, implicitTLS: security == .tls)
        defer { sink.stop() }
        let failure = try #require(
            await Self.smtpError { try await Self.client(port: sink.port, host: "localhost", security: security).send(Self.letter()) }
        )
        #expect(failure.kind == .tls)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try sink.messages().isEmpty)
    }

    @Test("a trusted certificate for another host name stops the letter", arguments: ["localhost", "127.0.0.1"])
    func wrongHostName(host: String) async throws {
        let certificate = try SelfSignedCertificate(dnsNames: ["relay.council.example"], ipAddresses: ["10.0.0.25"])
        let sink = try await SMTPSink(tls: certificate)
        defer { sink.stop() }
        let failure = try #require(
            await Self.smtpError {
                try await Self.client(port: sink.port, host: host, security: .startTLS, trustRootsFile: certificate.certificatePath)
                    .send(Self.letter())
            }
        )
        #expect(failure.kind == .tls)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try sink.messages().isEmpty)
    }

    @Test("an unreadable CA file is a configuration error")
    func missingTrustRoots() async throws {
        let failure = try #require(
            await Self.smtpError {
                try await Self.client(port: 1, security: .startTLS, trustRootsFile: "/nonexistent/ca.pem").send(Self.letter())
            }
        )
        #expect(failure.kind == .configuration)
        #expect(failure.message.contains("/nonexistent/ca.pem"))
    }

    @Test("a refused recipient is a permanent failure naming 550 and RCPT TO, and nothing is delivered")
    func rejectedRecipient() async throws {
        let sink = try await SMTPSink()
        defer { sink.stop() }
        let refused = try MailAddress(address: "reject@resident.example")
        let logs = LogRecorder()
        let failure = try #require(
            await Self.smtpError { try await Self.client(port: sink.port, logs: logs).send(Self.letter(to: [Self.resident, refused])) }
        )
        #expect(failure.kind == .rejected(code: 550, command: "RCPT TO"))
        #expect(failure.fault == .permanent)
        #expect(failure.message.contains("550"))
        #expect(!"\(failure)".contains("Dear Siân"))
        #expect(logs.personalDataAboveDebug(["reject@resident.example", "sian@resident.example"]) == [])
        try await Task.sleep(for: .milliseconds(200))
        #expect(try sink.messages().isEmpty)
    }

    @Test("a server that only knows HELO still gets the letter")
    func heloFallback() async throws {
        let sink = try await SMTPSink(refuseEHLO: true)
        defer { sink.stop() }
        try await Self.client(port: sink.port).send(Self.letter())
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.text == Self.text)
    }

    @Test("a closed port is a transient connection failure")
    func closedPort() async throws {
        let port = try await Self.unusedPort()
        let failure = try #require(await Self.smtpError { try await Self.client(port: port).send(Self.letter()) })
        #expect(failure.kind == .connection)
        #expect(failure.fault == .relay)
    }

    @Test("a server that never answers is a transient timeout")
    func silentServer() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let started = ContinuousClock.now
        let failure = try #require(
            await Self.smtpError { try await Self.client(port: server.localAddress!.port!, timeout: 0.5).send(Self.letter()) }
        )
        #expect(failure.kind == .timeout)
        #expect(failure.fault == .relay)
        #expect(failure.message.contains("greeting"))
        // The configured half second applies, not the 30-second default (a generous bound: this only
        // shows the send did not wait for the default).
        #expect(ContinuousClock.now - started < .seconds(25))
    }

    @Test("a letter with no recipients is refused before connecting")
    func noRecipients() async throws {
        let failure = try #require(await Self.smtpError { try await Self.client(port: 1).send(Self.letter(to: [])) })
        #expect(failure.kind == .invalidMessage)
        #expect(failure.fault == .permanent)
    }

    @Test("a rejection of the message is permanent at 5xx and transient at 4xx; a rejection of anything else is the relay's")
    func permanence() {
        #expect(SMTPError(.rejected(code: 550, command: "RCPT TO"), "").fault == .permanent)
        #expect(SMTPError(.rejected(code: 451, command: "DATA"), "").fault == .transient)
        #expect(SMTPError(.rejected(code: 535, command: "AUTH PLAIN"), "").fault == .relay)
        #expect(SMTPError(.connection, "").fault == .relay)
        #expect(SMTPError(.timeout, "").fault == .relay)
        #expect(SMTPError(.tls, "").fault == .relay)
    }

    @Test("the configuration's description hides the password")
    func configurationDescription() {
        let configuration = SMTPConfiguration(host: "relay.council.example", username: "steward", password: "s3cret")
        #expect(!configuration.description.contains("s3cret"))
        #expect(configuration.port == 587)
    }

    @Test("a configuration decodes with defaults for all but the host")
    func configurationDefaults() throws {
        let configuration = try JSONDecoder().decode(SMTPConfiguration.self, from: Data(#"{"host":"relay","security":"tls"}"#.utf8))
        #expect(configuration == SMTPConfiguration(host: "relay", port: 465, security: .tls))
        #expect(configuration.heloName == "localhost")
        #expect(configuration.timeout == 30)
    }

    /// A loopback port with nothing listening: bound, read and closed again.
    static func unusedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }
}

/// Collects every log record, so tests can check what reaches levels above `.debug`.
final class LogRecorder: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var text: String
    }

    private let records = Mutex<[Record]>([])

    var logger: Logger {
        var logger = Logger(label: "steward.mail.test") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    var allText: String {
        records.withLock { $0.map(\.text).joined(separator: "\n") }
    }

    func messages(atLeast level: Logger.Level) -> [String] {
        records.withLock { $0.filter { $0.level >= level }.map(\.text) }
    }

    /// The records above `.debug` that contain any of `needles`.
    func personalDataAboveDebug(_ needles: [String]) -> [String] {
        messages(atLeast: .info).filter { text in needles.contains { text.contains($0) } }
    }

    fileprivate func append(_ record: Record) {
        records.withLock { $0.append(record) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let text = "\(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            recorder.append(Record(level: event.level, text: text))
        }
    }
}
