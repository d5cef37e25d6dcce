import ArgumentParser
import Foundation
import StewardApp
import StewardCore

/// `steward gate check FILE.json`: asks the gate, as an application would.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Ask the gate whether a use or disclosure is allowed.",
        subcommands: [Check.self]
    )

    /// `steward gate check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide the request(s) in a JSON file, in the form POST /api/v1/decisions takes (one object or an array).",
            discussion:
                "Prints each decision as JSON and records it in the audit log; a request with asOf is a what-if, decided as on that day and written to no disclosure log (docs/GATE.md). Exits 0 when every request is allowed, 2 when any is refused, 1 on bad input."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The JSON file.") var file: String

        func run() async throws {
            let requests = try decisionRequests(fromJSON: try readInputFile(file), actor: commandLineActor)
            let records = try await options.withServices { services in
                var records: [DecisionRecord] = []
                for (request, subject, asOf) in requests {
                    records.append(try await services.gate.decide(request, subject: subject, asOf: asOf))
                }
                return records
            }
            print(try prettyJSON(records))
            if records.contains(where: { !$0.allowed }) { throw ExitCode(2) }
        }
    }
}
