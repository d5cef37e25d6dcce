import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
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
        var (configuration, store) = try await options.open(createKey: true)
        if let port { configuration.port = port }
        if let host { configuration.host = host }
        var logger = Logger(label: "steward")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        if demo {
            if let current = try await store.currentDataMap(), current.loadedBy != "demo" {
                await store.close()
                printError(
                    "error: this database holds a data map loaded by \(current.loadedBy) (version \(current.version)); --demo would replace it. Use a separate database for the demo, e.g. STEWARD_DATABASE_URL=demo.sqlite."
                )
                throw ExitCode.failure
            }
            let draft = try DataMapReader.read(folder: try BundledData.demoDataMap)
            let result = try await store.loadDataMap(draft, taxonomy: .builtin, fallbackController: nil, actor: "demo")
            let name = "demo-\(AuditChain.timestamp().prefix(19))"
            let (_, secret) = try await store.createToken(name: name, role: .dpo, actor: "demo")
            // Written unbuffered: the server keeps running, and the token must reach a log or pipe now.
            let message = """
                Demo data map loaded (version \(result.version)).
                Demo DPO token (shown once): \(secret)
                Try: curl -H 'Authorization: Bearer \(secret)' http://\(configuration.host):\(configuration.port)/api/v1/systems

                """
            FileHandle.standardOutput.write(Data(message.utf8))
        }
        logger.info("starting", metadata: ["database": "\(configuration.database)", "port": "\(configuration.port)"])
        let app = try await buildApplication(
            try StewardEnvironment(store: store, configuration: configuration, metrics: registry), logger: logger
        )
        do {
            try await app.runService()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// `steward migrate`: applies pending schema migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let (configuration, store) = try await options.open(migrate: false, createKey: true)
        let applied: [Int]
        do {
            applied = try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        print(
            applied.isEmpty ? "\(configuration.database) is up to date." : "Applied migrations \(applied.map(String.init).joined(separator: ", ")).")
        await store.close()
    }
}
