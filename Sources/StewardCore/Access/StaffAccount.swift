public import Foundation

/// A member of staff who signs in to the console: an email address, one role (the roles API tokens
/// have), and a password kept only as a bcrypt hash. A new account has no password until its owner
/// chooses one with the one-time setup code printed when it was made.
public struct StaffAccount: Sendable, Hashable, Codable {
    public var id: String
    /// Lower-cased, as it is typed at sign-in.
    public var email: String
    public var role: Role
    public var createdAt: String
    public var createdBy: String
    /// Whether a password has been chosen; until then only the setup code signs in.
    public var hasPassword: Bool
    public var disabledAt: String?

    public init(
        id: String,
        email: String,
        role: Role,
        createdAt: String,
        createdBy: String,
        hasPassword: Bool,
        disabledAt: String? = nil
    ) {
        self.id = id
        self.email = email
        self.role = role
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.hasPassword = hasPassword
        self.disabledAt = disabledAt
    }

    /// The name the audit log records for what this member of staff does.
    public var actor: String { "staff:\(email)" }

    /// An email address as accounts keep it: trimmed, lower-cased, one `@` with something either
    /// side and a dot in the domain, at most 254 characters.
    public static func checkedEmail(_ text: String, field: String = "email") throws -> String {
        let email = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), !email.contains(where: { $0.isWhitespace })
        else {
            throw StewardError(.invalidInput, "enter an email address in the correct format, like name@council.gov.uk", field: field)
        }
        return email
    }
}

/// What a password must be: long enough to resist guessing (NCSC and NIST SP 800-63B ask for length,
/// not character classes), no longer than bcrypt reads (72 bytes), and not the account's own email.
public enum PasswordPolicy {
    public static let minimumCharacters = 12
    public static let maximumBytes = 72

    public static func check(_ password: String, email: String, field: String = "password") throws {
        guard password.count >= minimumCharacters else {
            throw StewardError(.invalidInput, "the password must be at least \(minimumCharacters) characters", field: field)
        }
        guard password.utf8.count <= maximumBytes else {
            throw StewardError(.invalidInput, "the password must be at most \(maximumBytes) bytes (72 letters without accents)", field: field)
        }
        let lowered = password.lowercased()
        let name = email.split(separator: "@").first.map(String.init) ?? email
        // A short name ("al", "jo") would rule out ordinary words; only a name of 4 or more counts.
        guard lowered != email, name.count < 4 || !lowered.contains(name) else {
            throw StewardError(.invalidInput, "the password must not contain your email address", field: field)
        }
    }
}

/// How long a console session lasts: it ends after `idle` without a request, and at `absolute`
/// after sign-in whatever happens.
public struct SessionPolicy: Sendable, Hashable {
    public var idle: Duration
    public var absolute: Duration

    public init(idle: Duration = .seconds(30 * 60), absolute: Duration = .seconds(12 * 3600)) {
        self.idle = idle
        self.absolute = absolute
    }
}

/// How many failed sign-ins are allowed in `window` before more are refused without checking the
/// password: per account (guessing one person's password) and per address (trying many accounts).
public struct LoginThrottle: Sendable, Hashable {
    public var perAccount: Int
    public var perAddress: Int
    public var window: Duration

    public init(perAccount: Int = 5, perAddress: Int = 20, window: Duration = .seconds(15 * 60)) {
        self.perAccount = perAccount
        self.perAddress = perAddress
        self.window = window
    }
}

/// A signed-in member of staff, as the console sees them on each request.
public struct StaffSession: Sendable, Hashable {
    public var account: StaffAccount
    /// The token every form of this session carries (CSRF).
    public var csrf: String
    public var createdAt: Int64
    public var expiresAt: Int64
    /// Signed in with the setup code: nothing but choosing a password is open.
    public var mustChoosePassword: Bool

    public init(account: StaffAccount, csrf: String, createdAt: Int64, expiresAt: Int64, mustChoosePassword: Bool) {
        self.account = account
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.mustChoosePassword = mustChoosePassword
    }
}

/// What a sign-in came to.
public enum SignInOutcome: Sendable, Hashable {
    /// Signed in: the cookie's secret (shown once, stored hashed) and the session.
    case signedIn(secret: String, session: StaffSession)
    /// The email or password was wrong, or the account is disabled: one answer for all three.
    case refused
    /// Too many failures lately; no password was checked.
    case throttled
}
