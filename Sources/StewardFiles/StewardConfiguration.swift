public import Foundation
public import StewardCore

/// How one Steward installation is set up. Every value has a default, so Steward runs with no
/// configuration at all; `steward.yaml` and `STEWARD_*` environment variables override them.
public struct StewardConfiguration: Sendable, Hashable {
    /// The council, used when the data map has no controller.yaml.
    public var controller: Controller?
    /// The address the server listens on; loopback unless set.
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Behind the council's reverse proxy: take residents' addresses from `X-Forwarded-For` for the
    /// public routes' limits. Only when the proxy sets that header itself.
    public var trustForwardedFor = false
    /// `postgres://…` for PostgreSQL; anything else is a SQLite file path.
    public var databaseURL: String = "steward.sqlite"
    /// Where the Ed25519 key that signs audit checkpoints is kept; created on first start if absent.
    public var auditSigningKeyPath: String = "steward-audit.key"
    /// Where the data key is kept (64 hex digits; created on first start if absent). Source
    /// credentials, stored search results and erasure's HMAC and encryption are keyed from it.
    public var dataKeyPath: String = "steward-data.key"
    /// A checkpoint is kept every this many entries (the newest entry is always signed as the head).
    public var auditCheckpointInterval: Int = 1000
    /// How long a council PostgreSQL source has to answer a new connection before a run or a check
    /// says it cannot be reached.
    public var sourceConnectTimeout: Duration = .seconds(5)
    /// How long one read or write of Steward's own PostgreSQL database may take before its caller
    /// is answered 503 (nothing acknowledged) and the next goes ahead.
    public var databaseTimeout: Duration = .seconds(10)
    /// A JSON file of England and Wales bank holidays in the gov.uk format; nil uses the bundled copy.
    public var bankHolidayFile: String?
    /// Destinations treated as adequate for transfers (UK GDPR Art 45).
    public var adequacy: AdequacyList = .ukDefault
    /// Collections under a legal hold (`dataset.collection`): erasure refuses them whatever a
    /// request asks.
    public var legalHolds: Set<String> = []
    /// A folder of letter templates that replace Steward's own, file by file.
    public var lettersDirectory: String?
    /// The SMTP relay letters and codes are sent through.
    public var mail = MailSettings()
    /// When and how the retention schedule is swept.
    public var retention = RetentionSettings()
    /// The staff console and the resident portal.
    public var web = WebSettings()

    public init() {}

    /// The database this configuration names.
    public var database: DatabaseLocation {
        if databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://") {
            return .postgres(url: databaseURL)
        }
        if databaseURL.hasPrefix("sqlite://") { return .sqlite(path: String(databaseURL.dropFirst("sqlite://".count))) }
        return .sqlite(path: databaseURL)
    }
}

/// The council's SMTP relay and the sender letters come from. With no host, messages wait in the
/// outbox until one is configured.
public struct MailSettings: Sendable, Hashable, Codable {
    public enum Security: String, Sendable, Hashable, Codable, CaseIterable {
        /// Plain SMTP: only for a relay on the same machine or network segment.
        case none
        /// Connect in clear, then upgrade with STARTTLS (port 587).
        case startTLS = "starttls"
        /// TLS from the first byte (port 465).
        case tls
    }

    public var host: String?
    /// Nil for the usual port of `security`: 25, 587 or 465.
    public var port: Int?
    public var security: Security = .startTLS
    public var username: String?
    public var password: String?
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var trustRootsFile: String?
    public var heloName: String = "localhost"
    public var fromAddress: String = "steward@localhost"
    public var fromName: String?
    /// Tries before a message is marked failed and left for staff.
    public var maxAttempts: Int = 8
    /// With no relay, a folder each letter is written into as an `.eml` file instead of sent
    /// (`serve --demo` uses `demo-mail`), so a trial installation can read its letters and codes.
    public var directory: String?

    public init() {}
}

/// When `serve` sweeps the retention schedule, how big its batches are, and how long Steward keeps
/// its own records.
public struct RetentionSettings: Sendable, Hashable {
    /// The local time of the daily sweep (`retention.sweep_at`, `HH:MM`).
    public var sweepHour = 2
    public var sweepMinute = 0
    /// False to leave sweeping to `steward retention run` (from cron, say).
    public var scheduled = true
    public var batchSize = 5_000
    public var reviewDays = 30
    /// A pause after each batch, as a share of the time it took, leaving the service room.
    public var yieldShare = 1.0
    public var own = OwnRecordPeriods()

    public init() {}
}

/// The staff console and the resident portal: how they look and how long a console session lasts.
public struct WebSettings: Sendable, Hashable {
    /// The address residents and staff reach Steward at (`https://…` behind the council's proxy).
    /// When it is https, cookies are marked Secure and browsers are told to use https only (HSTS).
    public var publicURL: String?
    /// The council's colour for the header bar, as #RRGGBB; a dark one keeps white text readable.
    public var colour = "#0b0c0c"
    /// A PNG or SVG file shown in the header, or none.
    public var logoFile: String?
    /// A folder of page templates that replace Steward's own, file by file.
    public var pagesDirectory: String?
    /// bcrypt's cost for staff passwords (2^cost rounds).
    public var bcryptCost = 12
    public var sessionIdleMinutes = 30
    public var sessionHours = 12

    public init() {}

    /// Whether pages are served over TLS (as the public address says).
    public var secure: Bool { publicURL?.lowercased().hasPrefix("https://") ?? false }
}
