import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// `steward requests`: the rights requests and their deadlines.
struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "Record, change and list rights requests, and see what is due.",
        subcommands: [Due.self, List.self, Show.self, Create.self, Event.self]
    )

    /// A table of requests, overdue first.
    static func table(_ summaries: [RequestService.Summary]) -> String {
        guard !summaries.isEmpty else { return "No requests.\n" }
        var lines = ["REFERENCE         KIND            STATE              RECEIVED    DUE         LEFT       TASKS"]
        for summary in summaries {
            let left = summary.daysLeft.map { summary.overdue ? "\(-$0)d over" : "\($0)d" } ?? (summary.state == .paused ? "paused" : "-")
            lines.append(
                [
                    summary.id.rawValue.padding(17), summary.kind.rawValue.padding(15), summary.state.rawValue.padding(18),
                    summary.received.description.padding(11),
                    (summary.due?.description ?? "-").padding(11), left.padding(10), "\(summary.openTasks) open",
                ].joined(separator: " ")
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `steward requests due --within 7d`.
    struct Due: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open requests due within a period (and every overdue one), soonest first.",
            discussion: "Exits 0 when nothing is overdue and 3 when something is, so a scheduled job can raise an alert."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "How far ahead to look: days (7d) or weeks (2w).") var within = "7d"
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let days = try RightsRequest.days(within, field: "--within")
            let summaries = try await options.withServices { services in try await services.requests.due(within: days) }
            print(json ? try prettyJSON(summaries) : RequestsCommand.table(summaries), terminator: json ? "\n" : "")
            if summaries.contains(where: \.overdue) { throw ExitCode(3) }
        }
    }

    /// `steward requests list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List requests: open ones first, soonest deadline first.")

        @OptionGroup var options: CommonOptions
        @Option(help: "open, closed, or states separated by commas (received, awaiting_identity, in_progress, paused, …).") var status: String?
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let states = try status.map { try RightsRequest.State.parse($0) }
            let summaries = try await options.withServices { services in try await services.requests.list(states: states) }
            print(json ? try prettyJSON(summaries) : RequestsCommand.table(summaries), terminator: json ? "\n" : "")
        }
    }

    /// `steward requests show REF`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one request as JSON: its events, tasks and clock.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "The request's reference (SR-…).") var reference: String

        func run() async throws {
            let view = try await options.withServices { services in try await services.requests.request(.init(reference)) }
            print(try prettyJSON(view))
        }
    }

    /// `steward requests create FILE.json`.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a request that came by post, phone or in person, from a JSON file in the form POST /api/v1/requests takes.",
            discussion:
                "Prints the request as JSON, with its reference, tasks and deadline. An acknowledgement is queued when the requester gave an email address."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The JSON file.") var file: String

        func run() async throws {
            let intake = try decodeInputFile(RightsRequest.Intake.self, file)
            let view = try await options.withServices { services in
                try await services.requests.submit(intake, actor: commandLineActor, fromPublic: false)
            }
            print(try prettyJSON(view))
        }
    }

    /// `steward requests event REF CHANGE`.
    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record what happened to a request: \(RightsRequest.listed(RightsRequest.Change.Name.staffCommandLine.map(\.rawValue))).",
            discussion: "Staff identity checks go through the API, which records what was seen and by whom."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The request's reference (SR-…).") var reference: String
        @Argument(
            help: ArgumentHelp(
                "The change: \(RightsRequest.Change.Name.staffCommandLine.map(\.rawValue).joined(separator: ", ")).",
                valueName: "change"
            )
        )
        var change: RightsRequest.Change.Name
        @Option(help: ArgumentHelp("When it happened (YYYY-MM-DD); today by default.", valueName: "date")) var date: CalendarDate?
        @Option(help: "The reasons or questions sent to the requester (extensions, refusals, clarifications).") var reasons: String?
        @Option(help: "For a refusal: manifestly_unfounded or excessive.") var ground: RightsRequest.RefusalGround?

        func validate() throws {
            guard RightsRequest.Change.Name.staffCommandLine.contains(change) else {
                throw ValidationError("\(change) is recorded through the API, which records what was seen and by whom")
            }
        }

        func run() async throws {
            let input = RightsRequest.ChangeInput(change: change, date: date, reasons: reasons, ground: ground)
            let view = try await options.withServices { services in
                try await services.requests.apply(input, to: .init(reference), actor: commandLineActor)
            }
            print(try prettyJSON(view))
        }
    }
}

