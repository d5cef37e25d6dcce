import ArgumentParser
import Foundation
import StewardCore
import StewardFiles
import StewardStore

/// `steward requests`: the rights requests and their deadlines.
struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests", abstract: "Record, change and list rights requests, and see what is due.",
        subcommands: [Due.self, List.self, Show.self, Create.self, Event.self]
    )

    /// Opens the store and the request service over it.
    static func service(_ options: CommonOptions) async throws -> RequestService {
        let (configuration, store) = try await options.open()
        do {
            return RequestService(
                store: store, dataMaps: DataMapCache(store: store), taxonomy: .builtin, adequacy: configuration.adequacy,
                clock: StatutoryClock(holidays: try BankHolidaysFile.load(path: configuration.bankHolidayFile)),
                letters: try LetterTemplates(directory: configuration.lettersDirectory), legalHolds: configuration.legalHolds
            )
        } catch {
            await store.close()
            throw error
        }
    }

    /// Runs `body` with the service, closing the store afterwards, and turns Steward's errors into a
    /// message and exit code 1.
    static func with<T>(_ options: CommonOptions, _ body: (RequestService) async throws -> T) async throws -> T {
        let service = try await service(options)
        do {
            let result = try await body(service)
            await service.store.close()
            return result
        } catch let error as StewardError {
            await service.store.close()
            printError("error: \(error.message)\(error.field.map { " (\($0))" } ?? "")")
            throw ExitCode.failure
        } catch {
            await service.store.close()
            throw error
        }
    }

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
            guard let days = Self.days(within) else {
                printError("error: --within must be a number of days or weeks, such as 7d or 2w, not '\(within)'")
                throw ExitCode.failure
            }
            let today = CalendarDate.today
            let summaries = try await RequestsCommand.with(options) { service in
                try await service.list(states: [.received, .awaitingIdentity, .inProgress], dueBefore: today.adding(days: days), today: today)
            }
            print(json ? try prettyJSON(summaries) : RequestsCommand.table(summaries), terminator: json ? "\n" : "")
            if summaries.contains(where: \.overdue) { throw ExitCode(3) }
        }

        static func days(_ text: String) -> Int? {
            guard let unit = text.last, let count = Int(text.dropLast()), count >= 0 else { return Int(text) }
            switch unit {
            case "d": return count
            case "w": return count * 7
            default: return nil
            }
        }
    }

    /// `steward requests list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List requests: open ones first, soonest deadline first.")

        @OptionGroup var options: CommonOptions
        @Option(help: "open, closed, or states separated by commas (received, awaiting_identity, in_progress, paused, …).") var status: String?
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            var states: Set<RightsRequest.State>?
            if let status {
                do {
                    states = try RightsRequest.State.parse(status)
                } catch let error as StewardError {
                    printError("error: \(error.message)")
                    throw ExitCode.failure
                }
            }
            let summaries = try await RequestsCommand.with(options) { service in try await service.list(states: states, today: .today) }
            print(json ? try prettyJSON(summaries) : RequestsCommand.table(summaries), terminator: json ? "\n" : "")
        }
    }

    /// `steward requests show REF`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one request as JSON: its events, tasks and clock.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "The request's reference (SR-…).") var reference: String

        func run() async throws {
            let view = try await RequestsCommand.with(options) { service in try await service.request(.init(reference), today: .today) }
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
            let data = try readInputFile(file)
            let intake: RequestService.Intake
            do {
                intake = try JSONDecoder().decode(RequestService.Intake.self, from: data)
            } catch {
                printError("error: \(file) is not a request: \(error)")
                throw ExitCode.failure
            }
            let view = try await RequestsCommand.with(options) { service in
                try await service.submit(intake, actor: commandLineActor, fromPublic: false, today: .today)
            }
            print(try prettyJSON(view))
        }
    }

    /// `steward requests event REF CHANGE`.
    struct Event: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Record what happened to a request: identity_requested, fee_received, started, clarification_requested, clarification_received, extended, completed, refused or withdrawn.",
            discussion: "Staff identity checks go through the API, which records what was seen and by whom."
        )

        @OptionGroup var options: CommonOptions
        @Argument(help: "The request's reference (SR-…).") var reference: String
        @Argument(help: "The change.") var change: String
        @Option(help: "When it happened (YYYY-MM-DD); today by default.") var date: String?
        @Option(help: "The reasons or questions sent to the requester (extensions, refusals, clarifications).") var reasons: String?
        @Option(help: "For a refusal: manifestly_unfounded or excessive.") var ground: String?

        func run() async throws {
            var when: CalendarDate?
            if let date {
                guard let parsed = CalendarDate(iso: date) else {
                    printError("error: --date must be YYYY-MM-DD, not '\(date)'")
                    throw ExitCode.failure
                }
                when = parsed
            }
            var refusal: RightsRequest.RefusalGround?
            if let ground {
                guard let parsed = RightsRequest.RefusalGround(rawValue: ground) else {
                    printError("error: --ground must be manifestly_unfounded or excessive, not '\(ground)'")
                    throw ExitCode.failure
                }
                refusal = parsed
            }
            let input = RequestService.ChangeInput(change: change, date: when, reasons: reasons, ground: refusal)
            let view = try await RequestsCommand.with(options) { service in
                try await service.apply(input, to: .init(reference), actor: commandLineActor, today: .today)
            }
            print(try prettyJSON(view))
        }
    }
}

