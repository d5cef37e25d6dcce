import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import StewardCore

/// Where a PostgreSQL database is and how to reach it, read from a `postgres://` URL, and the
/// words for why it could not be reached.
struct PostgresAddress: Sendable {
    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var sslMode: String

    /// Reads `postgres://user:password@host:port/database?sslmode=…`.
    init(url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw StewardError(.invalidConfiguration, "database_url is not a valid postgres:// URL", field: "database_url")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) else {
            throw StewardError(
                .invalidConfiguration,
                "database_url sslmode '\(mode)' is not one of disable, allow, prefer, require, verify-ca, verify-full",
                field: "database_url"
            )
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user ?? "postgres"
        self.password = components.password
        self.database = database.isEmpty ? nil : database
        self.sslMode = mode
    }

    /// Whether and how to encrypt, as libpq reads `sslmode`: `allow`, `prefer` and `require`
    /// encrypt but do not verify the server's certificate; `allow` and `prefer` fall back to clear.
    enum Encryption {
        case none
        case ifOffered(TLSConfiguration)
        case required(TLSConfiguration)
    }

    var encryption: Encryption {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch sslMode {
        case "disable": return .none
        case "allow", "prefer": return .ifOffered(unverified)
        case "require": return .required(unverified)
        default: return .required(.makeClientConfiguration())
        }
    }

    /// A pool of at most 16 connections.
    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch encryption {
            case .none: .disable
            case .ifOffered(let configuration): .prefer(configuration)
            case .required(let configuration): .require(configuration)
            }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = 16
        return configuration
    }

    /// Connects once, authenticates and asks `SELECT 1`, giving up after `timeout`.
    func check(within timeout: Duration, logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS =
            switch encryption {
            case .none: .disable
            case .ifOffered(let configuration): .prefer(try NIOSSLContext(configuration: configuration))
            case .required(let configuration): .require(try NIOSSLContext(configuration: configuration))
            }
        var configuration = PostgresConnection.Configuration(
            host: host,
            port: port,
            username: username,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.connectTimeout = .nanoseconds(timeout.timeAmount)
        let settings = configuration
        try await Deadline.run(within: timeout, doing: "connecting") {
            let connection = try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
            do {
                _ = try await connection.query("SELECT 1", logger: logger).collect()
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    /// Why a connection failed, in words a person can act on.
    func words(for error: any Error, within timeout: Duration) -> String {
        let place = "\(host):\(port)"
        switch error {
        case is DeadlineExceeded:
            return "no answer from \(place) within \(timeout.words)"
        case let error as PSQLError:
            if let info = error.serverInfo {
                return "the server refused: SQLSTATE \(info[.sqlState] ?? "?????"): \(SourceFailure.scrubbed(info[.message] ?? "no message"))"
            }
            switch error.code {
            case .sslUnsupported: return "the server at \(place) does not offer TLS, and sslmode=\(sslMode) requires it"
            case .authMechanismRequiresPassword: return "the server at \(place) asks for a password and the URL gives none"
            case .connectionError, .serverClosedConnection, .uncleanShutdown:
                return error.underlying.map { words(for: $0, within: timeout) } ?? "the connection to \(place) failed"
            default: return "the connection to \(place) failed (\(error.code.description))"
            }
        case let error as NIOConnectionError:
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return "no host called '\(host)' could be found"
            }
            return error.connectionErrors.first.map { words(for: $0.error, within: timeout) } ?? "the connection to \(place) failed"
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return "nothing is listening at \(place)"
        case let error as IOError where [ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode):
            return "\(place) cannot be reached from here"
        case ChannelError.connectTimeout:
            return "no answer from \(place) within \(timeout.words)"
        case let error as NIOSSLError:
            return "the TLS handshake with \(place) failed (\(error))"
        default:
            return "the connection to \(place) failed"
        }
    }
}
