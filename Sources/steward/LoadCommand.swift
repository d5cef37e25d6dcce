import ArgumentParser
import Foundation
import StewardCore
import StewardFiles
import StewardStore

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
        let (configuration, store) = try await options.open()
        do {
            let draft = try DataMapReader.read(folder: URL(fileURLWithPath: folder))
            let result = try await store.loadDataMap(
                draft, taxonomy: .builtin, fallbackController: configuration.controller, actor: commandLineActor
            )
            await store.close()
            if result.created {
                print("Loaded data map version \(result.version).")
            } else {
                print("No change: the files match data map version \(result.version).")
            }
        } catch let error as StewardError {
            await store.close()
            printError("error: \(error.message)")
            for issue in error.details { printError("  \(issue)") }
            throw ExitCode.failure
        }
    }
}

/// `steward ropa`: prints the record of processing activities.
struct ROPACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ropa", abstract: "Print the record of processing activities (UK GDPR Art 30) from the current data map."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, html }

    @OptionGroup var options: CommonOptions
    @Option(help: "csv, json or html.") var format: Format = .csv
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

    func run() async throws {
        let (configuration, store) = try await options.open()
        let current = try await store.currentDataMap()
        await store.close()
        guard let current else {
            printError("error: no data map has been loaded yet; run 'steward load DIR' first")
            throw ExitCode.failure
        }
        let record = RecordOfProcessing(
            dataMap: current.dataMap, taxonomy: .builtin, adequacy: configuration.adequacy, on: .today, version: current.version
        )
        let text: String
        switch format {
        case .csv: text = record.csv
        case .html: text = record.html
        case .json:
            text = try prettyJSON(record) + "\n"
        }
        if let output {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output))
        } else {
            print(text, terminator: "")
        }
    }
}
