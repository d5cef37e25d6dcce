import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import StewardApp
import StewardCore
import StewardFiles
import StewardServer
import StewardStore

/// `steward serve`: runs the API server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Steward server.",
        discussion: """
            Applies pending migrations, then serves the API on the configured host and port (default 127.0.0.1:8080). \
            With --demo, loads the bundled data map of a fictional county council and prints a DPO token to try the API with.
            """
    )

    @OptionGroup var options: CommonOptions
    @Flag(help: "Load the demo council's data map and print a demo token.") var demo = false
    @Option(help: "Listen on this port instead of the configured one.") var port: Int?
    @Option(help: "Listen on this address instead of the configured one.") var host: String?

    func run() async throws {
        var configuration = try options.configuration()
        if let port { configuration.port = port }
        if let host { configuration.host = host }
        // The demo has no relay: its letters (and the residents' codes) go to a folder to read.
        if demo, configuration.mail.host == nil, configuration.mail.directory == nil { configuration.mail.directory = "demo-mail" }
        // The demo's databases are written afresh at each start: its retention plan shows what a
        // sweep would do, and sweeps run when asked (`steward retention run`), not on their own.
        if demo { configuration.retention.scheduled = false }
        var logger = Logger(label: "steward")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        try await options.withServices(configuration, createKeys: true) { services in
            if demo { try await loadDemo(services) }
            logger.info("starting", metadata: ["database": "\(configuration.database)", "port": "\(configuration.port)"])
            let app = try await buildApplication(StewardEnvironment(services: services, metrics: registry), logger: logger)
            try await runUntilStopped(app, logger: logger)
        }
    }

    /// The demo's console account.
    static let demoStaff = "dpo@demo.steward.example"

    /// Loads the demo council and prints a DPO token to try it with. A database holding a data map
    /// of the council's own is never overwritten.
    func loadDemo(_ services: StewardServices) async throws {
        let store = services.store
        if let current = try await store.currentDataMap(), current.loadedBy != "demo" {
            throw StewardError(
                .conflict,
                "this database holds a data map loaded by \(current.loadedBy) (version \(current.version)); --demo would replace it. Use a separate database for the demo, e.g. STEWARD_DATABASE_URL=demo.sqlite."
            )
        }
        let draft = try DataMapReader.read(folder: try BundledData.demoDataMap)
        let result = try await store.loadDataMap(draft, taxonomy: services.taxonomy, fallbackController: nil, actor: "demo")
        let name = "demo-\(AuditChain.timestamp().prefix(19))"
        let (_, secret) = try await store.createToken(name: name, role: .dpo, actor: "demo")
        let configuration = services.configuration
        let sources = try await DemoCouncil.create(in: URL(fileURLWithPath: "demo-council"), store: store, logger: quietLogger())
        for source in sources { _ = try await store.checkSource(source.id, actor: "demo") }
        try await DemoCouncil.recordWalkthroughResident(services)
        let registered = try await store.sources().map(\.id.rawValue).sorted().joined(separator: ", ")
        // One console account for the DPO, made at the first start; its setup code is shown once.
        let console: String
        if try await services.staff.accounts().contains(where: { $0.email == Self.demoStaff }) {
            console = "Console: sign in as \(Self.demoStaff) with the password chosen at its first sign-in (`steward user list` lists accounts)."
        } else {
            let (_, code) = try await services.staff.create(email: Self.demoStaff, role: .dpo, password: nil, actor: "demo")
            console = "Console: sign in as \(Self.demoStaff) with the setup code \(code ?? "") (shown once), then choose a password."
        }
        // Written unbuffered: the server keeps running, and the token must reach a log or pipe now.
        let message = """
            Demo data map loaded (version \(result.version)).
            Demo council databases in demo-council/ (\(DemoCouncil.residents) fictional residents), registered as sources: \(registered).
            Letters are written to \(configuration.mail.directory.map { "\($0)/" } ?? "the outbox").
            Retention: see what the schedule would dispose of with `steward retention plan`; the demo sweeps only when asked.
            Demo DPO token (shown once): \(secret)
            Try: curl -H 'Authorization: Bearer \(secret)' http://\(configuration.host):\(configuration.port)/api/v1/systems
            Resident portal: http://\(configuration.host):\(configuration.port)/
            Staff console: http://\(configuration.host):\(configuration.port)/console
            \(console)

            """
        FileHandle.standardOutput.write(Data(message.utf8))
    }
}

/// `steward migrate`: applies pending schema migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let configuration = try options.configuration()
        let store = try await StewardServices.openStore(configuration, migrate: false, createKeys: true, logger: quietLogger())
        let applied: [Int]
        do {
            applied = try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
        print(
            applied.isEmpty ? "\(configuration.database) is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", "))."
        )
    }
}
