import Foundation
public import Logging
public import ServiceLifecycle
public import StewardCore
public import StewardFiles
import StewardMail
public import StewardStore

/// Sends the outbox through the council's SMTP relay, and keeps trying: a failure that may pass
/// (the relay is down, a 4xx reply) is tried again with backoff; a permanent refusal (a 5xx reply,
/// a bad address) or the last allowed try marks the message failed for staff to look at. Every
/// delivery and every failure given up on is audited.
public struct OutboxWorker: Service {
    public let store: Store
    public let settings: MailSettings
    public let logger: Logger
    /// How long to wait when there is nothing to send.
    public var idle: Duration = .seconds(5)

    /// The client for the configured relay, built once (its TLS context with it); nil when no
    /// relay is configured.
    let client: SMTPClient?

    public init(store: Store, settings: MailSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
        client = settings.host.map { host in
            let security: SMTPConfiguration.Security =
                switch settings.security {
                case .none: .none
                case .startTLS: .startTLS
                case .tls: .tls
                }
            return SMTPClient(
                configuration: SMTPConfiguration(
                    host: host,
                    port: settings.port,
                    security: security,
                    username: settings.username,
                    password: settings.password,
                    heloName: settings.heloName,
                    trustRootsFile: settings.trustRootsFile
                ),
                logger: logger
            )
        }
    }

    public func run() async throws {
        guard client != nil || settings.directory != nil else {
            logger.warning("smtp.host is not set: letters and codes wait in the outbox until a relay is configured")
            // A service that returns stops the server with it: stay until shutdown.
            try? await gracefulShutdown()
            return
        }
        do {
            _ = try MailAddress(name: settings.fromName, address: settings.fromAddress)
        } catch {
            logger.error("mail.from_address cannot be used to send: letters wait in the outbox", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
            return
        }
        if client == nil, let directory = settings.directory {
            logger.warning("smtp.host is not set: letters are written to \(directory)/ as .eml files instead of sent")
        }
        // A send cut short by shutdown is tried again once its lease runs out.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let handled: Int
                do {
                    handled = try await deliverDue()
                } catch {
                    logger.error("the outbox could not be read", metadata: ["error": "\(error)"])
                    handled = 0
                }
                if handled == 0 { try await Task.sleep(for: idle) }
            }
        }
    }

    /// Sends the messages that are due now, one claim at a time, until none is due or the relay
    /// fails; returns how many were tried.
    @discardableResult
    /// `now` fixes the time (for tests); otherwise the clock is read for each claim, so a lease
    /// taken after a slow send is not already running out.
    public func deliverDue(now fixed: Int64? = nil, most: Int = 100) async throws -> Int {
        guard client != nil || settings.directory != nil else { return 0 }
        let sender = try MailAddress(name: settings.fromName, address: settings.fromAddress)
        var tried = 0
        while tried < most {
            let now = fixed ?? Store.epochSeconds()
            guard let message = try await store.claimOutbox(now: now).first else { break }
            tried += 1
            do {
                let ready = try store.deliverable(message, now: now)
                let mail = MailMessage(
                    from: sender,
                    to: [try MailAddress(name: ready.toName, address: ready.toAddress)],
                    subject: ready.subject,
                    text: ready.text,
                    html: ready.html
                )
                if let client {
                    try await client.send(mail)
                } else if let directory = settings.directory {
                    do {
                        try Self.write(mail, into: directory)
                    } catch {
                        // A folder that cannot be written (full, read-only) may be fixed: as a relay that is down.
                        try await store.postpone(message, error: "cannot write the letter into \(directory)", until: now + 60)
                        logger.warning(
                            "a letter could not be written into mail.directory; trying again in a minute",
                            metadata: ["directory": "\(directory)"]
                        )
                        return tried
                    }
                }
                if try await !store.markSent(message) {
                    logger.warning("a letter was sent after its claim lapsed; it may be sent twice", metadata: ["message": "\(message.id)"])
                }
            } catch let error as SMTPError {
                // A relay's reply may quote the address; it goes no further than the outbox row.
                let reason = Self.scrub(error.message, address: message.toAddress)
                switch error.fault {
                case .relay:
                    try await store.postpone(message, error: reason, until: now + 60)
                    logger.warning("the SMTP relay failed; sending again in a minute", metadata: ["error": "\(reason)"])
                    return tried
                case .transient, .permanent:
                    let status = try await store.markFailed(
                        message,
                        error: reason,
                        permanent: error.fault == .permanent,
                        maxAttempts: settings.maxAttempts,
                        now: now
                    )
                    logger.warning(
                        "a letter could not be sent",
                        metadata: ["message": "\(message.id)", "error": "\(reason)", "status": "\(status.rawValue)"]
                    )
                }
            } catch let error as StewardError {
                try await store.markFailed(message, error: error.message, permanent: true, maxAttempts: settings.maxAttempts, now: now)
                logger.warning("a letter cannot be sent", metadata: ["message": "\(message.id)", "error": "\(error.message)"])
            }
        }
        return tried
    }

    /// Writes a letter as `TIME-ID.eml` in `directory` (made if missing), readable only by its owner:
    /// a letter with a code holds the code.
    static func write(_ mail: MailMessage, into directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let stamp = AuditChain.timestamp().filter { $0.isNumber }
        let name = "\(stamp)-\(mail.messageID.filter { $0.isLetter || $0.isNumber }.prefix(24)).eml"
        let path = folder.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: Data(mail.rendered().utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StewardError(.unavailable, "cannot write a letter into \(directory)", field: "mail.directory")
        }
    }

    /// The text with the recipient's address (in any case) replaced by `<recipient>`.
    static func scrub(_ text: String, address: String) -> String {
        guard !address.isEmpty else { return text }
        var result = text
        while let range = result.range(of: address, options: .caseInsensitive) { result.replaceSubrange(range, with: "<recipient>") }
        return result
    }
}
