public import Foundation
public import StewardCore
import Yams

/// Reads `steward.yaml` (when there is one) and `STEWARD_*` environment variables over the defaults.
/// A bad value stops start-up with an error naming the key.
public enum ConfigurationLoader {
    /// The environment variables read, and the key each overrides.
    public static let environmentKeys: [(variable: String, key: String)] = [
        ("STEWARD_DATABASE_URL", "database_url"),
        ("STEWARD_HOST", "host"),
        ("STEWARD_PORT", "port"),
        ("STEWARD_AUDIT_KEY", "audit_signing_key"),
        ("STEWARD_DATA_KEY", "data_key"),
        ("STEWARD_AUDIT_CHECKPOINT_INTERVAL", "audit_checkpoint_interval"),
        ("STEWARD_SOURCE_CONNECT_TIMEOUT", "source_connect_timeout"),
        ("STEWARD_DATABASE_TIMEOUT", "database_timeout"),
        ("STEWARD_RETENTION_SWEEP_AT", "retention.sweep_at"),
        ("STEWARD_RETENTION_SCHEDULED", "retention.scheduled"),
        ("STEWARD_RETENTION_BATCH_SIZE", "retention.batch_size"),
        ("STEWARD_RETENTION_YIELD", "retention.yield"),
        ("STEWARD_BANK_HOLIDAYS", "bank_holidays"),
        ("STEWARD_CONTROLLER_NAME", "controller.name"),
        ("STEWARD_ICO_REGISTRATION", "controller.ico_registration"),
        ("STEWARD_DPO_NAME", "controller.dpo.name"),
        ("STEWARD_DPO_EMAIL", "controller.dpo.email"),
        ("STEWARD_LETTERS_DIR", "letters_directory"),
        ("STEWARD_TRUST_FORWARDED_FOR", "trust_forwarded_for"),
        ("STEWARD_SMTP_HOST", "smtp.host"),
        ("STEWARD_SMTP_PORT", "smtp.port"),
        ("STEWARD_SMTP_SECURITY", "smtp.security"),
        ("STEWARD_SMTP_USERNAME", "smtp.username"),
        ("STEWARD_SMTP_PASSWORD", "smtp.password"),
        ("STEWARD_MAIL_FROM", "mail.from_address"),
        ("STEWARD_MAIL_DIR", "mail.directory"),
        ("STEWARD_PUBLIC_URL", "web.public_url"),
        ("STEWARD_PAGES_DIR", "web.pages_directory"),
    ]

