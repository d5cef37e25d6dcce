import ArgumentParser

/// The `steward` command: the server and every job the console does, for scripting.
@main
struct Steward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steward",
        abstract: "Personal-data governance for public bodies: the data map, the audit log and the API.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, LoadCommand.self, ROPACommand.self, GateCommand.self, AuditCommand.self, TokenCommand.self,
            RequestsCommand.self, RequestCommand.self, RetentionCommand.self, UserCommand.self, SourcesCommand.self, OutboxCommand.self,
        ]
    )
}
