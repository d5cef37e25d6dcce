public import ArgumentParser
import Foundation
import Logging
import StewardApp
public import StewardCore
import StewardFiles
import StewardStore

/// Options every command that touches the database takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A configuration file (default: steward.yaml in the working directory, if present).")
    var config: String?

    /// The configuration, from the file and the environment.
    func configuration() throws -> StewardConfiguration {
        try ConfigurationLoader.load(path: config)
    }

    /// Runs `body` with Steward's services (the composition root `serve` uses too), closing the
    /// store afterwards. Only `serve` and `migrate` create the audit signing key and the data key on
    /// a new installation; other commands need them to exist already, so that a command run from
    /// the wrong folder cannot start signing, or sealing, with a new key.
    ///
    /// A `StewardError` thrown anywhere reaches ArgumentParser, which prints it (message, field and
    /// every further problem) and exits 1: the one error path of the command line.
    func withServices<Result>(
        _ configuration: StewardConfiguration? = nil,
        migrate: Bool = true,
        createKeys: Bool = false,
        _ body: (StewardServices) async throws -> Result
    ) async throws -> Result {
        let services = try await StewardServices.open(
            configuration ?? self.configuration(),
            migrate: migrate,
            createKeys: createKeys,
            logger: quietLogger()
        )
        return try await services.run(body)
    }
}

/// A logger for commands: warnings and errors only.
func quietLogger() -> Logger {
    var logger = Logger(label: "steward")
    logger.logLevel = .warning
    return logger
}

/// The actor recorded in the audit log for work done from the command line.
var commandLineActor: String {
    "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")"
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The bytes of a file named on the command line; a missing or unreadable file is an error naming it.
func readInputFile(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw StewardError(.invalidInput, "cannot read '\(path)'")
    }
    return data
}

/// A JSON file given on the command line, decoded; a file that is not of the form is an error
/// naming the file and the field.
func decodeInputFile<Value: Decodable>(_ type: Value.Type, _ path: String) throws -> Value {
    let data = try readInputFile(path)
    do {
        return try StewardError.decodingInput(type, from: data)
    } catch let error as StewardError {
        throw StewardError(error.code, "\(path): \(error.message)", field: error.field, details: error.details, underlying: error)
    }
}

/// JSON for people to read: indented, keys sorted, slashes left alone.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

extension Role: ExpressibleByArgument {}
extension RightsRequest.Change.Name: ExpressibleByArgument {}
extension RightsRequest.RefusalGround: ExpressibleByArgument {}
extension CalendarDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso: argument) }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
