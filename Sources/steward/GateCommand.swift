import ArgumentParser
import Foundation
import StewardCore
import StewardServer
import StewardStore

/// `steward gate check FILE.json`: asks the gate, as an application would.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate", abstract: "Ask the gate whether a use or disclosure is allowed.", subcommands: [Check.self]
    )

    /// `steward gate check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide the request(s) in a JSON file, in the form POST /api/v1/decisions takes (one object or an array).",
            discussion:
                "Prints each decision as JSON and records it in the audit log. Exits 0 when every request is allowed, 2 when any is refused, 1 on bad input."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The JSON file.") var file: String

        func run() async throws {
            let data = try readInputFile(file)
            let (configuration, store) = try await options.open()
            let gate = GateService(store: store, dataMaps: DataMapCache(store: store), taxonomy: .builtin, adequacy: configuration.adequacy)
            var records: [DecisionRecord] = []
            do {
                for (request, subject) in try decisionRequests(fromJSON: data, actor: commandLineActor) {
                    records.append(try await gate.decide(request, subject: subject, today: .today))
                }
            } catch let error as StewardError {
                await store.close()
                printError("error: \(error.message)\(error.field.map { " (\($0))" } ?? "")")
                throw ExitCode.failure
            }
            await store.close()
            print(try prettyJSON(records))
            if records.contains(where: { !$0.allowed }) { throw ExitCode(2) }
        }
    }
}
