import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardFiles
import StewardStore

/// `steward retention`: the retention schedule run on the council's sources.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Plan and run retention sweeps, place and lift legal holds, decide reviews, and see what is kept too long.",
        subcommands: [Plan.self, Run.self, Status.self, Holds.self, Reviews.self, Certificates.self, Pause.self, Resume.self]
    )

    /// `steward retention plan`.
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a sweep would do today, rule by rule, without changing anything: rows due, what would go, what holds keep."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "Only the rule for this collection (dataset.collection).") var rule: String?
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let plan = try await options.withServices { services in try await services.retention.plan(actor: commandLineActor, rule: rule) }
            if json { return print(try prettyJSON(plan)) }
            var lines = [
                "RULE                                     ACTION     CUT-OFF     DUE       GO        KEPT      NO TRIGGER  PROBLEM"
            ]
            for line in plan.rules {
                lines.append(
                    [
                        line.rule.padding(40), line.action.rawValue.padding(10), (line.cutoff?.description ?? "-").padding(11),
                        "\(line.due)".padding(9), "\(line.dispose)".padding(9), "\(line.kept.values.reduce(0, +))".padding(9),
                        "\(line.emptyTrigger)".padding(11), line.problem ?? "",
                    ].joined(separator: " ")
                )
            }
            if plan.paused { lines.append("Sweeps are paused: a run would be refused.") }
            if !plan.unsearched.isEmpty { lines.append("Not searched for held rows: \(plan.unsearched.joined(separator: ", ")).") }
            print(lines.joined(separator: "\n"))
        }
    }

    /// `steward retention run`.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a sweep now, or resume the one a stopped process left, and print each rule's outcome.",
            discussion:
                "Batches are recorded before and after each is made, so a sweep stopped part-way (a crash, a kill) resumes where it stopped when run again. Exits 0 when every rule ran, 4 when some failed."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "Only the rule for this collection (dataset.collection).") var rule: String?
        @Flag(help: "Print JSON instead of lines.") var json = false

        func run() async throws {
            let json = self.json
            let run = try await options.withServices { services in
                try await services.retention.sweep(actor: commandLineActor, rule: rule) { run in
                    guard !json, let current = run.rules.first(where: { $0.state == .running }) else { return }
                    printError("\(current.rule): \(current.disposed) rows so far (batch \(current.batches))")
                }
            }
            if json {
                print(try prettyJSON(run))
            } else {
                print("Sweep \(run.id): \(run.state.rawValue), \(run.disposed) rows disposed of")
                for rule in run.rules {
                    let kept = rule.kept.map { "\($0.key) kept \($0.value)" }.sorted().joined(separator: ", ")
                    print(
                        "  \(rule.rule): \(rule.state.rawValue), \(rule.disposed) \(rule.action == .review ? "sent to review" : "disposed of")"
                            + (kept.isEmpty ? "" : "; \(kept)") + (rule.emptyTrigger > 0 ? "; \(rule.emptyTrigger) with no trigger" : "")
                            + (rule.certificate.map { "; certificate \($0)" } ?? "") + (rule.error.map { "; \($0)" } ?? "")
                    )
                }
            }
            if run.state != .done { throw ExitCode(4) }
        }
    }

    /// `steward retention status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Are we keeping anything longer than our schedule says? Rows overdue per rule, open reviews, and collections with no rule.",
            discussion: "Exits 0 when nothing is overdue that a hold or review does not keep, and 3 otherwise."
        )

        @OptionGroup var options: CommonOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let status = try await options.withServices { services in try await services.retention.status() }
            if json {
                print(try prettyJSON(status))
            } else {
                var lines = ["RULE                                     OVERDUE   KEPT      OLDEST     REVIEWS  LAST CERTIFICATE"]
                for rule in status.rules {
                    lines.append(
                        [
                            rule.rule.padding(40), "\(rule.overdue)".padding(9), "\(rule.kept)".padding(9),
                            (rule.oldestOverdueDays.map { "\($0)d" } ?? "-").padding(10), "\(rule.openReviews)".padding(8),
                            rule.lastCertificate.map { "\($0.id) (\($0.finishedAt.prefix(10)))" } ?? (rule.problem ?? "-"),
                        ].joined(separator: " ")
                    )
                }
                if !status.gaps.isEmpty { lines.append("No rule for: " + status.gaps.map(\.collection).joined(separator: ", ")) }
                if let pause = status.paused { lines.append("Sweeps paused since \(pause.at) by \(pause.by): \(pause.reason)") }
                print(lines.joined(separator: "\n"))
            }
            if status.rules.contains(where: { $0.overdue > $0.kept }) { throw ExitCode(3) }
        }
    }

    /// `steward retention holds …`.
    struct Holds: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "holds",
            abstract: "List, place and lift legal holds.",
            subcommands: [List.self, Add.self, Lift.self]
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The holds in force (with --all, lifted ones too), as JSON.")
            @OptionGroup var options: CommonOptions
            @Flag(help: "Lifted holds too.") var all = false

            func run() async throws {
                print(try prettyJSON(try await options.withServices { try await $0.retention.holds(includingLifted: all) }))
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Place a hold from a JSON file in the form POST /api/v1/retention/holds takes.",
                discussion:
                    #"{"kind": "rows", "collection": "library_db.loans", "name": "…", "filter": {"branch": "Central"}, "owner": "…", "reason": "…"}"#
            )
            @OptionGroup var options: CommonOptions
            @Argument(help: "The JSON file.") var file: String

            func run() async throws {
                let draft = try decodeInputFile(LegalHold.Draft.self, file)
                print(try prettyJSON(try await options.withServices { try await $0.retention.addHold(draft, actor: commandLineActor) }))
            }
        }

        struct Lift: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Lift a hold, with the reason.")
            @OptionGroup var options: CommonOptions
            @Argument(help: "The hold's id (LH-…).") var id: String
            @Option(help: "Why it is lifted.") var reason: String

            func run() async throws {
                print(
                    try prettyJSON(
                        try await options.withServices { try await $0.retention.liftHold(.init(id), reason: reason, actor: commandLineActor) }
                    )
                )
            }
        }
    }

    /// `steward retention reviews …`.
    struct Reviews: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reviews",
            abstract: "List reviews of due rows, and decide them: dispose, or keep until a date.",
            subcommands: [List.self, Decide.self]
        )

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Reviews as JSON (open ones unless --state says otherwise).")
            @OptionGroup var options: CommonOptions
            @Option(help: "open, disposed or kept.") var state: String = "open"

            func run() async throws {
                guard let state = RetentionReview.State(rawValue: state) else {
                    throw ValidationError("--state is open, disposed or kept")
                }
                print(try prettyJSON(try await options.withServices { try await $0.retention.reviews(state: state) }))
            }
        }

        struct Decide: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Decide a review: --dispose, or --keep-until DATE; both with --reason.")
            @OptionGroup var options: CommonOptions
            @Argument(help: "The review's id (RV-…).") var id: String
            @Flag(help: "Delete the rows it covers that are still due and not held.") var dispose = false
            @Option(help: ArgumentHelp("Keep the rows until this date (YYYY-MM-DD).", valueName: "date")) var keepUntil: CalendarDate?
            @Option(help: "Why.") var reason: String

            func validate() throws {
                if dispose == (keepUntil != nil) { throw ValidationError("give either --dispose or --keep-until DATE") }
            }

            func run() async throws {
                let review = try await options.withServices { services in
                    try await services.retention.decide(
                        .init(id),
                        decision: dispose ? .dispose : .keep,
                        keepUntil: keepUntil,
                        reason: reason,
                        actor: commandLineActor
                    )
                }
                print(try prettyJSON(review))
            }
        }
    }

    /// `steward retention certificates`.
    struct Certificates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certificates",
            abstract: "Disposal certificates as JSON, or one as a page to file (--html)."
        )
        @OptionGroup var options: CommonOptions
        @Argument(help: "A certificate's id (DC-…); all of them when left out.") var id: String?
        @Option(help: "Only those of this sweep (RS-…).") var run: String?
        @Flag(help: "The certificate as an HTML page.") var html = false

        func run() async throws {
            let (certificates, controller) = try await options.withServices { services in
                let list =
                    if let id { [try await services.retention.certificate(.init(id))] } else {
                        try await services.retention.certificates(run: run.map { .init($0) })
                    }
                return (list, try await services.dataMaps.current()?.dataMap.controller.name ?? "The council")
            }
            if html {
                guard let certificate = certificates.first, id != nil else { throw ValidationError("--html shows one certificate: give its id") }
                print(try CertificatePage().render(certificate, controller: controller))
            } else {
                print(id == nil ? try prettyJSON(certificates) : try prettyJSON(certificates[0]))
            }
        }
    }

    /// `steward retention pause`.
    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause every sweep council-wide (an incident, an audit), with the reason.")
        @OptionGroup var options: CommonOptions
        @Option(help: "Why.") var reason: String

        func run() async throws {
            print(try prettyJSON(try await options.withServices { try await $0.retention.pause(reason: reason, actor: commandLineActor) }))
        }
    }

    /// `steward retention resume`.
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume sweeps after a pause.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            try await options.withServices { try await $0.retention.resume(actor: commandLineActor) }
            print("Sweeps resumed.")
        }
    }
}
