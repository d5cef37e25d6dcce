public import Foundation
import Synchronization

/// A real SMTP server on a free loopback port that keeps every message it accepts, for testing
/// Steward's mail client end to end.
///
/// It runs `scripts/lib/smtp-sink.py` (aiosmtpd) with the Python named by
/// `STEWARD_TEST_SMTP_PYTHON`, or `python3` from the path when that is unset;
/// `. scripts/lib/python-env.sh` prepares such a Python. Recipients whose local part is
/// "reject" are refused with 550. The server stops with ``stop()`` or when the sink is released.
///
/// Every stored property is set once in `init`; reading messages only reads files, and the process
/// is only signalled and waited for, so a sink may be shared between tasks.
public final class SMTPSink: @unchecked Sendable {
    /// Credentials the sink requires with AUTH.
    public struct Credentials: Sendable {
        public var username: String
        public var password: String
        /// The mechanisms offered, such as `["LOGIN"]`; both PLAIN and LOGIN by default.
        public var mechanisms: [String]

        public init(username: String, password: String, mechanisms: [String] = ["LOGIN", "PLAIN"]) {
            self.username = username
            self.password = password
            self.mechanisms = mechanisms
        }
    }

    /// The loopback port the sink listens on, at 127.0.0.1.
    public let port: Int
    /// The folder holding the received messages.
    public let messageDirectory: URL

    private let process: Process
    private let input: Pipe
    private let workDirectory: URL

    /// The sink script, found from this file's place in the repository.
    public static let scriptURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // StewardTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .appendingPathComponent("scripts/lib/smtp-sink.py")

