/// Where and how Steward reaches the mail relay.
///
/// Decoding fills in defaults for everything but `host`: the port follows `security` (25, 587 or
/// 465), `heloName` is "localhost" and `timeout` 30 seconds. ``description`` never shows the password.
public struct SMTPConfiguration: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the connection is protected.
    public enum Security: String, Sendable, Hashable, Codable {
        /// Plain TCP. Credentials are then only sent to a loopback address.
        case none
        /// Plain TCP upgraded with STARTTLS (RFC 3207) before anything else is sent; sending fails if
        /// the server does not offer it.
        case startTLS = "starttls"
        /// TLS from the first byte ("implicit TLS", RFC 8314), usually on port 465.
        case tls
    }

    /// The relay's host name or IP address; with TLS, the name its certificate must hold.
    public var host: String
    /// The relay's TCP port.
    public var port: Int
    /// Plain, STARTTLS or implicit TLS.
    public var security: Security
    /// The AUTH user; when set, Steward authenticates with AUTH PLAIN (or LOGIN, if that is all the
    /// server offers) and fails rather than send without authenticating.
    public var username: String?
    /// The AUTH password; never logged or shown in errors.
    public var password: String?
    /// The name Steward gives itself in EHLO/HELO.
    public var heloName: String
    /// Seconds allowed for connecting and for each reply the server owes.
    public var timeout: Double
    /// A PEM file of CA certificates to trust for the relay's certificate; `nil` trusts the system's.
    public var trustRootsFile: String?

    /// Makes a configuration; without `port`, the usual one for `security` (``defaultPort(for:)``).
    public init(
        host: String,
        port: Int? = nil,
        security: Security = .startTLS,
        username: String? = nil,
        password: String? = nil,
        heloName: String = "localhost",
        timeout: Double = 30,
        trustRootsFile: String? = nil
    ) {
        self.host = host
        self.port = port ?? Self.defaultPort(for: security)
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.timeout = timeout
        self.trustRootsFile = trustRootsFile
    }

    /// The usual port for each kind of security: 25 for plain SMTP, 587 for submission with
    /// STARTTLS, 465 for implicit TLS (RFC 8314 §3.3).
    public static func defaultPort(for security: Security) -> Int {
        switch security {
        case .none: 25
        case .startTLS: 587
        case .tls: 465
        }
    }

    private enum CodingKeys: String, CodingKey {
        case host, port, security, username, password, heloName, timeout, trustRootsFile
    }

    /// Decodes a configuration, filling in the defaults of ``init(host:port:security:username:password:heloName:timeout:trustRootsFile:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            host: container.decode(String.self, forKey: .host),
            port: container.decodeIfPresent(Int.self, forKey: .port),
            security: container.decodeIfPresent(Security.self, forKey: .security) ?? .startTLS,
            username: container.decodeIfPresent(String.self, forKey: .username),
            password: container.decodeIfPresent(String.self, forKey: .password),
            heloName: container.decodeIfPresent(String.self, forKey: .heloName) ?? "localhost",
            timeout: container.decodeIfPresent(Double.self, forKey: .timeout) ?? 30,
            trustRootsFile: container.decodeIfPresent(String.self, forKey: .trustRootsFile)
        )
    }

    /// Host, port, security and username; the password shows only as `<redacted>`.
    public var description: String {
        var parts = ["\(host):\(port)", "security: \(security.rawValue)"]
        if let username { parts.append("username: \(username)") }
        if password != nil { parts.append("password: <redacted>") }
        return "SMTPConfiguration(\(parts.joined(separator: ", ")))"
    }
}
