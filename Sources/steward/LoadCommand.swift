import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardFiles

/// `steward load DIR`: validates a data-map folder and stores it as a new version.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a data-map folder as a new version.",
        discussion: "Checks every file first; if anything is wrong, lists every problem with its file, line and field and stores nothing."
    )

    @OptionGroup var options: CommonOptions
    @Argument(help: "The folder holding controller.yaml, systems/, datasets/, purposes.yaml, recipients.yaml and retention.yaml.")
    var folder: String

    func run() async throws {
        let result = try await options.withServices { services in
            try await services.store.loadDataMap(
                try DataMapReader.read(folder: URL(fileURLWithPath: folder)),
                taxonomy: services.taxonomy,
                fallbackController: services.configuration.controller,
                actor: commandLineActor
            )
        }
        print(result.created ? "Loaded data map version \(result.version)." : "No change: the files match data map version \(result.version).")
        if !result.notes.isEmpty {
            print("\(result.notes.count) note\(result.notes.count == 1 ? "" : "s") on what loaded but is not used:")
            for note in result.notes { print("  \(note)") }
        }
    }
}

/// `steward ropa`: prints the record of processing activities.
struct ROPACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ropa",
        abstract: "Print the record of processing activities (UK GDPR Art 30) from the current data map."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, html }

    @OptionGroup var options: CommonOptions
    @Option(help: "csv, json or html.") var format: Format = .csv
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let record = try await options.withServices { services in try await services.recordOfProcessing().record }
        let text =
            switch format {
            case .csv: record.csv
            case .html: record.html
            case .json: try prettyJSON(record) + "\n"
            }
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
            } catch {
                throw StewardError(.invalidInput, "cannot write '\(output)'", underlying: error)
            }
        } else {
            print(text, terminator: "")
        }
    }
}