    /// Starts a sink and waits until it listens. With `credentials` it requires AUTH (over TLS when
    /// `tls` is given, else in clear); with `tls` it offers STARTTLS and requires it before mail.
    /// `implicitTLS` makes it speak TLS from the first byte instead of offering STARTTLS.
    /// `refuseEHLO` makes it answer EHLO with 502, as a server that only knows HELO.
    public init(
        credentials: Credentials? = nil,
        tls: SelfSignedCertificate? = nil,
        implicitTLS: Bool = false,
        refuseEHLO: Bool = false,
        startupTimeout: Duration = .seconds(20)
    ) async throws {
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-smtp-sink-\(UUID().uuidString)")
        let messageDirectory = workDirectory.appendingPathComponent("messages")
        try FileManager.default.createDirectory(at: messageDirectory, withIntermediateDirectories: true)
        let logURL = workDirectory.appendingPathComponent("sink.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)

        var arguments = [Self.scriptURL.path, "--port", "0", "--dir", messageDirectory.path, "--exit-with-stdin"]
        if let credentials {
            arguments += ["--auth", "\(credentials.username):\(credentials.password)"]
            arguments += ["--auth-mechanisms", credentials.mechanisms.joined(separator: ",")]
        }
        if let tls {
            arguments += ["--tls-cert", tls.certificatePath, "--tls-key", tls.keyPath]
            if implicitTLS { arguments.append("--implicit-tls") }
        }
        if refuseEHLO {
            arguments.append("--refuse-ehlo")
        }

        // The interpreter named, else the one scripts/lib/python-env.sh made, else python3.
        let environment = ProcessInfo.processInfo.environment
        let venv =
            environment["STEWARD_TEST_VENV"]
            ?? URL(fileURLWithPath: environment["HOME"] ?? "/tmp").appendingPathComponent(".cache/steward/test-venv").path
        let made = URL(fileURLWithPath: venv).appendingPathComponent("bin/python").path
        let python =
            environment["STEWARD_TEST_SMTP_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (FileManager.default.isExecutableFile(atPath: made) ? made : nil)
        let process = Process()
        if let python {
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: logURL)
        // The sink exits when this pipe closes, which happens at the latest when the test process
        // ends, so a crashed or killed test run leaves no server behind.
        let input = Pipe()
        process.standardInput = input

        let collected = CollectedOutput()
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                collected.bytes.withLock { $0.append(data) }
            }
        }

        do {
            try process.run()
        } catch {
            throw SMTPSinkError(
                "could not start \(python ?? "python3") for the SMTP sink: \(error). \(Self.installHint)"
            )
        }

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: startupTimeout)
        var port: Int?
        while port == nil {
            let text = String(decoding: collected.bytes.withLock { $0 }, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }), let number = Int(line.dropFirst(5)) {
                port = number
                break
            }
            if !process.isRunning {
                let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(at: workDirectory)
                throw SMTPSinkError(
                    "the SMTP sink exited with status \(process.terminationStatus) before it was listening. "
                        + "\(Self.installHint) Its output:\n\(log.suffix(2000))"
                )
            }
            if clock.now >= deadline {
                process.terminate()
                process.waitUntilExit()
                let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(at: workDirectory)
                throw SMTPSinkError("the SMTP sink did not report its port within \(startupTimeout). Its output:\n\(log.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }

        self.port = port!
        self.process = process
        self.input = input
        self.workDirectory = workDirectory
        self.messageDirectory = messageDirectory
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Stops the server and waits for it to exit. The received messages stay readable.
    public func stop() {
        if process.isRunning {
            process.terminate()
        }
        // Polled rather than `waitUntilExit()`, which runs a run loop on the calling thread and has
        // crashed libdispatch when two sinks stopped at once on Linux.
        while process.isRunning { usleep(10_000) }
        try? input.fileHandleForWriting.close()
    }

    /// Every message accepted so far, in arrival order.
    public func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: messageDirectory.path)
        let stems = names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".parsed.json") }.map { String($0.dropLast(5)) }.sorted()
        return try stems.map { stem in
            let envelope = try JSONDecoder().decode(
                ReceivedMail.Envelope.self,
                from: Data(contentsOf: messageDirectory.appendingPathComponent("\(stem).json"))
            )
            let raw = try Data(contentsOf: messageDirectory.appendingPathComponent("\(stem).eml"))
            let independent = try? JSONDecoder().decode(
                ReceivedMail.IndependentReading.self,
                from: Data(contentsOf: messageDirectory.appendingPathComponent("\(stem).parsed.json"))
            )
            return ReceivedMail(envelope: envelope, raw: raw, independentReading: independent)
        }
    }

    /// Waits until at least `count` messages have arrived and returns them all, or throws after `timeout`.
    public func waitForMessages(count: Int, timeout: Duration = .seconds(10)) async throws -> [ReceivedMail] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let received = try messages()
            if received.count >= count { return received }
            if clock.now >= deadline {
                throw SMTPSinkError("the SMTP sink received \(received.count) of \(count) messages within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static let installHint =
        "The SMTP sink needs Python 3 with aiosmtpd: run `. scripts/lib/python-env.sh` before `swift test` (it creates a "
        + "virtual environment with aiosmtpd and sets STEWARD_TEST_SMTP_PYTHON), or `python3 -m pip install aiosmtpd`."
}

/// What the sink has printed so far, filled in by the pipe's reader on its own thread.
private final class CollectedOutput: Sendable {
    let bytes = Mutex(Data())
}

/// Why the SMTP sink could not start or did not receive what a test waited for.
public struct SMTPSinkError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// One message as the sink received it: the SMTP envelope, the bytes after DATA, and the message
/// read back into headers and decoded text and HTML parts.
public struct ReceivedMail: Sendable {
    struct Envelope: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var auth_user: String?
    }

    /// The message as Python's email package reads it, a reader independent of Steward's code.
    public struct IndependentReading: Sendable, Decodable {
        public struct Mailbox: Sendable, Decodable, Hashable {
            public var name: String?
            public var address: String
        }

        public var subject: String?
        public var from: [Mailbox]?
        public var to: [Mailbox]?
        public var content_type: String?
        public var text: String?
        public var html: String?
        /// Problems the reader found; empty for a well-formed message.
        public var defects: [String]?
        /// Set when the reader could not read the message at all.
        public var error: String?
    }

    /// One header field, unfolded, with its value as sent (encoded-words not decoded).
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// The envelope sender, from `MAIL FROM`.
    public var mailFrom: String
    /// The envelope recipients the sink accepted, from `RCPT TO`.
    public var rcptTos: [String]
    /// The user that authenticated, if any.
    public var authUser: String?
    /// The message exactly as received after DATA, dot-stuffing removed.
    public var raw: String
    public var headers: [Header]
    /// The text/plain part, decoded, with LF line endings.
    public var text: String?
    /// The text/html part, decoded, with LF line endings.
    public var html: String?
    public var independentReading: IndependentReading?

    /// Reads a rendered message without an envelope, for tests of rendering alone.
    public init(parsing raw: String) {
        self.init(envelope: Envelope(mail_from: "", rcpt_tos: [], auth_user: nil), raw: Data(raw.utf8), independentReading: nil)
    }

    init(envelope: Envelope, raw: Data, independentReading: IndependentReading?) {
        self.mailFrom = envelope.mail_from
        self.rcptTos = envelope.rcpt_tos
        self.authUser = envelope.auth_user
        self.raw = String(decoding: raw, as: UTF8.self)
        self.independentReading = independentReading
        let entity = MIMEEntity(self.raw)
        self.headers = entity.headers
        var text: String?
        var html: String?
        for part in entity.leaves() {
            switch part.contentType {
            case "text/plain" where text == nil: text = part.decodedText
            case "text/html" where html == nil: html = part.decodedText
            default: break
            }
        }
        self.text = text
        self.html = html
    }

    /// The first header with this name, encoded-words decoded.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map { MIMEEntity.decodeEncodedWords($0.value) }
    }

    public var subject: String? { header("Subject") }
}

/// A minimal MIME reader, enough to read back what Steward sends: headers, multipart bodies,
/// quoted-printable and base64.
struct MIMEEntity {
    var headers: [ReceivedMail.Header]
    var body: String
    var isTopLevel: Bool

