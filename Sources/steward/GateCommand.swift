import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardStore

/// `steward gate check FILE.json`: asks the gate, as an application would.
struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Ask the gate whether a use or disclosure is allowed.",
        subcommands: [Check.self, Log.self]
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

    /// `steward gate log`.
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the gate's decisions, newest first, as the audit log records them.",
            discussion: "What-ifs are not listed: they permit nothing. Give --before with the last entry printed for the page after."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "Only this system's decisions (its key).") var system: String?
        @Option(help: "Only this purpose's decisions (its key).") var purpose: String?
        @Option(help: "Only disclosures to this recipient (its key).") var recipient: String?
        @Option(help: "allowed or refused.") var outcome: String?
        @Option(help: "The first day, YYYY-MM-DD (UTC).") var from: CalendarDate?
        @Option(help: "The last day, YYYY-MM-DD (UTC).") var until: CalendarDate?
        @Option(help: "Only decisions before this audit entry.") var before: Int64?
        @Option(help: "At most this many (1 to 500).") var limit = 50
        @Flag(help: "Print JSON instead of lines.") var json = false

        func run() async throws {
            var chosen: DecisionLog.Query.Outcome?
            if let outcome {
                guard let value = DecisionLog.Query.Outcome(rawValue: outcome) else {
                    throw StewardError(.invalidInput, "--outcome must be allowed or refused, not '\(outcome)'", field: "--outcome")
                }
                chosen = value
            }
            guard (1...500).contains(limit) else { throw StewardError(.invalidInput, "--limit must be 1 to 500", field: "--limit") }
            let query = DecisionLog.Query(
                system: system.map { .init($0) },
                purpose: purpose.map { .init($0) },
                recipient: recipient.map { .init($0) },
                outcome: chosen,
                from: from,
                until: until,
                before: before,
                limit: limit
            )
            let entries = try await options.withServices { services in try await services.store.decisionLog(query) }
            if json { return print(try prettyJSON(entries)) }
            guard !entries.isEmpty else { return print("No decisions match.") }
            for entry in entries {
                let to = entry.recipient.map { " to \($0)" } ?? ""
                print(
                    "\(entry.seq)  \(entry.time)  \(entry.allowed ? "allowed" : "refused")  \(entry.system) for \(entry.purpose)\(to)  by \(entry.actor)"
                )
                for reason in entry.reasons { print("    \(reason)") }
            }
        }
    }
}