/// `steward request run REF`: runs a request against the council's sources.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "Act on one rights request in the council's own databases.", subcommands: [Run.self]
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
                valueName: "file")) var plan: String?

        struct Plan: Decodable {
            var corrections: [Correction]?
        }

        func run() async throws {
            let kind = try await RequestsCommand.with(options) { service in try await service.request(.init(reference), today: .today).request.kind }
            if kind != .access {
                try await runChange(kind)
                return
            }
            if dryRun, output != nil {
                printError("error: a dry run keeps nothing, so there is no bundle to write; leave out --output")
                throw ExitCode.failure
            }
            let id = RightsRequest.ID(reference)
            let outputPath = output
            let dry = dryRun
            let summary = try await RequestsCommand.with(options) { service in
                let result = try await service.runAccess(id, actor: commandLineActor, dryRun: dry, logger: quietLogger()) { done, total in
                    printError("searched \(done) of \(total) collections")
                }
                if let outputPath {
                    // Written only if the file is new; the hand-over is audited only once it is written.
                    guard !FileManager.default.fileExists(atPath: outputPath) else {
                        throw StewardError(.invalidInput, "cannot write \(outputPath): it already exists", field: "output")
                    }
                    _ = try await service.handOver(id, actor: commandLineActor, result: result) { result, request, map, supplementary in
                        let archive = try AccessBundle.archive(
                            result, request: request, dataMap: map, taxonomy: .builtin, supplementary: supplementary)
                        do {
                            try archive.write(to: URL(fileURLWithPath: outputPath), options: .withoutOverwriting)
                        } catch {
                            throw StewardError(.invalidInput, "cannot write \(outputPath) (it may already exist)", field: "output")
                        }
                        return archive
                    }
                }
                return result
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

        /// Rectification or erasure, with the plan from `--plan`; exits 1 when any part cannot be done.
        func runChange(_ kind: RightsRequest.Kind) async throws {
            var corrections: [Correction] = []
            var policy = ErasurePolicy()
            if let plan {
                let data = try readInputFile(plan)
                do {
                    if kind == .rectification {
                        corrections = try JSONDecoder().decode(Plan.self, from: data).corrections ?? []
                    } else {
                        policy = try JSONDecoder().decode(ErasurePolicy.self, from: data)
                    }
                } catch let error as StewardError {
                    printError("error: \(plan): \(error.message)")
                    throw ExitCode.failure
                } catch {
                    printError("error: \(plan) is not a \(kind.rawValue) plan: \(error)")
                    throw ExitCode.failure
                }
            }
            let id = RightsRequest.ID(reference)
            let dry = dryRun
            let report = try await RequestsCommand.with(options) { service in
                switch kind {
                case .rectification:
                    try await service.runRectification(id, corrections: corrections, actor: commandLineActor, dryRun: dry, logger: quietLogger())
                case .erasure: try await service.runErasure(id, policy: policy, actor: commandLineActor, dryRun: dry, logger: quietLogger())
                default: try await service.runRestriction(id, actor: commandLineActor, dryRun: dry, logger: quietLogger())
                }
            }
            for step in report.steps {
                let detail = step.reason.map { ": \($0)" } ?? (step.fields.isEmpty ? "" : " (\(step.fields.joined(separator: ", ")))")
                print("  \(step.dataset).\(step.collection): \(step.action.rawValue) \(step.rows) rows\(detail)")
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
                printError("error: the \(kind.rawValue) cannot be completed; nothing was changed")
                throw ExitCode.failure
            }
            print(dryRun ? "Dry run: \(report.rowsChanged) rows would change." : "Changed \(report.rowsChanged) rows.")
        }
    }
}
