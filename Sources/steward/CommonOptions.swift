import ArgumentParser
import Foundation
import Logging
import StewardCore
import StewardFiles
import StewardStore

/// Options every command that touches the database takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A configuration file (default: steward.yaml in the working directory, if present).")
    var config: String?

    /// Loads the configuration and opens the store, applying migrations. Only `serve` and `migrate`
    /// create the audit signing key and the data key on a new installation; other commands need
    /// them to exist already, so that a command run from the wrong folder cannot start signing, or
    /// sealing, with a new key.
    func open(migrate: Bool = true, createKey: Bool = false) async throws -> (StewardConfiguration, Store) {
        let configuration = try ConfigurationLoader.load(path: config)
        let signer = try AuditKeyFile.load(path: configuration.auditSigningKeyPath, create: createKey)
        let dataKey = try DataKeyFile.load(path: configuration.dataKeyPath, create: createKey)
        let logger = quietLogger()
        let store = try await Store.open(
            configuration.database, signer: signer, dataKey: dataKey, checkpointInterval: configuration.auditCheckpointInterval, migrate: migrate,
            logger: logger
        )
        return (configuration, store)
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

/// The bytes of a file named on the command line; a missing or unreadable file is an error message
/// and exit code 1.
func readInputFile(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("error: cannot read '\(path)'")
        throw ExitCode.failure
    }
    return data
}

/// JSON for people to read: indented, keys sorted, slashes left alone.
func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
