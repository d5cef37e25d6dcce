import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardStore

/// `steward sources …`: the council databases registered for each dataset, and their checks.
struct SourcesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sources",
        abstract: "List the registered council sources, or test one against its dataset.",
        discussion: "Sources are registered through the API (POST /api/v1/sources); their locations are sealed and never printed.",
        subcommands: [List.self, Test.self]
    )

    /// `steward sources list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registered sources, their kind, dataset and where they are.")

        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let sources = try await options.withServices { services in try await services.store.sources() }
            if json { return print(try prettyJSON(sources)) }
            guard !sources.isEmpty else { return print("No sources are registered.") }
            print("ID                   KIND      DATASET              WHERE")
            for source in sources {
                print(
                    [source.id.rawValue.padding(20), source.kind.rawValue.padding(9), source.dataset.rawValue.padding(20), source.shownLocation]
                        .joined(separator: " ")
                )
            }
        }
    }

    /// `steward sources test ID`.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to a source and check it against its dataset: every collection and field, their types and keys.",
            discussion: "Prints each problem and note; the check is recorded in the audit log. Exits 0 when it passed and 2 when it found problems."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The source's id.") var id: String
        @Flag(help: "Print JSON instead of lines.") var json = false

        func run() async throws {
            let check = try await options.withServices { services in
                try await services.store.checkSource(.init(id), actor: commandLineActor)
            }
            if json {
                print(try prettyJSON(check))
            } else {
                print(
                    check.ok ? "\(id): the check passed." : check.reachable ? "\(id): the check found problems:" : "\(id): Steward could not connect:"
                )
                for problem in check.problems { print("  problem: \(Self.line(problem))") }
                for note in check.notes { print("  note: \(Self.line(note))") }
            }
            if !check.ok { throw ExitCode(2) }
        }

        static func line(_ problem: SourceCheck.Problem) -> String {
            let place = [problem.collection, problem.field].compactMap { $0 }.joined(separator: ".")
            return place.isEmpty ? problem.message : "\(place): \(problem.message)"
        }
    }
}

/// `steward outbox …`: the letters waiting to go, and sending a failed one again.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List the letters waiting or failed, or send a failed one again.",
        subcommands: [List.self, Retry.self]
    )

    /// `steward outbox list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List letters by status: pending and failed ones by default.",
            discussion: "Exits 0 when no letter has failed and 3 when one has, so a scheduled job can raise an alert."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "pending, sent or failed (default: pending and failed).") var status: String?
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let statuses: [OutboxMessage.Status]
            if let status {
                guard let value = OutboxMessage.Status(rawValue: status) else {
                    throw StewardError(.invalidInput, "--status must be pending, sent or failed, not '\(status)'", field: "--status")
                }
                statuses = [value]
            } else {
                statuses = [.pending, .failed]
            }
            let messages = try await options.withServices { services in
                var messages: [OutboxMessage] = []
                for status in statuses { messages += try await services.store.outbox(status: status) }
                return messages
            }
            if json {
                print(try prettyJSON(messages))
            } else if messages.isEmpty {
                print("No letters.")
            } else {
                print("ID                                    STATUS   TRIES  REQUEST            LETTER             ERROR")
                for message in messages {
                    print(
                        [
                            message.id.padding(37), message.status.rawValue.padding(8), "\(message.attempts)".padding(6),
                            (message.request?.rawValue ?? "-").padding(18), message.letter.padding(18), message.lastError ?? "",
                        ].joined(separator: " ")
                    )
                }
            }
            if messages.contains(where: { $0.status == .failed }) { throw ExitCode(3) }
        }
    }

    /// `steward outbox retry ID`.
    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a failed letter back in the queue, once its cause is fixed.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "The letter's id (from steward outbox list).") var id: String

        func run() async throws {
            let message = try await options.withServices { services in try await services.store.retryMessage(id, actor: commandLineActor) }
            print("Letter \(message.id) is queued to be sent again.")
        }
    }
}
