import Foundation
import StewardCore
import StewardFiles
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("steward-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("with no file and no environment, every value has its default")
    func defaults() throws {
        let configuration = try ConfigurationLoader.load(path: nil, environment: ["STEWARD_CONFIG": ""].filter { !$0.value.isEmpty })
        #expect(configuration.port == 8080)
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.database == .sqlite(path: "steward.sqlite"))
        #expect(configuration.adequacy.countries.contains("FR"))
        #expect(!configuration.adequacy.countries.contains("IN"))
        #expect(configuration.sourceConnectTimeout == .seconds(5) && configuration.databaseTimeout == .seconds(10))
    }

    @Test("the database and source time limits are read in seconds, from the file or the environment")
    func timeLimits() throws {
        let path = try Self.write("source_connect_timeout: 2.5\ndatabase_timeout: 30\n")
        let configuration = try ConfigurationLoader.load(path: path, environment: ["STEWARD_DATABASE_TIMEOUT": "4"])
        #expect(configuration.sourceConnectTimeout == .milliseconds(2500))
        #expect(configuration.databaseTimeout == .seconds(4))
    }

    @Test("the file sets values and the environment overrides them")
    func fileAndEnvironment() throws {
        let path = try Self.write(
            """
            port: 9000
            database_url: /var/lib/steward/steward.sqlite
            controller:
              name: Testshire County Council
              ico_registration: Z0000001
              dpo:
                name: DPO
                email: dpo@testshire.example
            adequacy:
              countries: [fr, de]
            """
        )
        let configuration = try ConfigurationLoader.load(path: path, environment: ["STEWARD_DATABASE_URL": "postgres://steward@db/steward"])
        #expect(configuration.port == 9000)
        #expect(configuration.database == .postgres(url: "postgres://steward@db/steward"))
        #expect(configuration.controller?.dpo?.email == "dpo@testshire.example")
        #expect(configuration.adequacy.countries == ["FR", "DE"])
    }

    @Test(
        "a bad value stops start-up with an error naming the key",
        arguments: [
            ("port: 70000", "port"), ("port: eighty", "port"), ("database_url: mysql://x/y", "database_url"),
            ("audit_checkpoint_interval: 0", "audit_checkpoint_interval"), ("prot: 80", "prot"),
            ("adequacy:\n  countries: [France]", "adequacy.countries"),
            ("controller:\n  ico_registration: Z1", "controller.name"),
            ("source_connect_timeout: 0", "source_connect_timeout"), ("database_timeout: soon", "database_timeout"),
            ("database_timeout: 3600", "database_timeout"),
        ]
    )
    func badValueNamesKey(_ text: String, _ key: String) throws {
        let path = try Self.write(text)
        let error = try #require(throws: StewardError.self) { try ConfigurationLoader.load(path: path, environment: [:]) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.field == key)
    }

    @Test("a bad environment value names its key")
    func badEnvironmentValue() throws {
        let error = try #require(throws: StewardError.self) { try ConfigurationLoader.load(path: nil, environment: ["STEWARD_PORT": "0"]) }
        #expect(error.field == "port")
    }

    @Test("the data key is its own file, named in the file or the environment, created once and kept private")
    func dataKey() throws {
        #expect(try ConfigurationLoader.load(path: nil, environment: [:]).dataKeyPath == "steward-data.key")
        #expect(
            try ConfigurationLoader.load(path: try Self.write("data_key: /etc/steward/data.key"), environment: [:]).dataKeyPath
                == "/etc/steward/data.key"
        )
        #expect(try ConfigurationLoader.load(path: nil, environment: ["STEWARD_DATA_KEY": "/srv/k"]).dataKeyPath == "/srv/k")
        #expect(
            try #require(throws: StewardError.self) { try ConfigurationLoader.load(path: try Self.write("data_key: ''"), environment: [:]) }.field
                == "data_key"
        )

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("data.key").path
        #expect(try #require(throws: StewardError.self) { try DataKeyFile.load(path: path, create: false) }.field == "data_key")
        let created = try DataKeyFile.load(path: path, create: true)
        #expect(try DataKeyFile.load(path: path, create: false).hex == created.hex)
        #expect(try DataKeyFile.load(path: path, create: true).hex == created.hex)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
        try "not a key".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try #require(throws: StewardError.self) { try DataKeyFile.load(path: path, create: true) }.field == "data_key")
    }

    @Test("the console's look, public address and session lengths are read and checked; a bad value names its key")
    func webSettings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = try Self.write(
            """
            web:
              public_url: https://steward.testshire.gov.example
              colour: "#1D4F2A"
              pages_directory: \(folder.path)
              bcrypt_cost: 11
              session_idle_minutes: 20
              session_hours: 8
            """
        )
        let web = try ConfigurationLoader.load(path: path, environment: [:]).web
        #expect(web.secure)
        #expect(web.colour == "#1d4f2a")
        #expect(web.pagesDirectory == folder.path)
        #expect((web.bcryptCost, web.sessionIdleMinutes, web.sessionHours) == (11, 20, 8))
        #expect(try !ConfigurationLoader.load(path: nil, environment: ["STEWARD_PUBLIC_URL": "http://localhost:8080"]).web.secure)
        for (text, key) in [
            ("web:\n  public_url: ftp://x", "web.public_url"), ("web:\n  colour: red", "web.colour"), ("web:\n  bcrypt_cost: 4", "web.bcrypt_cost"),
            ("web:\n  session_hours: 48", "web.session_hours"), ("web:\n  logo: /nonexistent/logo.png", "web.logo"),
        ] {
            let error = try #require(throws: StewardError.self) { try ConfigurationLoader.load(path: try Self.write(text), environment: [:]) }
            #expect(error.field == key, "\(text)")
        }
    }

    @Test("page templates are replaced file by file; a file that replaces nothing or does not parse stops start-up naming it")
    func pageTemplates() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steward-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{{<layout}}{{$content}}<h1>Our own sign-in, {{council}}</h1>{{/content}}{{/layout}}".utf8)
            .write(to: folder.appendingPathComponent("console-sign-in.html.mustache"))
        let pages = try WebPages(directory: folder.path)
        let signIn = try pages.render("console-sign-in", ["council": "Testshire <County>", "title": "Sign in", "service": "Staff console"])
        #expect(signIn.contains("<h1>Our own sign-in, Testshire &lt;County&gt;</h1>"))
        #expect(signIn.contains("<title>Sign in – Staff console – Testshire &lt;County&gt;</title>"), "the layout is still Steward's")
        #expect(try pages.render("console-password", [:]).contains("Change your password"))

        try Data("<p>hello</p>".utf8).write(to: folder.appendingPathComponent("console-welcome.html.mustache"))
        let unknown = try #require(throws: StewardError.self) { try WebPages(directory: folder.path) }
        #expect(unknown.message.contains("console-welcome.html.mustache replaces no page"))
        try FileManager.default.removeItem(at: folder.appendingPathComponent("console-welcome.html.mustache"))
        try Data("{{#open}}never closed".utf8).write(to: folder.appendingPathComponent("error.html.mustache"))
        let broken = try #require(throws: StewardError.self) { try WebPages(directory: folder.path) }
        #expect(broken.message.contains("error.html.mustache does not parse"))
    }

    @Test("a named configuration file that does not exist is an error")
    func missingNamedFile() throws {
        #expect(throws: StewardError.self) { try ConfigurationLoader.load(path: "/nonexistent/steward.yaml", environment: [:]) }
    }

    @Test("mail, letters, proxy and legal-hold settings are read and checked")
    func requestSettings() throws {
        let path = try Self.write(
            """
            trust_forwarded_for: true
            legal_holds: [benefits_db.claimants]
            smtp:
              host: relay.example
              port: 465
              security: tls
              username: steward
              password: secret
            mail:
              from_address: ig@council.example
            """
        )
        let configuration = try ConfigurationLoader.load(path: path, environment: [:])
        #expect(configuration.trustForwardedFor)
        #expect(configuration.legalHolds == ["benefits_db.claimants"])
        #expect(configuration.mail.host == "relay.example" && configuration.mail.port == 465 && configuration.mail.security == .tls)
        // Without a port, the one its security calls for, not 587 whatever the security.
        #expect(
            try ConfigurationLoader.load(path: try Self.write("smtp:\n  host: relay.example\n  security: tls"), environment: [:]).mail.port == nil
        )
        #expect(configuration.mail.fromAddress == "ig@council.example")
        for (text, field) in [
            ("legal_holds: [claimants]", "legal_holds"), ("smtp:\n  security: ssl", "smtp.security"), ("smtp:\n  username: only", "smtp.password"),
            ("mail:\n  from_address: nobody", "mail.from_address"), ("trust_forwarded_for: maybe", "trust_forwarded_for"),
        ] {
            let error = try #require(throws: StewardError.self) { try ConfigurationLoader.load(path: try Self.write(text), environment: [:]) }
            #expect(error.field == field, "\(text)")
        }
    }
}