    init(_ raw: String, isTopLevel: Bool = true) {
        self.isTopLevel = isTopLevel
        let separator = raw.range(of: "\r\n\r\n")
        let headerBlock = separator.map { String(raw[..<$0.lowerBound]) } ?? raw
        body = separator.map { String(raw[$0.upperBound...]) } ?? ""
        var headers: [ReceivedMail.Header] = []
        for line in headerBlock.components(separatedBy: "\r\n") {
            if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += line
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                headers.append(ReceivedMail.Header(name: String(line[..<colon]), value: String(value)))
            }
        }
        self.headers = headers
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    var contentType: String {
        let value = header("Content-Type") ?? "text/plain"
        return value.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "text/plain"
    }

    func parameter(_ name: String) -> String? {
        guard let value = header("Content-Type") else { return nil }
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == name {
                return pair[1].hasPrefix("\"") ? String(pair[1].dropFirst().dropLast()) : pair[1]
            }
        }
        return nil
    }

    /// The non-multipart parts, depth first.
    func leaves() -> [MIMEEntity] {
        guard contentType.hasPrefix("multipart/"), let boundary = parameter("boundary") else { return [self] }
        // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1).
        let pieces = ("\r\n" + body).components(separatedBy: "\r\n--\(boundary)")
        var parts: [MIMEEntity] = []
        for piece in pieces.dropFirst() {
            if piece.hasPrefix("--") { break }
            // The rest of the delimiter line, then the part.
            guard let lineEnd = piece.range(of: "\r\n") else { continue }
            parts.append(MIMEEntity(String(piece[lineEnd.upperBound...]), isTopLevel: false))
        }
        return parts.flatMap { $0.leaves() }
    }

    var decodedText: String {
        var content = body
        // A single-part message ends with the line break that ends its last line.
        if isTopLevel && content.utf8.count >= 2 && content.utf8.suffix(2).elementsEqual("\r\n".utf8) {
            content = String(decoding: content.utf8.dropLast(2), as: UTF8.self)
        }
        let bytes: [UInt8]
        switch (header("Content-Transfer-Encoding") ?? "7bit").lowercased() {
        case "quoted-printable": bytes = Self.decodeQuotedPrintable(content)
        case "base64": bytes = Array(Data(base64Encoded: content.filter { !$0.isWhitespace }) ?? Data())
        default: bytes = Array(content.utf8)
        }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
    }

    static func decodeQuotedPrintable(_ text: String) -> [UInt8] {
        let input = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < input.count, input[index + 1] == UInt8(ascii: "\r"), input[index + 2] == UInt8(ascii: "\n") {
                    index += 3
                    continue
                }
                if index + 2 < input.count, let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                    output.append(value)
                    index += 3
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    /// Decodes RFC 2047 encoded-words, dropping the white space between adjacent ones.
    static func decodeEncodedWords(_ value: String) -> String {
        var result = ""
        var pendingSpace = ""
        var previousWasEncoded = false
        var index = value.startIndex
        while index < value.endIndex {
            if value[index].isWhitespace {
                let end = value[index...].firstIndex { !$0.isWhitespace } ?? value.endIndex
                pendingSpace = String(value[index..<end])
                index = end
                continue
            }
            let end = value[index...].firstIndex { $0.isWhitespace } ?? value.endIndex
            let word = String(value[index..<end])
            if let decoded = decodeEncodedWord(word) {
                if !previousWasEncoded { result += pendingSpace }
                result += decoded
                previousWasEncoded = true
            } else {
                result += pendingSpace + word
                previousWasEncoded = false
            }
            pendingSpace = ""
            index = end
        }
        return result
    }

    static func decodeEncodedWord(_ word: String) -> String? {
        guard word.hasPrefix("=?"), word.hasSuffix("?="), word.count > 4 else { return nil }
        let fields = word.dropFirst(2).dropLast(2).split(separator: "?", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return nil }
        switch fields[1].uppercased() {
        case "B":
            return Data(base64Encoded: String(fields[2])).map { String(decoding: $0, as: UTF8.self) }
        case "Q":
            return String(decoding: decodeQuotedPrintable(fields[2].replacingOccurrences(of: "_", with: " ")), as: UTF8.self)
        default:
            return nil
        }
    }
}

/// A self-signed certificate, by default for `localhost` and `127.0.0.1`, made with `openssl` in a
/// temporary folder, for TLS tests. The folder is removed when the value is released.
public final class SelfSignedCertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let directory: URL

    public init(dnsNames: [String] = ["localhost"], ipAddresses: [String] = ["127.0.0.1"]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        keyPath = directory.appendingPathComponent("key.pem").path
        let alternativeNames = (dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }).joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(dnsNames.first ?? "localhost")",
            "-addext", "subjectAltName=\(alternativeNames)", "-keyout", keyPath, "-out", certificatePath,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SMTPSinkError("openssl could not make a test certificate: \(String(decoding: output, as: UTF8.self))")
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}