    /// Loads the configuration.
    /// - Parameters:
    ///   - path: a configuration file; nil reads `STEWARD_CONFIG` or `steward.yaml` in the working
    ///     directory when present.
    ///   - environment: the process environment.
    public static func load(
        path: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws
        -> StewardConfiguration
    {
        var values: [String: String] = [:]
        var adequate: [String]?
        var certificationOnly: [String]?
        var holds: [String]?
        let explicit = path ?? environment["STEWARD_CONFIG"]
        let filePath = explicit ?? "steward.yaml"
        if FileManager.default.fileExists(atPath: filePath) {
            guard let data = FileManager.default.contents(atPath: filePath) else {
                throw StewardError(.invalidConfiguration, "cannot read configuration file '\(filePath)'", field: "config")
            }
            let text = String(decoding: data, as: UTF8.self)
            let node: Node?
            do {
                node = try Yams.compose(yaml: text)
            } catch {
                throw StewardError(.invalidConfiguration, "\(filePath) is not valid YAML: \(error)", field: "config")
            }
            if let node {
                try flatten(
                    node,
                    prefix: "",
                    file: filePath,
                    into: &values,
                    lists: { key, list in
                        switch key {
                        case "adequacy.countries": adequate = list
                        case "adequacy.certification_only": certificationOnly = list
                        case "legal_holds": holds = list
                        default: throw StewardError(.invalidConfiguration, "\(filePath): '\(key)' does not take a list", field: key)
                        }
                    }
                )
            }
        } else if let explicit {
            throw StewardError(.invalidConfiguration, "configuration file '\(explicit)' does not exist", field: "config")
        }
        for (variable, key) in environmentKeys {
            if let value = environment[variable], !value.isEmpty { values[key] = value }
        }
        var configuration = try build(values, file: filePath)
        if let adequate { configuration.adequacy.countries = Set(try adequate.map { try country($0, key: "adequacy.countries") }) }
        if let certificationOnly {
            configuration.adequacy.certificationOnly = Set(try certificationOnly.map { try country($0, key: "adequacy.certification_only") })
        }
        if let holds {
            for hold in holds where hold.split(separator: ".").count != 2 {
                throw StewardError(.invalidConfiguration, "legal_holds lists collections as dataset.collection, not '\(hold)'", field: "legal_holds")
            }
            configuration.legalHolds = Set(holds)
        }
        return configuration
    }

    static let knownKeys: Set<String> = [
        "database_url", "host", "port", "audit_signing_key", "data_key", "audit_checkpoint_interval", "source_connect_timeout", "database_timeout",
        "bank_holidays", "controller.name",
        "controller.ico_registration", "controller.address", "controller.email", "controller.phone", "controller.dpo.name",
        "controller.dpo.email", "controller.dpo.phone", "controller.dpo.address", "adequacy.countries", "adequacy.certification_only",
        "letters_directory", "trust_forwarded_for", "legal_holds", "smtp.host", "smtp.port", "smtp.security", "smtp.username", "smtp.password",
        "smtp.trust_roots",
        "smtp.helo_name",
        "mail.from_address", "mail.from_name", "mail.max_attempts", "mail.directory", "retention.sweep_at", "retention.scheduled",
        "retention.batch_size", "retention.review_days", "retention.yield", "retention.own.requests", "retention.own.identity_challenges",
        "retention.own.outbox", "retention.own.search_results", "retention.own.revoked_tokens", "web.public_url", "web.colour", "web.logo",
        "web.pages_directory", "web.bcrypt_cost", "web.session_idle_minutes", "web.session_hours",
    ]

    static func flatten(
        _ node: Node,
        prefix: String,
        file: String,
        into values: inout [String: String],
        lists: (String, [String]) throws -> Void
    ) throws {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                try flatten(value, prefix: prefix.isEmpty ? name : "\(prefix).\(name)", file: file, into: &values, lists: lists)
            }
        case .sequence(let sequence):
            guard knownKeys.contains(prefix) else { throw unknown(prefix, file) }
            try lists(prefix, sequence.compactMap(\.string))
        case .scalar(let scalar):
            guard knownKeys.contains(prefix) else { throw unknown(prefix, file) }
            values[prefix] = scalar.string
        case .alias:
            throw StewardError(.invalidConfiguration, "\(file): '\(prefix)' uses a YAML alias, which is not supported", field: prefix)
        }
    }

    static func unknown(_ key: String, _ file: String) -> StewardError {
        StewardError(.invalidConfiguration, "\(file): unknown key '\(key)'; known keys are \(knownKeys.sorted().joined(separator: ", "))", field: key)
    }

    static func country(_ value: String, key: String) throws -> String {
        let code = value.uppercased()
        guard code.count == 2, code.allSatisfy({ $0.isLetter && $0.isASCII }) else {
            throw StewardError(.invalidConfiguration, "'\(value)' in \(key) is not an ISO 3166-1 alpha-2 country code", field: key)
        }
        return code
    }

    static func build(_ values: [String: String], file: String) throws -> StewardConfiguration {
        var configuration = StewardConfiguration()
        if let host = values["host"] { configuration.host = host }
        if let port = values["port"] {
            guard let number = Int(port), (1...65535).contains(number) else {
                throw StewardError(.invalidConfiguration, "port must be a whole number from 1 to 65535, not '\(port)'", field: "port")
            }
            configuration.port = number
        }
        if let url = values["database_url"] {
            guard !url.isEmpty else { throw StewardError(.invalidConfiguration, "database_url must not be empty", field: "database_url") }
            if url.contains("://"), !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.hasPrefix("sqlite://")) {
                throw StewardError(
                    .invalidConfiguration,
                    "database_url must be postgres://… or a SQLite file path, not '\(url.prefix(while: { $0 != ":" }))://…'",
                    field: "database_url"
                )
            }
            configuration.databaseURL = url
        }
        if let key = values["audit_signing_key"] { configuration.auditSigningKeyPath = key }
        if let key = values["data_key"] {
            guard !key.isEmpty else { throw StewardError(.invalidConfiguration, "data_key must name a file", field: "data_key") }
            configuration.dataKeyPath = key
        }
        if let interval = values["audit_checkpoint_interval"] {
            guard let number = Int(interval), number >= 1 else {
                throw StewardError(
                    .invalidConfiguration,
                    "audit_checkpoint_interval must be a whole number of entries, 1 or more, not '\(interval)'",
                    field: "audit_checkpoint_interval"
                )
            }
            configuration.auditCheckpointInterval = number
        }
        if let timeout = try seconds(values, "source_connect_timeout") { configuration.sourceConnectTimeout = timeout }
        if let timeout = try seconds(values, "database_timeout") { configuration.databaseTimeout = timeout }
        if let holidays = values["bank_holidays"] {
            guard FileManager.default.fileExists(atPath: holidays) else {
                throw StewardError(.invalidConfiguration, "bank_holidays file '\(holidays)' does not exist", field: "bank_holidays")
            }
            configuration.bankHolidayFile = holidays
        }
        configuration.lettersDirectory = values["letters_directory"]
        if let trust = values["trust_forwarded_for"] {
            guard let value = ["true": true, "false": false, "yes": true, "no": false][trust.lowercased()] else {
                throw StewardError(.invalidConfiguration, "trust_forwarded_for must be true or false, not '\(trust)'", field: "trust_forwarded_for")
            }
            configuration.trustForwardedFor = value
        }
        try readMail(values, into: &configuration.mail)
        try readRetention(values, into: &configuration.retention)
        try readWeb(values, into: &configuration.web)
        if let name = values["controller.name"] {
            var dpo: Controller.Contact?
            if let dpoName = values["controller.dpo.name"] ?? values["controller.dpo.email"] {
                dpo = .init(
                    name: dpoName,
                    email: values["controller.dpo.email"],
                    phone: values["controller.dpo.phone"],
                    address: values["controller.dpo.address"]
                )
            }
            configuration.controller = Controller(
                name: name,
                icoRegistration: values["controller.ico_registration"],
                address: values["controller.address"],
                email: values["controller.email"],
                phone: values["controller.phone"],
                dpo: dpo
            )
        } else if let orphan = values.keys.filter({ $0.hasPrefix("controller.") }).min() {
            throw StewardError(.invalidConfiguration, "'\(orphan)' is set but controller.name is not", field: "controller.name")
        }
        return configuration
    }

    /// A whole number in `range`, if the key is set.
    static func wholeNumber(_ values: [String: String], _ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[key] else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw StewardError(
                .invalidConfiguration,
                "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(20))'",
                field: key
            )
        }
        return number
    }

    /// A number of seconds, above 0 and at most 600.
    static func seconds(_ values: [String: String], _ key: String) throws -> Duration? {
        guard let text = values[key] else { return nil }
        guard let seconds = Double(text), seconds > 0, seconds <= 600 else {
            throw StewardError(
                .invalidConfiguration,
                "\(key) must be a number of seconds above 0 and at most 600, not '\(text.prefix(40))'",
                field: key
            )
        }
        return .milliseconds(Int((seconds * 1000).rounded()))
    }

    static func readRetention(_ values: [String: String], into retention: inout RetentionSettings) throws {
        if let time = values["retention.sweep_at"] {
            let parts = time.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let hour = parts[0], let minute = parts[1], (0...23).contains(hour), (0...59).contains(minute) else {
                throw StewardError(
                    .invalidConfiguration,
                    "retention.sweep_at is a local time as HH:MM, such as 02:00, not '\(time.prefix(20))'",
                    field: "retention.sweep_at"
                )
            }
            retention.sweepHour = hour
            retention.sweepMinute = minute
        }
        if let scheduled = values["retention.scheduled"] {
            guard let value = ["true": true, "false": false, "yes": true, "no": false][scheduled.lowercased()] else {
                throw StewardError(
                    .invalidConfiguration,
                    "retention.scheduled must be true or false, not '\(scheduled.prefix(20))'",
                    field: "retention.scheduled"
                )
            }
            retention.scheduled = value
        }
        func whole(_ key: String, _ range: ClosedRange<Int>) throws -> Int? { try wholeNumber(values, key, range) }
        if let size = try whole("retention.batch_size", 1...100_000) { retention.batchSize = size }
        if let days = try whole("retention.review_days", 1...365) { retention.reviewDays = days }
        if let share = values["retention.yield"] {
            guard let value = Double(share), value >= 0, value <= 10 else {
                throw StewardError(
                    .invalidConfiguration,
                    "retention.yield must be a number from 0 to 10, not '\(share.prefix(20))'",
                    field: "retention.yield"
                )
            }
            retention.yieldShare = value
        }
        func period(_ kind: String) throws -> RetentionRule.Period? {
            let key = "retention.own.\(kind)"
            guard let text = values[key] else { return nil }
            guard let period = RetentionRule.Period(parsing: text), !period.birthday else {
                throw StewardError(
                    .invalidConfiguration,
                    "\(key) must be a period such as '6 years' or '30 days', not '\(text.prefix(40))'",
                    field: key
                )
            }
            return period
        }
        if let value = try period("requests") { retention.own.requests = value }
        if let value = try period("identity_challenges") { retention.own.identityChallenges = value }
        if let value = try period("outbox") { retention.own.outbox = value }
        if let value = try period("search_results") { retention.own.searchResults = value }
        if let value = try period("revoked_tokens") { retention.own.revokedTokens = value }
    }

    static func readWeb(_ values: [String: String], into web: inout WebSettings) throws {
        if let url = values["web.public_url"], !url.isEmpty {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw StewardError(
                    .invalidConfiguration,
                    "web.public_url must be an http or https address such as https://steward.council.gov.uk, not '\(url.prefix(60))'",
                    field: "web.public_url"
                )
            }
            web.publicURL = url
        }
        if let colour = values["web.colour"] {
            guard colour.count == 7, colour.hasPrefix("#"), colour.dropFirst().allSatisfy(\.isHexDigit) else {
                throw StewardError(.invalidConfiguration, "web.colour must be a colour as #RRGGBB, not '\(colour.prefix(20))'", field: "web.colour")
            }
            web.colour = colour.lowercased()
        }
        for (key, path) in [("web.logo", values["web.logo"]), ("web.pages_directory", values["web.pages_directory"])] {
            guard let path else { continue }
            guard FileManager.default.fileExists(atPath: path) else {
                throw StewardError(.invalidConfiguration, "\(key) '\(path.prefix(200))' does not exist", field: key)
            }
        }
        if let logo = values["web.logo"] {
            guard logo.lowercased().hasSuffix(".png") || logo.lowercased().hasSuffix(".svg") else {
                throw StewardError(.invalidConfiguration, "web.logo must be a .png or .svg file", field: "web.logo")
            }
            web.logoFile = logo
        }
        web.pagesDirectory = values["web.pages_directory"]
        func whole(_ key: String, _ range: ClosedRange<Int>) throws -> Int? { try wholeNumber(values, key, range) }
        if let cost = try whole("web.bcrypt_cost", 10...16) { web.bcryptCost = cost }
        if let minutes = try whole("web.session_idle_minutes", 5...480) { web.sessionIdleMinutes = minutes }
        if let hours = try whole("web.session_hours", 1...24) { web.sessionHours = hours }
    }

    static func readMail(_ values: [String: String], into mail: inout MailSettings) throws {
        mail.host = values["smtp.host"].flatMap { $0.isEmpty ? nil : $0 }
        if let port = values["smtp.port"] {
            guard let number = Int(port), (1...65535).contains(number) else {
                throw StewardError(.invalidConfiguration, "smtp.port must be a whole number from 1 to 65535, not '\(port)'", field: "smtp.port")
            }
            mail.port = number
        }
        if let security = values["smtp.security"] {
            guard let value = MailSettings.Security(rawValue: security.lowercased()) else {
                throw StewardError(
                    .invalidConfiguration,
                    "smtp.security must be one of \(MailSettings.Security.allCases.map(\.rawValue).joined(separator: ", ")), not '\(security)'",
                    field: "smtp.security"
                )
            }
            mail.security = value
        }
        mail.username = values["smtp.username"]
        mail.password = values["smtp.password"]
        if (mail.username == nil) != (mail.password == nil) {
            throw StewardError(.invalidConfiguration, "smtp.username and smtp.password must be set together", field: "smtp.password")
        }
        if let roots = values["smtp.trust_roots"] {
            guard FileManager.default.fileExists(atPath: roots) else {
                throw StewardError(.invalidConfiguration, "smtp.trust_roots file '\(roots)' does not exist", field: "smtp.trust_roots")
            }
            mail.trustRootsFile = roots
        }
        if let helo = values["smtp.helo_name"] { mail.heloName = helo }
        if let from = values["mail.from_address"] {
            guard Requester.isPlausibleEmail(from) else {
                throw StewardError(.invalidConfiguration, "mail.from_address '\(from)' is not an email address", field: "mail.from_address")
            }
            mail.fromAddress = from
        }
        mail.fromName = values["mail.from_name"]
        mail.directory = values["mail.directory"].flatMap { $0.isEmpty ? nil : $0 }
        if let attempts = values["mail.max_attempts"] {
            guard let number = Int(attempts), (1...50).contains(number) else {
                throw StewardError(.invalidConfiguration, "mail.max_attempts must be from 1 to 50, not '\(attempts)'", field: "mail.max_attempts")
            }
            mail.maxAttempts = number
        }
    }
}
