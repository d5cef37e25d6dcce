import ArgumentParser
import Foundation
import StewardApp
import StewardCore
import StewardFiles
import StewardStore
import Synchronization

/// `steward audit …`: verify and export the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or export the audit log.",
        subcommands: [VerifyCommand.self, ExportCommand.self]
    )

    /// `steward audit verify`.
    struct VerifyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check that the audit log is intact.",
            discussion: """
                Checks every entry's hash and link, every signed checkpoint and the signed head, in the database or in an exported \
                file. Exits 0 when intact; otherwise names the first bad entry and exits 1.
                """
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "Verify an exported file instead of the database.") var file: String?
        @Option(
            name: .customLong("public-key"),
            help: "A trusted signing public key (hex). Repeatable. Default: the configured key, or for --file the keys the file carries."
        )
        var publicKeys: [String] = []

        func run() async throws {
            var trusted: Set<String>? = publicKeys.isEmpty ? nil : Set(publicKeys.map { $0.lowercased() })
            let result: AuditVerifier.Result
            if let file {
                let text = String(decoding: try readInputFile(file), as: UTF8.self)
                result = try AuditExport.verify(lines: text.split(separator: "\n", omittingEmptySubsequences: false), trustedKeys: trusted)
            } else {
                let configuration = try options.configuration()
                if trusted == nil {
                    guard FileManager.default.fileExists(atPath: configuration.auditSigningKeyPath) else {
                        throw StewardError(.invalidInput, "no trusted key: give --public-key HEX, or configure audit_signing_key")
                    }
                    trusted = [try AuditKeyFile.load(path: configuration.auditSigningKeyPath, create: false).publicKey]
                }
                if case .sqlite(let path) = configuration.database, !FileManager.default.fileExists(atPath: path) {
                    throw StewardError(.invalidInput, "there is no database at '\(path)'")
                }
                // Verification only reads: it needs no private key, opens no sealed data, and changes
                // nothing, not even the schema.
                let store = try await Store.open(
                    configuration.database,
                    signer: AuditSigner(),
                    dataKey: .random(),
                    migrate: false,
                    checkSigner: false,
                    logger: quietLogger()
                )
                do {
                    result = try await store.verifyAudit(trustedKeys: trusted)
                } catch {
                    await store.close()
                    throw error
                }
                await store.close()
            }
            let keys = result.signingKeys.map { "\($0.prefix(16))…" }.joined(separator: ", ")
            if result.isIntact {
                print("Intact: \(result.entriesChecked) entries and \(result.checkpointsChecked) signatures checked; last entry \(result.lastSeq).")
                if !keys.isEmpty {
                    print(
                        "Signed with key \(keys)\(trusted == nil ? " (the key the file carries: pass --public-key to require a key you trust)" : "")."
                    )
                }
            } else {
                let failure = result.firstBad!
                print("NOT INTACT: first bad entry is \(failure.seq): \(failure.reason)")
                print("(\(result.entriesChecked) entries before it verified.)")
                throw ExitCode.failure
            }
        }
    }

    /// `steward audit export`.
    struct ExportCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export the whole audit log as JSON lines for offline verification."
        )

        @OptionGroup var options: CommonOptions
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            let count = try await options.withServices { services in
                let sink: FileHandle
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: nil) || FileManager.default.fileExists(atPath: output),
                        let handle = FileHandle(forWritingAtPath: output)
                    else { throw StewardError(.invalidInput, "cannot write '\(output)'") }
                    try handle.truncate(atOffset: 0)
                    sink = handle
                } else {
                    sink = FileHandle.standardOutput
                }
                let writer = LineWriter(handle: sink)
                let count = try await services.store.exportAudit { line in try writer.write(line) }
                try writer.flush()
                _ = try await services.store.audit.append(AuditEvent(actor: commandLineActor, action: .auditExport, object: "audit"))
                return count
            }
            if let output { printError("Exported \(count) entries to \(output).") }
        }
    }
}

/// Buffers lines and writes them in large chunks.
final class LineWriter: Sendable {
    private let handle: FileHandle
    private let buffer = Mutex<[UInt8]>([])

    init(handle: FileHandle) {
        self.handle = handle
    }

    func write(_ line: String) throws {
        let chunk: [UInt8]? = buffer.withLock { bytes in
            bytes.append(contentsOf: line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            guard bytes.count > 1 << 20 else { return nil }
            defer { bytes.removeAll(keepingCapacity: true) }
            return bytes
        }
        if let chunk { try handle.write(contentsOf: chunk) }
    }

    func flush() throws {
        let rest = buffer.withLock { bytes in
            defer { bytes.removeAll() }
            return bytes
        }
        if !rest.isEmpty { try handle.write(contentsOf: rest) }
    }
}