/// `steward request run REF`: runs a request against the council's sources.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Act on one rights request in the council's own databases.",
        subcommands: [Run.self]
    )

    /// `steward request run REF [--dry-run] [--output FILE]`.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Act on a request in the council's sources: search for an access request, correct for rectification, erase for erasure.",
            discussion: """
                Access: prints progress as collections are searched, then what was found; the result is kept for the bundle, which --output \
                writes as a ZIP. Rectification and erasure: --plan names the corrections or the erasure policy; prints each collection's step. \
                With --dry-run nothing is kept or changed. Exits 1, naming the source, collection or field, when any part cannot be done.
                """
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The request's reference (SR-…).") var reference: String
        @Flag(help: "Search and report without keeping anything.") var dryRun = false
        @Option(help: "Write the bundle to this ZIP file.") var output: String?
        @Option(
            help: ArgumentHelp(
                "For rectification and erasure: a JSON file with the corrections ({\"corrections\": […]}) or the erasure policy ({\"strategies\": …, \"deleteCollections\": […], \"legalHolds\": […]}).",
                valueName: "file"
            )
        ) var plan: String?

        struct Plan: Decodable {
            var corrections: [Correction]?
        }

        func run() async throws {
            let id = RightsRequest.ID(reference)
            try await options.withServices { services in
                let kind = try await services.requests.request(id).request.kind
                if let plan = try changePlan(for: kind) {
                    try await runChange(plan, kind: kind, services.requests)
                } else {
                    try await runAccess(services)
                }
            }
        }

        /// The plan `--plan` gives, checked against the request's kind; nil for access.
        func changePlan(for kind: RightsRequest.Kind) throws -> ChangePlan? {
            var corrections: [Correction]?
            var policy: ErasurePolicy?
            if let plan {
                switch kind {
                case .rectification: corrections = try decodeInputFile(Plan.self, plan).corrections ?? []
                case .erasure: policy = try decodeInputFile(ErasurePolicy.self, plan)
                default:
                    throw StewardError(.invalidInput, "--plan is for rectification and erasure; this request is \(kind.rawValue)", field: "--plan")
                }
            }
            return try ChangePlan(kind: kind, corrections: corrections, erasure: policy)
        }

        /// An access request: the search, with progress, and the bundle with `--output`.
        func runAccess(_ services: StewardServices) async throws {
            if dryRun, output != nil {
                throw StewardError(.invalidInput, "a dry run keeps nothing, so there is no bundle to write; leave out --output", field: "--output")
            }
            let id = RightsRequest.ID(reference)
            let summary = try await services.requests.runAccess(id, actor: commandLineActor, dryRun: dryRun) { done, total in
                printError("searched \(done) of \(total) collections")
            }
            if let output {
                // Written only if the file is new; the hand-over is audited only once it is written.
                guard !FileManager.default.fileExists(atPath: output) else {
                    throw StewardError(.invalidInput, "cannot write \(output): it already exists", field: "--output")
                }
                let taxonomy = services.taxonomy
                _ = try await services.requests.handOver(id, actor: commandLineActor, result: summary) { result, request, map, supplementary in
                    let archive = try AccessBundle.archive(result, request: request, dataMap: map, taxonomy: taxonomy, supplementary: supplementary)
                    do {
                        try archive.write(to: URL(fileURLWithPath: output), options: .withoutOverwriting)
                    } catch {
                        throw StewardError(.invalidInput, "cannot write \(output) (it may already exist)", field: "--output", underlying: error)
                    }
                    return archive
                }
            }
            print("\(dryRun ? "Would hand over" : "Found") \(summary.rowCount) records:")
            for collection in summary.collections {
                print("  \(collection.dataset).\(collection.collection): \(collection.rows.count)")
            }
            for redaction in summary.redactions {
                print("  withheld \(redaction.dataset).\(redaction.collection).\(redaction.field) in \(redaction.rows) records")
            }
            printUnconfirmed(summary.unconfirmed)
            if let output { print("Bundle written to \(output).") }
        }

        /// Rows that share a value with the person but hold nothing else of theirs, for staff to check.
        func printUnconfirmed(_ list: [PersonSearch.Unconfirmed]) {
            for item in list {
                print(
                    "  not taken: \(item.rows) records of \(item.dataset).\(item.collection) share \(item.fields.joined(separator: ", ")) with the person but hold nothing else of theirs; add an identifier of theirs to include them"
                )
            }
        }

        /// Rectification, erasure, restriction or objection; exits 1 when any part cannot be done.
        func runChange(_ plan: ChangePlan, kind: RightsRequest.Kind, _ service: RequestService) async throws {
            let report = try await service.run(.init(reference), plan: plan, actor: commandLineActor, dryRun: dryRun)
            for step in report.steps {
                let detail = step.reason.map { ": \($0)" } ?? (step.fields.isEmpty ? "" : " (\(step.fields.joined(separator: ", ")))")
                print("  \(step.dataset).\(step.collection): \(step.action.rawValue) \(step.rows) rows\(detail)")
                if step.shared > 0 {
                    print("    left as they are: \(step.shared) rows shared with \(step.sharedWith.joined(separator: ", "))")
                }
                if dryRun, !step.keys.isEmpty {
                    let keys = step.keys.map { key in key.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
                    print("    rows: \(keys.joined(separator: "; "))")
                }
            }
            for step in report.steps where !step.pseudonymised.isEmpty {
                print(
                    "  note: \(step.dataset).\(step.collection) keeps \(step.pseudonymised.joined(separator: ", ")) pseudonymised (the council can reverse or test them), not erased"
                )
            }
            printUnconfirmed(report.unconfirmed)
            for notice in report.notices { print("  tell \(notice.name): \(notice.message)") }
            guard report.isComplete else {
                throw StewardError(.conflict, "the \(kind.rawValue) cannot be completed; nothing was changed")
            }
            print(dryRun ? "Dry run: \(report.rowsChanged) rows would change." : "Changed \(report.rowsChanged) rows.")
        }
    }
}

extension RightsRequest.Change.Name {
    /// The changes staff record from the command line: all but a staff identity check, which goes
    /// through the API so that what was seen, and by whom, is recorded with it.
    static let staffCommandLine = allCases.filter { $0 != .identityVerified }
}
